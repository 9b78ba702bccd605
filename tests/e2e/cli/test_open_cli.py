"""``switcher open URL --as EMAIL``: only pages the account's session cookie is sent to.

The browser here is a tripwire: a ``firefox`` first on PATH that writes down
how it was started. The real Firefox and Chromium opening a page as an account
are in ``test_export_cli.py``; what these tests prove is what ``open`` refuses
before any browser or profile, which a real browser cannot show (it would
open, signed out, which is the defect).
"""

from __future__ import annotations

import stat
import time
from pathlib import Path

from tests.support.cli import Cli, Ran
from tests.support.targets import unique_email

LOCAL_URL = "http://127.0.0.1:3000"


def _tripwire(cli: Cli) -> tuple[Cli, Path]:
    """``cli`` with a ``firefox`` on PATH that records its arguments in the returned file."""
    bin_dir = cli.root / "tripwire-bin"
    bin_dir.mkdir()
    record = cli.root / "browser-started"
    firefox = bin_dir / "firefox"
    firefox.write_text(f'#!/bin/sh\nprintf "%s\\n" "$@" >> "{record}"\n')
    firefox.chmod(firefox.stat().st_mode | stat.S_IXUSR)
    return cli.with_env(PATH=f"{bin_dir}:{cli.env.get('PATH', '')}"), record


def _open(cli: Cli, url: str, email: str) -> Ran:
    return cli("open", url, "--as", email, "--browser", "firefox", check=False)


def test_a_page_of_another_site_is_refused_and_nothing_opens(cli: Cli) -> None:
    """On the bundled ``local`` server, https://app.example.com would open signed out."""
    alice = unique_email("alice")
    cli.add(alice, "--sign-up")
    cli, record = _tripwire(cli)
    for url in ("https://app.example.com", "https://app.example.com/settings"):
        refused = _open(cli, url, alice)
        assert refused.returncode == 1, refused
        line = refused.stderr.strip()
        assert "\n" not in line, line
        assert f"{url} is not on the site of server 'local' ({LOCAL_URL})" in line
        assert refused.stdout == ""
    # localhost is another host than 127.0.0.1 to a browser's cookies.
    assert "is not on the site" in _open(cli, "http://localhost:3000/", alice).stderr
    not_a_url = _open(cli, "app.example.com", alice)
    assert not_a_url.returncode == 1
    assert "(did you mean https://app.example.com?)" in not_a_url.stderr
    assert not record.exists(), record.read_text()
    assert not (cli.root / "data" / "browser-profiles").exists()


def test_the_page_names_the_server_it_belongs_to(cli: Cli) -> None:
    cli("server", "add", "https://app.example.com", "--name", "work", "--no-check")
    alice = unique_email("alice")
    cli.add(alice, "--sign-up")  # on local, the current server
    cli, record = _tripwire(cli)
    refused = _open(cli, "https://app.example.com/team", alice)
    assert refused.returncode == 1
    assert "it is on server 'work': switcher --server work open" in refused.stderr
    assert not record.exists()


def test_pages_on_the_servers_own_host_open(cli: Cli) -> None:
    """Any path, and any port: cookies ignore ports (a dev front-end beside the server)."""
    alice = unique_email("alice")
    cli.add(alice, "--sign-up")
    cli, record = _tripwire(cli)
    for url in (f"{LOCAL_URL}/settings?tab=1", "http://127.0.0.1:5173/"):
        opened = _open(cli, url, alice)
        assert opened.returncode == 0, opened.stderr
        assert opened.stdout.startswith(f"opened {url} as {alice} in firefox")
    # The browser is started and left running (it outlives switcher): wait for its note.
    deadline = time.monotonic() + 10
    while len(_lines(record)) < 6:
        assert time.monotonic() < deadline, _lines(record)
        time.sleep(0.05)
    urls = _lines(record)[2::3]  # each start: --profile PATH URL
    assert sorted(urls) == sorted([f"{LOCAL_URL}/settings?tab=1", "http://127.0.0.1:5173/"])


def _lines(path: Path) -> list[str]:
    return path.read_text().splitlines() if path.exists() else []
