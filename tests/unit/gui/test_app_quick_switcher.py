"""The app's quick switcher: every server's accounts, and a choice on another server."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from switcher.app_channel import ask
from switcher.gui.app import SwitcherApp
from switcher.gui.controller import Controller
from switcher.gui.quick_switcher import pick_handler
from switcher.gui.settings import Settings
from switcher.gui.single_instance import InstanceServer
from tests.support.qt import OFFSCREEN_NOTES, add_account, wait_job
from tests.support.targets import PASSWORD, SWITCHER, Options, Servers, unique_email

pytestmark = pytest.mark.qt_log_ignore(*OFFSCREEN_NOTES)


@pytest.fixture
def app(qtbot: QtBot, make_controller: Callable[..., Controller]) -> Iterator[SwitcherApp]:
    switcher = SwitcherApp(
        make_controller().service, settings=Settings(), use_tray=False, serve_local=False
    )
    qtbot.addWidget(switcher.window)
    qtbot.addWidget(switcher.quick_switcher)
    yield switcher
    switcher.timer.stop()
    switcher.controller.shutdown()


def _elsewhere(qtbot: QtBot, controller: Controller, servers: Servers) -> str:
    """An account on a second server, "other", while "test" stays the current one."""
    other = servers.get(SWITCHER, Options(max_sessions=6))  # a server of its own
    controller.service.add_server(other.base_url, "other")
    email = unique_email("elsewhere")
    job = controller.add(
        email, PASSWORD, sign_up=True, name="Elsewhere", remember=True, server="other"
    )
    ok, message = wait_job(qtbot, controller, job)
    assert ok, message
    return email


def test_a_choice_on_another_server_switches_there_and_makes_it_current(
    qtbot: QtBot, app: SwitcherApp, servers: Servers
) -> None:
    controller = app.controller
    alice = add_account(qtbot, controller, "alice")
    elsewhere = _elsewhere(qtbot, controller, servers)
    assert controller.snapshot.server == "test"
    app.show_quick_switcher()
    picker = app.quick_switcher
    assert {(e.server, e.account.email) for e in picker.entries} == {
        ("test", alice),
        ("other", elsewhere),
    }
    qtbot.keyClicks(picker.filter, "other")
    with qtbot.waitSignal(controller.switched, timeout=20000):
        qtbot.keyClick(picker.filter, Qt.Key.Key_Return)
    assert controller.snapshot.server == "other"
    assert controller.snapshot.active is not None
    assert controller.snapshot.active.email == elsewhere


def test_switcher_pick_shows_the_apps_quick_switcher(
    qtbot: QtBot, app: SwitcherApp, tmp_path: Path
) -> None:
    alice = add_account(qtbot, app.controller, "alice")
    name = str(tmp_path / f"{uuid.uuid4().hex[:8]}.sock")
    server = InstanceServer(name)
    server.handle("pick", pick_handler(lambda: app.quick_switcher, app.quick_switcher_entries))
    answers: list[dict[str, Any] | None] = []
    try:
        asker = threading.Thread(target=lambda: answers.append(ask({"op": "pick"}, 5, name=name)))
        asker.start()
        qtbot.waitUntil(lambda: bool(answers), timeout=5000)
        asker.join()
    finally:
        server.close()
    assert answers == [{"v": 1, "ok": True}]
    assert app.quick_switcher.isVisible()
    assert [e.account.email for e in app.quick_switcher.entries] == [alice]


def test_the_trays_switch_account_shows_it(
    qtbot: QtBot, make_controller: Callable[..., Controller]
) -> None:
    """The menu's "Switch account…" and a middle click on the icon (the tray's ``pick``)."""
    app = SwitcherApp(
        make_controller().service, settings=Settings(), use_tray=True, serve_local=False
    )
    qtbot.addWidget(app.quick_switcher)
    try:
        assert app.tray is not None
        app.tray.pick.emit()
        assert app.quick_switcher.isVisible()
    finally:
        app.timer.stop()
        app.controller.shutdown()
