"""`switcher accounts add --browser`: a person signs in in a real browser, switcher takes it.

switcher starts the real browser itself (Chromium over its DevTools pipe,
Firefox ESR watched through its own cookie store), headless here through
wrappers of the same names on PATH. The site's sign-in page is a page of the
site whose script signs the account in with fetch, as a site's form does:
what switcher sees is the cookie the site set in that browser.
"""

from __future__ import annotations

import http.server
import json
import signal
import socketserver
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.cli import Cli
from tests.support.headless_browsers import browsers_using, headless_path, kill_browsers_using
from tests.support.secret_service import SecretService
from tests.support.serving import free_port
from tests.support.sign_up_page import WithSignUpPage, page_url
from tests.support.switcher_server import running_switcher
from tests.support.targets import PASSWORD, served_config, unique_email

BROWSERS = ["chromium", "firefox"]


@pytest.fixture
def site(tmp_path: Path) -> Iterator[str]:
    with running_switcher(served_config(tmp_path), wrap=WithSignUpPage) as app:
        yield app.config.base_url


@pytest.fixture
def cli(own_secret_service: SecretService, tmp_path: Path, firefox_bin: str) -> Iterator[Cli]:
    home = tmp_path / "home"
    path = headless_path(tmp_path / "bin", firefox_bin)
    yield Cli.subprocess(home, own_secret_service.child_env()).with_env(PATH=path)
    kill_browsers_using(home / "data")


def _profiles(cli: Cli, browser: str) -> list[Path]:
    root = cli.root / "data" / "browser-profiles" / browser
    return sorted(root.iterdir()) if root.is_dir() else []


def _listed(cli: Cli) -> dict[str, bool]:
    listing = json.loads(cli("accounts", "list", "--json").stdout)
    return {a["email"]: a["active"] for a in listing["accounts"]}


@pytest.mark.parametrize("browser", BROWSERS)
def test_an_account_signed_in_in_the_browser_lands_active_and_works_like_any_other(
    site: str, cli: Cli, browser: str, tmp_path: Path
) -> None:
    first, email = unique_email("pw"), unique_email(f"{browser}-br")
    cli("server", "add", site, "--name", "site", "--sign-in-url", page_url(site, [email]))
    cli("server", "use", "site")
    cli("accounts", "add", first, "--sign-up", "--password-stdin", stdin=PASSWORD + "\n")
    ran = cli("accounts", "add", "--browser", browser, "--timeout", "45")
    assert ran.stdout.strip() == f"signed in as {email} (active)"
    assert "Sign in at" in ran.stderr and "window" in ran.stderr
    assert _listed(cli) == {first: False, email: True}
    # The window is closed; its profile is the account's own now.
    assert not browsers_using(cli.root / "data")
    (profile,) = _profiles(cli, browser)
    assert profile.name.startswith(site.removeprefix("http://").replace(":", "-") + "-")
    # Opened without naming a browser: the one it signed in with, in that profile.
    opened = cli("open", "--as", email).stdout
    assert opened.startswith(f"opened {site}/ as {email} in {browser} (pid ")
    assert browsers_using(profile)
    kill_browsers_using(profile)
    # It is an account like any other: switch, export, revoke.
    cli("accounts", "use", first)
    cli("accounts", "use", email)
    out = tmp_path / "cookies.txt"
    cli("export", "cookies-txt", "--output", str(out))
    assert sum("_multi-" in line for line in out.read_text().splitlines()) == 2
    cli("accounts", "revoke", email)
    assert _listed(cli) == {first: True}


@pytest.mark.parametrize("browser", BROWSERS)
def test_no_sign_in_before_the_timeout_keeps_nothing(site: str, cli: Cli, browser: str) -> None:
    cli("server", "add", site, "--name", "site")  # its root: a page nobody signs in on
    cli("server", "use", "site")
    ran = cli("accounts", "add", "--browser", browser, "--timeout", "4", check=False)
    assert ran.returncode == 1
    assert "no sign-in within 4 s; nothing was kept" in ran.stderr
    assert _listed(cli) == {}
    assert _profiles(cli, browser) == []
    assert not browsers_using(cli.root / "data")


# Ctrl+C, `timeout` or `kill` (SIGTERM), the terminal closed (SIGHUP): all alike.
STOPS = {"ctrl-c": signal.SIGINT, "sigterm": signal.SIGTERM, "sighup": signal.SIGHUP}


@pytest.mark.parametrize(("browser", "how"), [(b, h) for b in BROWSERS for h in ("close", *STOPS)])
def test_a_browser_closed_or_the_command_stopped_mid_sign_in_keeps_nothing(
    site: str, cli: Cli, browser: str, how: str
) -> None:
    cli("server", "add", site, "--name", "site")
    cli("server", "use", "site")
    with cli.started("accounts", "add", "--browser", browser) as process:
        assert process.stderr is not None
        assert "Sign in at" in process.stderr.readline()
        deadline = time.monotonic() + 30
        while not browsers_using(cli.root / "data") and time.monotonic() < deadline:
            time.sleep(0.1)
        time.sleep(1)  # the page is up: the person closes the browser, or gives up
        if how == "close":
            kill_browsers_using(cli.root / "data")
        else:
            process.send_signal(STOPS[how])
        out, err = process.communicate(timeout=30)
    assert process.returncode == 1
    said = (
        "was closed before you signed in; nothing was kept"
        if how == "close"
        else "switcher: sign-in cancelled; nothing was kept"
    )
    assert said in err
    assert not browsers_using(cli.root / "data")
    assert "Traceback" not in err and out == ""
    assert _listed(cli) == {}
    assert _profiles(cli, browser) == []


def test_signing_in_again_in_the_browser_replaces_the_account_s_session(
    site: str, cli: Cli
) -> None:
    email = unique_email("again")
    cli("server", "add", site, "--name", "site", "--sign-in-url", page_url(site, [email]))
    cli("server", "use", "site")
    cli("accounts", "add", email, "--sign-up", "--password-stdin", stdin=PASSWORD + "\n")
    before = cli("cookie").stdout
    ran = cli("accounts", "add", "--browser", "chromium", "--timeout", "45")
    assert ran.stdout.strip() == f"signed in as {email} (active)"
    assert _listed(cli) == {email: True}
    assert cli("cookie").stdout != before  # the new session is the one kept


def test_another_program_on_the_local_port_is_named_when_nothing_signs_in(cli: Cli) -> None:
    """A web app in development on 127.0.0.1:3000 is not switcher's `local`: say so."""
    with _ReusingServer(("127.0.0.1", 3000), _OtherApp) as other:
        threading.Thread(target=other.serve_forever, daemon=True).start()
        try:
            ran = cli("accounts", "add", "--browser", "chromium", "--timeout", "3", check=False)
        finally:
            other.shutdown()
    assert ran.returncode == 1
    assert (
        "no sign-in within 3 s; nothing was kept (http://127.0.0.1:3000 was served by another "
        "program: if that is not switcher, stop it and try again)"
    ) in ran.stderr


class _ReusingServer(socketserver.TCPServer):
    # As servers do (switcher's too): its connections' TIME_WAIT must not keep
    # the next test's switcher from serving 127.0.0.1:3000.
    allow_reuse_address = True


class _OtherApp(http.server.BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        self.send_response(200)
        self.send_header("content-type", "text/html")
        self.end_headers()
        self.wfile.write(b"<title>another app</title>")

    def log_message(self, *_args: object) -> None:
        pass


def test_a_server_that_is_down_fails_at_once_and_opens_no_browser(cli: Cli) -> None:
    cli("server", "add", f"http://127.0.0.1:{free_port()}", "--name", "down", "--no-check")
    cli("server", "use", "down")
    started = time.monotonic()
    ran = cli("accounts", "add", "--browser", "chromium", check=False)
    assert ran.returncode == 1 and time.monotonic() - started < 20
    assert ran.stderr.startswith("switcher: cannot connect to http://127.0.0.1:")
    assert ran.stderr.endswith("; no browser was opened\n")
    assert "Sign in at" not in ran.stderr
    assert _profiles(cli, "chromium") == []
