"""switcher export cookies-txt: a file curl signs in with, for any account."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import time
from contextlib import suppress

from switcher.server import ServerConfig
from tests.support.chromium import chromium_binary
from tests.support.cli import Cli
from tests.support.components import missing
from tests.support.desktop import running_desktop
from tests.support.firefox import Served, firefox_binary, recording_switcher
from tests.support.targets import SWITCHER, Options, Servers, unique_email


def _who(curl: str, base_url: str, path: str) -> str | None:
    out = subprocess.run(
        [curl, "-s", "-b", path, f"{base_url}/api/auth/get-session"],
        capture_output=True,
        text=True,
        timeout=30,
        check=True,
    ).stdout
    session = json.loads(out)
    return session["user"]["email"] if session else None


def test_export_to_cookies_txt_for_the_active_or_a_chosen_account(
    cli: Cli, servers: Servers
) -> None:
    curl = shutil.which("curl")
    if curl is None:
        missing("curl", "apt-get install curl")
    target = servers.get(SWITCHER, Options())
    cli("server", "add", target.base_url, "--name", "remote")
    cli("server", "use", "remote")
    alice, bob = unique_email("alice"), unique_email("bob")
    cli.add(alice, "--sign-up")
    cli.add(bob, "--sign-up")
    path = cli.root / "cookies.txt"
    out = cli("export", "cookies-txt", "--output", str(path)).stdout
    assert "keep it private" in out
    assert path.stat().st_mode & 0o777 == 0o600
    assert _who(curl, target.base_url, str(path)) == bob
    cli("export", "cookies-txt", "--output", str(path), "--account", alice)
    assert _who(curl, target.base_url, str(path)) == alice
    # The device's other account travels too, so the site's own switcher works.
    listed = subprocess.run(
        [
            curl,
            "-s",
            "-b",
            str(path),
            f"{target.base_url}/api/auth/multi-session/list-device-sessions",
        ],
        capture_output=True,
        text=True,
        timeout=30,
        check=True,
    ).stdout
    assert sorted(e["user"]["email"] for e in json.loads(listed)) == sorted([alice, bob])


def test_export_mistakes_are_one_line(cli: Cli) -> None:
    cases = [
        (("export",), "say where to export"),
        (("export", "cookies-txt", "--output", str(cli.root / "x.txt")), "no active account"),
        (("export", "cookies-txt"), "no active account"),
        (("export", "chromium", "--container", "Work"), "Firefox feature"),
    ]
    for args, message in cases:
        result = cli(*args, check=False)
        assert result.returncode == 1, (args, result.stderr)
        assert message in result.stderr, (args, result.stderr)
    assert cli("export", "nowhere", check=False).returncode == 2


def test_export_into_a_firefox_profile_by_path(cli: Cli, servers: Servers) -> None:
    import sqlite3

    target = servers.get(SWITCHER, Options())
    cli("server", "add", target.base_url, "--name", "remote")
    cli("server", "use", "remote")
    cli.add(unique_email("fox"), "--sign-up")
    profile = cli.root / "firefox-profile"
    profile.mkdir()
    out = cli("export", "firefox", "--profile", str(profile)).stdout
    assert out.startswith("exported 2 cookies to Firefox profile")
    with sqlite3.connect(profile / "cookies.sqlite") as db:
        names = sorted(n for (n,) in db.execute("select name from moz_cookies"))
    assert names[0] == "better-auth.session_token"
    assert names[1].startswith("better-auth.session_token_multi-")
    missing_profile = cli("export", "firefox", "--profile", "No Such Profile", check=False)
    assert missing_profile.returncode == 1
    assert "no firefox profile named 'No Such Profile'" in missing_profile.stderr


def _recording_config(cli: Cli) -> ServerConfig:
    return ServerConfig(
        secret="open-test-secret-" + "0" * 32,
        base_url="http://127.0.0.1:1",
        database_url=f"sqlite:///{cli.root / 'auth.db'}",
        rate_limit=None,
    )


def _session_token(cli: Cli) -> str:
    """The active account's signed session cookie, as `switcher cookie` prints it."""
    return next(
        pair.split("=", 1)[1]
        for pair in cli("cookie").stdout.strip().split("; ")
        if pair.startswith("better-auth.session_token=")
    )


def _session_seen_after_open(cli: Cli, served: Served, email: str, browser: str) -> str | None:
    """`switcher open --as email`; the session cookie the browser sent for the page."""
    out = cli("open", "--as", email, "--browser", browser).stdout
    pid = int(out.rsplit("(pid ", 1)[1].rstrip(")\n"))
    try:
        deadline = time.monotonic() + 60
        while not served.recorder.cookies_for("/"):
            assert time.monotonic() < deadline, f"{browser} never asked for the page"
            time.sleep(0.1)
        return served.recorder.cookies_for("/")[0].get("better-auth.session_token")
    finally:
        # The browser forks; its whole process group goes, politely first.
        with suppress(ProcessLookupError):
            os.killpg(pid, signal.SIGTERM)
        time.sleep(1)
        with suppress(ProcessLookupError):
            os.killpg(pid, signal.SIGKILL)


def test_open_as_an_account_uses_a_profile_of_its_own(cli: Cli) -> None:
    if firefox_binary() is None:
        missing("Firefox", "apt-get install firefox-esr")
    with recording_switcher(_recording_config(cli)) as served:
        cli("server", "add", served.base_url, "--name", "remote")
        cli("server", "use", "remote")
        alice, bob = unique_email("alice"), unique_email("bob")
        cli.add(alice, "--sign-up")
        expected = _session_token(cli)
        cli.add(bob, "--sign-up")  # bob is active now; the browser must still be alice's
        cli.env["MOZ_HEADLESS"] = "1"  # the browser it launches runs without a screen
        assert _session_seen_after_open(cli, served, alice, "firefox") == expected
    profiles = list((cli.root / "data" / "browser-profiles" / "firefox").iterdir())
    assert len(profiles) == 1


def test_export_into_a_chromium_profile_by_path(cli: Cli, servers: Servers) -> None:
    import sqlite3

    target = servers.get(SWITCHER, Options())
    cli("server", "add", target.base_url, "--name", "remote")
    cli("server", "use", "remote")
    cli.add(unique_email("chrome"), "--sign-up")
    profile = cli.root / "chromium" / "Default"
    profile.mkdir(parents=True)
    out = cli("export", "chromium", "--profile", str(profile)).stdout
    assert out.startswith("exported 2 cookies to Chromium profile")
    with sqlite3.connect(profile / "Cookies") as db:
        rows = db.execute("select name, value, encrypted_value from cookies").fetchall()
    assert sorted(name for name, _, _ in rows)[0] == "better-auth.session_token"
    # Encrypted (v10 on Linux) and never both columns: Chromium deletes such rows.
    assert all(value == "" and encrypted[:3] == b"v10" for _, value, encrypted in rows)
    # Or, asked for, the plaintext column only.
    cli("export", "chromium", "--profile", str(profile), "--encryption", "plaintext")
    with sqlite3.connect(profile / "Cookies") as db:
        rows = db.execute("select name, value, encrypted_value from cookies").fetchall()
    assert all(value and encrypted == b"" for _, value, encrypted in rows)
    refused = cli("export", "firefox", "--encryption", "v11", check=False)
    assert refused.returncode == 1
    assert "--encryption is for the Chromium family" in refused.stderr


def test_open_in_chromium_on_a_real_display(cli: Cli) -> None:
    chromium_binary()  # fails under CI when missing, skips elsewhere
    with (
        running_desktop(tray=False) as desktop,
        recording_switcher(_recording_config(cli)) as served,
    ):
        cli("server", "add", served.base_url, "--name", "remote")
        cli("server", "use", "remote")
        alice = unique_email("alice")
        cli.add(alice, "--sign-up")
        expected = _session_token(cli)
        cli.add(unique_email("bob"), "--sign-up")  # bob active; the window must be alice's
        cli.env["DISPLAY"] = desktop.display
        assert _session_seen_after_open(cli, served, alice, "chromium") == expected
