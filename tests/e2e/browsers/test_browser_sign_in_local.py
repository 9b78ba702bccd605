"""`accounts add --browser` on the bundled `local` server, typed as a person types.

The real browsers, with windows, on a real X server (Xvfb): switcher serves
`local` on 127.0.0.1:3000 for the sign-in (nothing else does here), opens
its root page with the plain sign-in form, and the test types the email and
password into the window with xdotool. Closing the window instead (Ctrl+W
on its one tab) ends the sign-in and keeps nothing.
"""

from __future__ import annotations

import json
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from tests.support.cli import Cli
from tests.support.desktop import Desktop, running_desktop
from tests.support.headless_browsers import browsers_using, kill_browsers_using
from tests.support.secret_service import SecretService
from tests.support.targets import PASSWORD, unique_email

BROWSERS = ["chromium", "firefox"]
WINDOW = "local better-auth server"  # the page's title, in the window's name
WAIT = 60.0
PAGE = "http://127.0.0.1:3000/"


@pytest.fixture(scope="module")
def desk() -> Iterator[Desktop]:
    with running_desktop(tray=False) as desktop:
        yield desktop


@pytest.fixture
def cli(own_secret_service: SecretService, tmp_path: Path, desk: Desktop) -> Iterator[Cli]:
    # switcher serves `local` there for the sign-in: another server would get the password.
    with socket.socket() as probe:
        assert probe.connect_ex(("127.0.0.1", 3000)) != 0, "something already serves 127.0.0.1:3000"
    env = own_secret_service.child_env()
    env.update(DISPLAY=desk.env["DISPLAY"], XDG_RUNTIME_DIR=desk.env["XDG_RUNTIME_DIR"])
    ran = Cli.subprocess(tmp_path / "home", env)
    yield ran
    kill_browsers_using(ran.root / "data")


@contextmanager
def _browser_sign_in(cli: Cli, browser: str) -> Iterator[subprocess.Popen[str]]:
    """``accounts add --browser`` running, its window opening; killed and reaped after."""
    # Time for a second try at typing (see _signed_in_by_typing).
    waits = str(3 * WAIT)
    with cli.started("accounts", "add", "--browser", browser, "--timeout", waits) as process:
        assert process.stderr is not None
        said = process.stderr.readline()
        assert said.startswith(f"Sign in at {PAGE} in the "), said
        yield process


def _type_into_the_form(desk: Desktop, email: str) -> None:
    """The email, Tab, the password, Enter: as a person fills the page's form."""
    desk.type_text(email)
    desk.key("Tab")
    desk.type_text(PASSWORD)
    desk.key("Return")


def _signed_in_by_typing(
    desk: Desktop, process: subprocess.Popen[str], email: str
) -> tuple[str, str]:
    """The command's output once the form typed into the window signed ``email`` in.

    Under load (CI's two busy cores) the window's name can show the page's
    title before the page has taken the keyboard, and keys typed then go
    nowhere: the form is sent half-filled or not at all. A person would see
    that and type again; so does this, once, on the page loaded afresh.
    """
    _type_into_the_form(desk, email)
    try:
        return process.communicate(timeout=WAIT / 3)
    except subprocess.TimeoutExpired:
        pass
    desk.key("ctrl+l")  # the address bar, in both browsers
    desk.type_text(PAGE)
    desk.key("Return")
    time.sleep(3)  # the reload keeps the window's name: nothing to wait for but time
    _type_into_the_form(desk, email)
    return process.communicate(timeout=WAIT)


def _page_window(desk: Desktop) -> int:
    window = desk.wait_for_window(WINDOW, timeout=WAIT)
    desk.xdotool("windowfocus", "--sync", str(window))
    return window


@pytest.mark.parametrize("browser", BROWSERS)
def test_the_local_sign_in_form_typed_into_the_browser_signs_the_account_in(
    cli: Cli, desk: Desktop, browser: str
) -> None:
    email = unique_email(f"typed-{browser}")
    # Signed up here, then revoked: a person signing in again in the browser.
    cli("accounts", "add", email, "--sign-up", "--password-stdin", stdin=PASSWORD + "\n")
    cli("accounts", "revoke", email)
    with _browser_sign_in(cli, browser) as process:
        _page_window(desk)
        out, err = _signed_in_by_typing(desk, process, email)
    assert (process.returncode, out) == (0, f"signed in as {email} (active)\n"), err
    listing = json.loads(cli("accounts", "list", "--json").stdout)
    assert [(a["email"], a["active"]) for a in listing["accounts"]] == [(email, True)]
    assert not browsers_using(cli.root / "data")


@pytest.mark.parametrize("browser", BROWSERS)
def test_closing_the_window_ends_the_sign_in_and_keeps_nothing(
    cli: Cli, desk: Desktop, browser: str
) -> None:
    with _browser_sign_in(cli, browser) as process:
        window = _page_window(desk)
        desk.key("ctrl+w")  # its one tab: the window closes
        desk.wait_until_gone(window, timeout=WAIT)
        out, err = process.communicate(timeout=WAIT)
    assert process.returncode == 1 and out == ""
    assert "window was closed" not in err  # said once, plainly:
    assert "was closed before you signed in; nothing was kept" in err
    assert json.loads(cli("accounts", "list", "--json").stdout)["accounts"] == []
    assert list((cli.root / "data" / "browser-profiles" / browser).iterdir()) == []


def test_the_command_serves_local_itself_once_whoever_served_it_stops(
    cli: Cli, desk: Desktop
) -> None:
    """The app (here `switcher serve`, on the same files) quits while the command waits."""
    email = unique_email("taken-over")
    cli("accounts", "add", email, "--sign-up", "--password-stdin", stdin=PASSWORD + "\n")
    cli("accounts", "revoke", email)
    with cli.started("serve") as serving:
        _until_served(True)
        with _browser_sign_in(cli, "chromium") as process:
            _page_window(desk)
            serving.terminate()
            serving.wait(WAIT)
            _until_served(True)  # by the command, a moment later
            out, err = _signed_in_by_typing(desk, process, email)
    assert (process.returncode, out) == (0, f"signed in as {email} (active)\n"), err


def _until_served(served: bool) -> None:
    deadline = time.monotonic() + WAIT
    while time.monotonic() < deadline:
        with socket.socket() as probe:
            if (probe.connect_ex(("127.0.0.1", 3000)) == 0) == served:
                return
        time.sleep(0.1)
    raise AssertionError(f"127.0.0.1:3000 {'never' if served else 'still'} served")
