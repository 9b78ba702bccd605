"""The real app on a real X server with a real tray host, keyring and bundled server.

Two accounts are signed in with the command line; ``switcher`` is launched;
its tray menu is opened with the mouse and the other account chosen with the
keyboard; the server (get-session with the device's cookies) must then name
that account. Then the app quits from its menu.
"""

from __future__ import annotations

import json
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

from tests.support.cli import SWITCHER_COMMAND, Cli
from tests.support.desktop import Desktop, running_desktop
from tests.support.secret_service import SecretService
from tests.support.targets import PASSWORD, unique_email

TIMEOUT = 20.0


@pytest.fixture
def desktop() -> Iterator[Desktop]:
    with running_desktop() as running:
        yield running


def _active(cli: Cli) -> str:
    accounts = cli.listing()["accounts"]
    assert isinstance(accounts, list)
    return str(next(a["email"] for a in accounts if a["active"]))


def _server_says(cli: Cli) -> str | None:
    """Who the bundled server (its database and secret) says the device is signed in as."""
    from switcher.bundled import LOCAL_URL
    from switcher.server import AuthApp, ServerConfig
    from switcher.server.bundled_files import local_secret
    from tests.support.local_transport import InProcessTransport

    cookie = cli("cookie").stdout.strip()
    data = Path(cli.env["SWITCHER_DATA_DIR"]) / "server"
    config = ServerConfig(
        secret=local_secret(data / "secret"),
        base_url=LOCAL_URL,
        database_url=f"sqlite:///{data / 'auth.db'}",
    )
    transport = InProcessTransport(AuthApp(config))
    try:
        with httpx.Client(transport=transport, base_url=LOCAL_URL) as client:
            session = client.get("/api/auth/get-session", headers={"cookie": cookie}).json()
    finally:
        transport.shutdown()
    return session["user"]["email"] if session else None


def _private_cli(desktop: Desktop, keyring: SecretService, tmp_path: Path) -> Cli:
    """The desktop's and the keyring's environment, with switcher's files under ``tmp_path``."""
    return Cli.subprocess(tmp_path, {**desktop.env, **keyring.env})


def _two_accounts(cli: Cli) -> tuple[str, str]:
    """Alice and Bob signed up with the command line; Bob, the last, is active."""
    alice, bob = unique_email("alice"), unique_email("bob")
    for email, name in ((alice, "Alice"), (bob, "Bob")):
        cli(
            "accounts",
            "add",
            email,
            "--sign-up",
            "--name",
            name,
            "--password-stdin",
            stdin=PASSWORD + "\n",
        )
    return alice, bob


@contextmanager
def _running_app(cli: Cli) -> Iterator[subprocess.Popen[bytes]]:
    """The tray app, stopped after the block (killed if it will not stop); what it wrote
    on stderr must hold no traceback."""
    app = subprocess.Popen(
        list(SWITCHER_COMMAND), env=cli.env, stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE, start_new_session=True,
    )  # fmt: skip
    try:
        yield app
    finally:
        if app.poll() is None:
            app.terminate()
            try:
                app.wait(10)
            except subprocess.TimeoutExpired:
                app.kill()
                app.wait(10)
        stderr = app.stderr.read().decode() if app.stderr else ""
        if app.stderr:
            app.stderr.close()
    assert "Traceback" not in stderr, stderr


def _open_menu(desktop: Desktop, icon: tuple[int, int, int, int], button: int = 3) -> int:
    """Click the tray icon (right button: its menu); the popup that opens."""
    x, y, width, height = icon
    before = desktop.popups()
    desktop.click(x + width // 2, y + height // 2, button=button)
    return desktop.wait_for_popup(TIMEOUT, ignore=before)


def test_switching_from_the_tray_menu(
    desktop: Desktop, own_secret_service: SecretService, tmp_path: Path
) -> None:
    cli = _private_cli(desktop, own_secret_service, tmp_path)
    alice, bob = _two_accounts(cli)
    assert _active(cli) == bob

    log = (tmp_path / "app.log").open("wb")
    app = subprocess.Popen(
        list(SWITCHER_COMMAND),
        env=cli.env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        (icon,) = desktop.wait_for_tray_icons(1, TIMEOUT)
        menu = _open_menu(desktop, icon)
        # The start-up refresh lands while the menu is open: it must stay open.
        time.sleep(1.5)
        assert menu in desktop.popups()
        desktop.screenshot(tmp_path / "menu.png")
        # Entries: header (disabled), Alice, Bob (active) … — Down reaches Alice.
        desktop.key("Down", "Return")
        deadline = time.monotonic() + TIMEOUT
        while _active(cli) != alice:
            assert time.monotonic() < deadline, "the app did not switch to Alice"
            time.sleep(0.2)
        assert _server_says(cli) == alice
        # Launching again shows the running app's window instead of a second icon.
        again = subprocess.run(
            list(SWITCHER_COMMAND),
            env=cli.env,
            capture_output=True,
            timeout=TIMEOUT,
            check=False,
        )
        assert again.returncode == 0
        desktop.wait_for_window("Accounts", TIMEOUT)
        assert len(desktop.tray_icons()) == 1
        # Quit from the menu: open it, choose the last entry.
        _open_menu(desktop, icon)
        desktop.key("Up", "Return")
        assert app.wait(TIMEOUT) == 0
    finally:
        if app.poll() is None:
            app.kill()
            app.wait(10)
        log.close()
    output = (tmp_path / "app.log").read_text()
    assert "Traceback" not in output


def test_quitting_while_a_request_hangs_exits_promptly(
    desktop: Desktop, own_secret_service: SecretService, tmp_path: Path
) -> None:
    from switcher.vault import Account, Index, Server
    from tests.support.fault_server import FaultServer

    cli = _private_cli(desktop, own_secret_service, tmp_path)
    with FaultServer(None) as silent:  # accepts connections, never answers
        # An account on that server: the app's start-up refresh asks it, and waits.
        index = Index.empty()
        server = Server("silent", silent.base_url, accounts=[Account("u1", "a@example.com")])
        index.servers["silent"] = server
        index.current = "silent"
        (tmp_path / "config").mkdir()
        (tmp_path / "config" / "accounts.json").write_text(json.dumps(index.to_json()))
        with _running_app(cli) as app:
            (icon,) = desktop.wait_for_tray_icons(1, TIMEOUT)
            deadline = time.monotonic() + TIMEOUT
            while not silent.requests:
                assert time.monotonic() < deadline, "the app never asked the server"
                time.sleep(0.05)
            _open_menu(desktop, icon)
            desktop.key("Up", "Return")  # Quit, with the request still unanswered
            started = time.monotonic()
            assert app.wait(TIMEOUT) == 0
            assert time.monotonic() - started < 3.0


def test_a_switch_in_either_front_end_shows_in_the_other_within_a_second(
    desktop: Desktop, own_secret_service: SecretService, tmp_path: Path
) -> None:
    """The tray and the command line side by side, as people use them."""
    cli = _private_cli(desktop, own_secret_service, tmp_path)
    alice, bob = _two_accounts(cli)
    with _running_app(cli):
        (icon,) = desktop.wait_for_tray_icons(1, TIMEOUT)
        time.sleep(1.0)  # the start-up refresh and the icon's first paint
        bobs_icon = desktop.capture(icon)

        # The command line switches: the running app makes the switch, the tray shows it.
        started = time.monotonic()
        assert cli("accounts", "use", alice).stdout.strip() == f"active: {alice}"
        while desktop.capture(icon) == bobs_icon:
            assert time.monotonic() - started < 1.0, "the tray still shows bob after 1 s"
            time.sleep(0.02)
        cli_to_tray = time.monotonic() - started
        alices_icon = desktop.capture(icon)
        log = (tmp_path / "logs" / "switcher.log").read_text()
        assert f"switched to {alice} through the running app" in log

        # The tray switches: the command line sees it.
        _open_menu(desktop, icon)
        desktop.key("Down", "Down", "Return")  # header, Alice (active), Bob
        started = time.monotonic()
        while _active(cli) != bob:
            assert time.monotonic() - started < 1.0, "the command line still says alice after 1 s"
        tray_to_cli = time.monotonic() - started
        assert desktop.capture(icon) != alices_icon
        print(
            f"command line -> tray {cli_to_tray * 1000:.0f} ms, "
            f"tray -> command line {tray_to_cli * 1000:.0f} ms"
        )


def test_a_left_click_on_an_xembed_tray_opens_the_menu_at_the_icon(
    desktop: Desktop, own_secret_service: SecretService, tmp_path: Path
) -> None:
    """Where Qt draws the menu, it knows where the icon is: the menu opens there."""
    cli = _private_cli(desktop, own_secret_service, tmp_path)
    _two_accounts(cli)
    with _running_app(cli):
        (icon,) = desktop.wait_for_tray_icons(1, TIMEOUT)
        x, y, _width, height = icon
        menu = _open_menu(desktop, icon, button=1)
        mx, my, mwidth, _mheight = desktop.window_geometry(menu)
        # Beside the icon (kept on screen), not at the screen's top-left corner.
        assert mx + mwidth >= x and abs(my - (y + height)) < 60, (icon, (mx, my))
        assert mx > 0
        desktop.key("Escape")


def test_a_menu_that_grows_while_open_stays_on_the_screen(
    desktop: Desktop, own_secret_service: SecretService, tmp_path: Path
) -> None:
    """Opening the menu asks the server again when it last asked long ago: the header
    reads "checking…", then "not checked yet", wider, while the menu Qt drew is open at
    the screen's right edge. Its end must stay on the screen (it went off)."""
    cli = _private_cli(desktop, own_secret_service, tmp_path)
    with _running_app(cli):
        (icon,) = desktop.wait_for_tray_icons(1, TIMEOUT)
        menu = _open_menu(desktop, icon)
        time.sleep(1.5)  # the refresh it asked for has answered
        mx, _my, mwidth, _mheight = desktop.window_geometry(menu)
        desktop.screenshot(tmp_path / "menu.png")
        assert mx + mwidth <= desktop.width, (mx, mwidth, desktop.width)
        desktop.key("Escape")
