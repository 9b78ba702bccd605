"""The app object: without a system tray the accounts window is the app."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

import pytest
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from switcher.gui.app import SwitcherApp
from switcher.gui.controller import Controller
from switcher.gui.settings import Settings
from tests.support.qt import OFFSCREEN_NOTES


def test_reference_cycles_are_collected_on_the_ui_thread(qtbot: QtBot) -> None:
    import gc
    import threading
    import weakref

    from switcher.gui.main_thread_gc import MainThreadGarbageCollector

    class Node:
        def __init__(self) -> None:
            self.me = self  # a cycle: only the cyclic collector frees it

    collected_on: list[str] = []
    thresholds = gc.get_threshold()
    collector = MainThreadGarbageCollector(interval_ms=20)
    try:
        assert not gc.isenabled()
        node = Node()
        weakref.finalize(node, lambda: collected_on.append(threading.current_thread().name))
        del node
        gc.set_threshold(1, 10, 10)  # due at the next tick
        for _ in range(5):
            [object() for _ in range(100)]  # allocations that would trigger it anywhere
        qtbot.waitUntil(lambda: bool(collected_on), timeout=2000)
        assert collected_on == [threading.main_thread().name]
    finally:
        gc.set_threshold(*thresholds)
        collector.stop()


@pytest.mark.qt_log_ignore(*OFFSCREEN_NOTES)
def test_the_window_icon_comes_with_the_first_window_not_with_the_tray(
    qtbot: QtBot, make_controller: Callable[..., Controller]
) -> None:
    """An SVG icon loads Qt's SVG engine: the idle tray does without it."""
    qt_app = QApplication.instance()
    assert isinstance(qt_app, QApplication)
    qt_app.setWindowIcon(QIcon())  # as at start, whatever earlier tests set
    app = SwitcherApp(
        make_controller().service, settings=Settings(), use_tray=True, serve_local=False
    )
    try:
        assert qt_app.windowIcon().isNull()
        qtbot.addWidget(app.window)
        assert not qt_app.windowIcon().isNull()
        assert app.window.windowIcon().cacheKey() == qt_app.windowIcon().cacheKey()
    finally:
        app.timer.stop()
        app.controller.shutdown()


@pytest.mark.qt_log_ignore(*OFFSCREEN_NOTES)
@pytest.mark.parametrize(
    ("server_name", "said"),
    [
        ("local", "Their sessions end and switcher forgets them; other devices stay signed in."),
        (None, "from this computer end and switcher forgets them; other devices stay signed in."),
    ],
)
def test_signing_out_of_all_says_where_the_sessions_end_once(
    qtbot: QtBot,
    make_controller: Callable[..., Controller],
    monkeypatch: pytest.MonkeyPatch,
    server_name: str | None,
    said: str,
) -> None:
    """Not "on this computer from this computer" for the bundled server."""
    import switcher.gui.app

    asked: list[tuple[str, ...]] = []

    def ask(*args: str) -> bool:
        asked.append(args)
        return False  # Cancel

    monkeypatch.setattr(switcher.gui.app, "ask", ask)
    app = SwitcherApp(
        make_controller().service, settings=Settings(), use_tray=False, serve_local=False
    )
    try:
        if server_name is not None:
            app.controller.snapshot = replace(app.controller.snapshot, server=server_name)
        app.confirm_sign_out()
    finally:
        app.timer.stop()
        app.controller.shutdown()
    (question,) = asked
    assert question[2].endswith(said)
    assert "this computer from this computer" not in question[2]
