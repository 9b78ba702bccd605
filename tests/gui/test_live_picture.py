"""One live picture: what another process does shows in the app at once, and back.

The app's end runs here (offscreen); "the command line" is another service on
the same config directory (as a separate process would be), or the channel's
own client from another thread.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from pytestqt.qtbot import QtBot

from switcher.accounts import Accounts
from switcher.app_channel import ask, parse_request
from switcher.gui.app import SwitcherApp
from switcher.gui.controller import Controller
from switcher.gui.settings import Settings
from switcher.gui.single_instance import InstanceServer
from switcher.secrets import KeyringSecrets
from switcher.vault import Vault
from tests.gui.conftest import OFFSCREEN_NOTES, wait_job
from tests.support.targets import PASSWORD, unique_email


def _add(qtbot: QtBot, controller: Controller, label: str) -> str:
    email = unique_email(label)
    ok, message = wait_job(
        qtbot,
        controller,
        controller.add(email, PASSWORD, sign_up=True, name=label.title(), remember=True),
    )
    assert ok, message
    return email


def _other_process(controller: Controller) -> Accounts:
    """The command line beside the app: its own service on the app's config directory."""
    return Accounts(Vault(controller.service.vault.config_dir, KeyringSecrets()), timeout=10)


def _active(controller: Controller) -> str | None:
    active = controller.snapshot.active
    return active.email if active else None


@pytest.fixture
def app(qtbot: QtBot, make_controller: Callable[..., Controller]) -> SwitcherApp:
    switcher = SwitcherApp(
        make_controller().service, settings=Settings(), use_tray=False, serve_local=False
    )
    qtbot.addWidget(switcher.window)
    return switcher


@pytest.mark.qt_log_ignore(*OFFSCREEN_NOTES)
def test_a_switch_saved_by_another_process_shows_within_a_second(
    qtbot: QtBot, app: SwitcherApp
) -> None:
    alice, bob = _add(qtbot, app.controller, "alice"), _add(qtbot, app.controller, "bob")
    assert _active(app.controller) == bob
    other = _other_process(app.controller)
    started = time.monotonic()
    other.use(alice)
    qtbot.waitUntil(lambda: _active(app.controller) == alice, timeout=1000)
    took = time.monotonic() - started
    assert took < 1.0
    # An account the other process adds appears too, with no refresh asked for.
    carol = unique_email("carol")
    other.add(carol, PASSWORD, sign_up=True, name="Carol")
    qtbot.waitUntil(
        lambda: carol in [a.email for a in app.controller.snapshot.accounts], timeout=1000
    )
    assert app.controller.pending == {}


@pytest.mark.qt_log_ignore(*OFFSCREEN_NOTES)
def test_the_command_lines_switch_is_made_by_the_app_through_its_channel(
    qtbot: QtBot, app: SwitcherApp, tmp_path: Path
) -> None:
    alice, bob = _add(qtbot, app.controller, "alice"), _add(qtbot, app.controller, "bob")
    name = str(tmp_path / f"{uuid.uuid4().hex[:8]}.sock")
    server = InstanceServer(name)
    server.handle("use", app.switch_for_channel)
    answers: list[dict[str, Any] | None] = []

    def command_line(email: str) -> threading.Thread:
        thread = threading.Thread(
            target=lambda: answers.append(ask({"op": "use", "email": email}, 10, name=name))
        )
        thread.start()
        return thread

    try:
        thread = command_line(alice)
        qtbot.waitUntil(lambda: bool(answers), timeout=5000)
        thread.join()
        assert answers[-1] == {"v": 1, "ok": True, "email": alice, "server": "test"}
        # The app made the switch: its own picture shows it, no file watch needed.
        assert _active(app.controller) == alice
        assert app.controller.service.server().active == app.controller.snapshot.active.user_id  # type: ignore[union-attr]

        thread = command_line("nobody@example.com")
        qtbot.waitUntil(lambda: len(answers) == 2, timeout=5000)
        thread.join()
        assert answers[-1] is not None
        assert answers[-1]["ok"] is False
        assert "no account nobody@example.com" in answers[-1]["error"]
        assert _active(app.controller) == alice

        # Another version's request is refused as unsupported: the asker works alone.
        thread = threading.Thread(
            target=lambda: answers.append(ask({"v": 99, "op": "use"}, 5, name=name))
        )
        thread.start()
        qtbot.waitUntil(lambda: len(answers) == 3, timeout=5000)
        thread.join()
        assert answers[2] is None
        assert bob in [a.email for a in app.controller.snapshot.accounts]
    finally:
        server.close()


def test_requests_of_earlier_versions_are_understood() -> None:
    assert parse_request(b"show\n") == {"v": 1, "op": "show"}
    assert parse_request(b'{"v": 1, "op": "use", "email": "a@b"}') == {
        "v": 1,
        "op": "use",
        "email": "a@b",
    }
    assert parse_request(b"\xff garbage") == {}
    assert parse_request(b"[1, 2]") == {}


def test_no_app_means_no_answer(tmp_path: Path) -> None:
    assert ask({"op": "use", "email": "a@b"}, 2, name=str(tmp_path / "none.sock")) is None
    # A socket file a crashed app left behind: refused, so no app.
    import socket

    stale = tmp_path / "stale.sock"
    listener = socket.socket(socket.AF_UNIX)
    listener.bind(str(stale))
    listener.close()
    assert ask({"op": "use", "email": "a@b"}, 2, name=str(stale)) is None
