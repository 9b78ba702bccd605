"""The app object: without a system tray the accounts window is the app."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from switcher.gui.app import SwitcherApp
from switcher.gui.controller import Controller
from switcher.gui.settings import Settings
from tests.gui.conftest import OFFSCREEN_NOTES


@pytest.mark.qt_log_ignore(*OFFSCREEN_NOTES)
def test_without_a_tray_the_window_is_shown_and_closing_it_quits(
    qtbot: QtBot, make_controller: Callable[..., Controller]
) -> None:
    service = make_controller().service
    app = SwitcherApp(service, settings=Settings(), use_tray=False, serve_local=False)
    qtbot.addWidget(app.window)
    qapp = QApplication.instance()
    assert isinstance(qapp, QApplication)
    before = qapp.quitOnLastWindowClosed()
    try:
        app.start()
        assert app.tray is None
        assert app.window.isVisible()
        assert qapp.quitOnLastWindowClosed()
        app.notify("switcher", "hello from the status bar")
        assert app.window.statusBar().currentMessage() == "hello from the status bar"
    finally:
        app.timer.stop()
        app.controller.shutdown()
        qapp.setQuitOnLastWindowClosed(before)
