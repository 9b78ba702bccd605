"""``switcher pick`` as a person uses it: a real X server, the keyboard, a real keyring.

Without the app, the command shows the quick switcher itself: a filter is
typed and Enter pressed with xdotool, and the command must have switched.
With the app running, the command only asks it (and loads no Qt), and the
app's own quick switcher makes the switch.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from switcher.logs import LOG_FILE
from tests.support.cli import SWITCHER_COMMAND, Cli
from tests.support.desktop import Desktop, running_desktop
from tests.support.secret_service import SecretService
from tests.support.targets import unique_email

TIMEOUT = 20.0
TITLE = "^Switch account — switcher$"
# The tray app as ``switcher`` starts it, less its HTTP server for browsers:
# not what is tested here, and port 3000 may be someone else's.
APP_WITHOUT_HTTP = """\
import sys
from switcher import bundled_server
bundled_server.BundledServer.serve_http = lambda self, port=None: False
from switcher.main import main
sys.exit(main([]))
"""


@pytest.fixture
def desktop() -> Iterator[Desktop]:
    with running_desktop(tray=False) as running:
        yield running


def _cli(desktop: Desktop, keyring: SecretService, tmp_path: Path) -> Cli:
    return Cli.subprocess(tmp_path, {**desktop.env, **keyring.env})


def _two_accounts(cli: Cli) -> tuple[str, str]:
    """Alice and Bob; Bob, the last signed in, is active."""
    alice, bob = unique_email("alice"), unique_email("bob")
    for email, name in ((alice, "Alice"), (bob, "Bob")):
        cli.add(email, "--sign-up", "--name", name)
    return alice, bob


def _focused(desktop: Desktop, window: int) -> None:
    """Until ``window`` has the keyboard (what xdotool types goes there)."""
    deadline = time.monotonic() + TIMEOUT
    while desktop.xdotool("getwindowfocus").strip() != str(window):
        assert time.monotonic() < deadline, "the quick switcher never got the keyboard"
        time.sleep(0.05)


def test_without_the_app_a_typed_filter_and_enter_switch(
    desktop: Desktop, secret_service: SecretService, tmp_path: Path
) -> None:
    cli = _cli(desktop, secret_service, tmp_path)
    alice, bob = _two_accounts(cli)
    assert cli.active() == bob
    with cli.started("pick") as picking:
        window = desktop.wait_for_window(TITLE, TIMEOUT)
        _focused(desktop, window)
        desktop.screenshot(tmp_path / "pick.png")
        desktop.type_text("ALI")  # any case
        desktop.key("Return")
        assert picking.wait(TIMEOUT) == 0
        out, err = picking.communicate()
    assert out == f"active: {alice}\n"
    assert "Traceback" not in err
    assert cli.active() == alice

    # Esc: closed without a choice, status 1 and nothing said.
    with cli.started("pick") as picking:
        window = desktop.wait_for_window(TITLE, TIMEOUT)
        _focused(desktop, window)
        desktop.type_text("bob")
        desktop.key("Escape")
        assert picking.wait(TIMEOUT) == 1
        out, err = picking.communicate()
    assert (out, err) == ("", "")
    assert cli.active() == alice


def test_a_display_that_cannot_be_opened_is_one_line(cli: Cli) -> None:
    ran = cli.with_env(DISPLAY=":64999", QT_QPA_PLATFORM=None)("pick", check=False)
    assert ran.returncode == 1
    assert ran.stdout == ""
    assert ran.stderr == (
        "switcher: cannot show the quick switcher (could not connect to display :64999); "
        "switch with: switcher accounts use EMAIL\n"
    )


def test_with_the_app_running_the_command_only_asks_it_and_loads_no_qt(
    cli: Cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The app's end is a stand-in here: what is measured is the command's own process."""
    from switcher.app_channel import channel_name

    monkeypatch.setenv("SWITCHER_CONFIG_DIR", cli.env["SWITCHER_CONFIG_DIR"])
    monkeypatch.setenv("XDG_RUNTIME_DIR", cli.env["XDG_RUNTIME_DIR"])
    path = channel_name()
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(path)
    listener.listen(1)
    listener.settimeout(TIMEOUT)
    requests: list[object] = []

    def answer_once() -> None:
        connection, _ = listener.accept()
        with connection:
            requests.append(json.loads(connection.makefile("rb").readline()))
            connection.sendall(b'{"v": 1, "ok": true}\n')

    stand_in = threading.Thread(target=answer_once)
    stand_in.start()
    try:
        env = {**cli.env, "XDG_ACTIVATION_TOKEN": "token-from-the-launcher"}
        env.pop("DISPLAY", None)  # the app shows the window: this process needs none
        done = subprocess.run(
            [sys.executable, "-X", "importtime", "-m", "switcher", "pick"],
            env=env,
            capture_output=True,
            text=True,
            timeout=TIMEOUT,
            check=False,
        )
    finally:
        stand_in.join(TIMEOUT)
        listener.close()
        os.unlink(path)
    assert done.returncode == 0, done.stderr
    assert done.stdout == ""
    assert requests == [{"v": 1, "op": "pick", "activation_token": "token-from-the-launcher"}]
    imported = {
        line.split("|")[-1].strip()
        for line in done.stderr.splitlines()
        if line.startswith("import time:")
    }
    # (The handler module itself is loaded by importlib, which -X importtime does not list.)
    assert "switcher.app_channel" in imported
    heavy = {"PySide6", "shiboken6", "httpx", "keyring", "switcher.accounts", "switcher.vault"}
    assert not heavy & imported
    assert not [name for name in imported if name.startswith("switcher.gui")]


def test_the_running_app_shows_its_quick_switcher_and_makes_the_switch(
    secret_service: SecretService, tmp_path: Path
) -> None:
    with running_desktop(tray=True) as desktop:
        cli = _cli(desktop, secret_service, tmp_path)
        alice, bob = _two_accounts(cli)
        log = (tmp_path / "app.log").open("wb")
        app = subprocess.Popen(
            [sys.executable, "-c", APP_WITHOUT_HTTP],
            env=cli.env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        try:
            desktop.wait_for_tray_icons(1, TIMEOUT)
            app_log = Path(cli.env["SWITCHER_LOG_DIR"]) / LOG_FILE
            deadline = time.monotonic() + TIMEOUT
            while "tray app running" not in app_log.read_text():
                assert time.monotonic() < deadline, "the app did not start"
                time.sleep(0.1)
            picked = subprocess.run(
                [*SWITCHER_COMMAND, "pick"],
                env=cli.env,
                capture_output=True,
                text=True,
                timeout=TIMEOUT,
                check=False,
            )
            # Ended at once, the window left to the app.
            assert (picked.returncode, picked.stdout, picked.stderr) == (0, "", "")
            window = desktop.wait_for_window(TITLE, TIMEOUT)
            assert desktop.xdotool("getwindowpid", str(window)).strip() == str(app.pid)
            _focused(desktop, window)
            desktop.type_text("ali")
            desktop.key("Return")
            desktop.wait_until_gone(window, TIMEOUT)
            deadline = time.monotonic() + TIMEOUT
            while cli.active() != alice:
                assert time.monotonic() < deadline, "the app did not switch to Alice"
                time.sleep(0.2)
            # Asked again, it opens afresh: no filter left, the first account highlighted.
            cli("pick")
            window = desktop.wait_for_window(TITLE, TIMEOUT)
            _focused(desktop, window)
            desktop.key("Down", "Return")  # Alice, then Bob
            deadline = time.monotonic() + TIMEOUT
            while cli.active() != bob:
                assert time.monotonic() < deadline, "the app did not switch back to Bob"
                time.sleep(0.2)
            app.terminate()
            assert app.wait(TIMEOUT) == 0
        finally:
            if app.poll() is None:
                app.kill()
                app.wait(10)
            log.close()
    assert "Traceback" not in (tmp_path / "app.log").read_text()
