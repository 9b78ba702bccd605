"""One live picture: what another process does shows in the app at once, and back.

The app's end runs here (offscreen); "the command line" is another service on
the same config directory (as a separate process would be), or the channel's
own client from another thread.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from switcher.accounts import Accounts
from switcher.app_channel import ask, parse_request
from switcher.gui.app import SwitcherApp
from switcher.gui.controller import Controller
from switcher.gui.jobs import Job, JobKind
from switcher.gui.settings import Settings
from switcher.gui.single_instance import InstanceServer
from switcher.secrets import KeyringSecrets
from switcher.vault import Account, Vault
from tests.support.qt import OFFSCREEN_NOTES, add_account, wait_job
from tests.support.targets import PASSWORD, SWITCHER, Options, Servers, Target, unique_email


def _other_process(controller: Controller) -> Accounts:
    """The command line beside the app: its own service on the app's config directory."""
    return Accounts(Vault(controller.service.vault.config_dir, KeyringSecrets()), timeout=10)


def _active(controller: Controller) -> str | None:
    active = controller.snapshot.active
    return active.email if active else None


@pytest.fixture
def app(qtbot: QtBot, make_controller: Callable[..., Controller]) -> Iterator[SwitcherApp]:
    switcher = SwitcherApp(
        make_controller().service, settings=Settings(), use_tray=False, serve_local=False
    )
    qtbot.addWidget(switcher.window)
    yield switcher
    # Its own controller's threads must not outlive the test (they post to it).
    switcher.timer.stop()
    switcher.controller.shutdown()


@pytest.mark.qt_log_ignore(*OFFSCREEN_NOTES)
def test_a_switch_saved_by_another_process_shows_within_a_second(
    qtbot: QtBot, app: SwitcherApp
) -> None:
    alice, bob = (
        add_account(qtbot, app.controller, "alice"),
        add_account(qtbot, app.controller, "bob"),
    )
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
    alice, bob = (
        add_account(qtbot, app.controller, "alice"),
        add_account(qtbot, app.controller, "bob"),
    )
    name = str(tmp_path / f"{uuid.uuid4().hex[:8]}.sock")
    server = InstanceServer(name)
    server.handle("use", app.switch_for_channel)
    answers: list[dict[str, Any] | None] = []
    # The command line says what went wrong where it was asked: not the desktop too.
    told: list[str] = []
    app.controller.notify.connect(lambda _title, message: told.append(message))
    app.controller.session_ended.connect(lambda _email, message: told.append(message))

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
        assert told == []

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


@pytest.fixture
def other_server(servers: Servers) -> Target:
    """A second bundled server of its own (other options, so another process-wide instance)."""
    return servers.get(SWITCHER, Options(max_sessions=6))


def test_a_job_acts_on_the_server_shown_when_the_person_acted(
    qtbot: QtBot, app: SwitcherApp, other_server: Target
) -> None:
    """Lanes run side by side: choosing another server meanwhile must not redirect a sign-in."""
    controller = app.controller
    controller.service.add_server(other_server.base_url, name="other")
    release = threading.Event()
    # Something slow ahead of the sign-in on this server's lane.
    busy = controller._submit(Job(JobKind.REFRESH), lambda _server: release.wait(10))
    dave = unique_email("dave")
    added = controller.add(dave, PASSWORD, sign_up=True, name="Dave", remember=True)
    ok, message = wait_job(qtbot, controller, controller.use_server("other"))
    assert ok, message
    release.set()
    wait_job(qtbot, controller, busy)
    ok, message = wait_job(qtbot, controller, added)
    assert ok, message
    index = controller.service.vault.load()
    assert [a.email for a in index.servers["test"].accounts] == [dave]
    assert index.servers["other"].accounts == []


@pytest.mark.qt_log_ignore(*OFFSCREEN_NOTES)
def test_a_switch_on_another_server_is_answered_with_that_servers_account(
    qtbot: QtBot, app: SwitcherApp, other_server: Target, tmp_path: Path
) -> None:
    controller = app.controller
    alice = add_account(qtbot, controller, "alice")
    controller.service.add_server(other_server.base_url, name="other")
    bob, carol = unique_email("bob"), unique_email("carol")
    for email in (bob, carol):
        controller.service.add(email, PASSWORD, sign_up=True, server_name="other")
    controller.reload()
    name = str(tmp_path / f"{uuid.uuid4().hex[:8]}.sock")
    server = InstanceServer(name)
    server.handle("use", app.switch_for_channel)
    answers: list[dict[str, Any] | None] = []

    def ask_in_thread(request: dict[str, Any]) -> None:
        thread = threading.Thread(target=lambda: answers.append(ask(request, 10, name=name)))
        thread.start()
        qtbot.waitUntil(lambda: not thread.is_alive(), timeout=10000)

    try:
        ask_in_thread({"op": "use", "email": bob, "server": "other"})
        assert answers[-1] == {"v": 1, "ok": True, "email": bob, "server": "other"}
        assert controller.service.vault.load().servers["other"].active is not None
        assert _active(controller) == alice  # the server on screen is unchanged
        ask_in_thread({"op": "use", "email": bob, "server": "nowhere"})
        assert answers[-1] is not None
        assert answers[-1]["ok"] is False
        assert "no server named 'nowhere'" in answers[-1]["error"]
    finally:
        server.close()


@pytest.mark.qt_log_ignore(*OFFSCREEN_NOTES)
def test_a_rebuilt_index_is_told_by_the_app_once(
    qtbot: QtBot, make_controller: Callable[..., Controller]
) -> None:
    first = make_controller()
    alice = add_account(qtbot, first, "alice")
    config = first.service.vault.config_dir
    (config / "accounts.json").write_text("{ not an index")
    service = Accounts(Vault(config, KeyringSecrets()), timeout=10)  # the app starting
    app = SwitcherApp(service, settings=Settings(), use_tray=False, serve_local=False)
    qtbot.addWidget(app.window)
    told: list[str] = []
    app.controller.notify.connect(lambda _title, message: told.append(message))
    qapp = QApplication.instance()
    assert isinstance(qapp, QApplication)
    quits = qapp.quitOnLastWindowClosed()
    try:
        app.start()
        qtbot.waitUntil(lambda: not app.controller.pending, timeout=10000)
        assert sum("was corrupt" in message for message in told) == 1
        assert alice in [a.email for a in app.controller.snapshot.accounts]
        wait_job(qtbot, app.controller, app.controller.refresh())
        assert sum("was corrupt" in message for message in told) == 1  # once
    finally:
        app.timer.stop()
        app.controller.shutdown()
        qapp.setQuitOnLastWindowClosed(quits)


def test_online_is_said_of_each_server_on_its_own(
    qtbot: QtBot, make_controller: Callable[..., Controller]
) -> None:
    from tests.support.fault_server import refused_port

    controller = make_controller()
    alice = add_account(qtbot, controller, "alice")
    with refused_port() as port:
        controller.service.add_server(f"http://127.0.0.1:{port}", name="down")
        with controller.service.vault.locked() as index:
            index.servers["down"].accounts.append(Account(user_id="u1", email="x@example.com"))
        ok, _ = wait_job(qtbot, controller, controller.use_server("down"))
        assert not ok  # its refresh could not connect
        controller.reload()
        assert controller.snapshot.server == "down"
        assert controller.online is False
        # A switch that worked on another server says nothing about this one.
        ok, message = wait_job(qtbot, controller, controller.switch(alice, "test"))
        assert ok, message
        assert controller.online is False
        assert controller.reachable["test"] is True


def test_an_asker_that_gave_up_is_not_answered_and_nothing_breaks(
    qtbot: QtBot, tmp_path: Path
) -> None:
    import json
    import socket

    name = str(tmp_path / f"{uuid.uuid4().hex[:8]}.sock")
    server = InstanceServer(name)
    waiting: list[Callable[..., None]] = []
    server.handle("use", lambda request, reply: waiting.append(reply))
    try:
        asker = socket.socket(socket.AF_UNIX)
        asker.connect(name)
        asker.sendall(json.dumps({"v": 1, "op": "use", "email": "a@b"}).encode() + b"\n")
        qtbot.waitUntil(lambda: bool(waiting), timeout=3000)
        asker.close()  # Ctrl+C on the command while the app's switch still runs
        qtbot.wait(200)  # the app sees it go, and deletes its end
        waiting[0](ok=True, email="a@b", server="local")  # the switch finishes: no one to tell
    finally:
        server.close()


@pytest.mark.qt_log_ignore(*OFFSCREEN_NOTES)
def test_an_index_edited_in_place_or_restored_from_a_copy_is_shown(
    qtbot: QtBot, app: SwitcherApp
) -> None:
    alice, bob = (
        add_account(qtbot, app.controller, "alice"),
        add_account(qtbot, app.controller, "bob"),
    )
    index = app.controller.service.vault.config_dir / "accounts.json"
    older = index.read_bytes()  # bob active
    other = _other_process(app.controller)
    other.use(alice)
    qtbot.waitUntil(lambda: _active(app.controller) == alice, timeout=1000)
    with index.open("r+b") as file:  # written in place, as an editor or `cp` does
        file.truncate(0)
        file.write(older)
    qtbot.waitUntil(lambda: _active(app.controller) == bob, timeout=1000)
