"""The real ``switcher`` process offscreen: its log file, SIGTERM and Ctrl+C."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from switcher import __version__
from switcher.gui.app import SwitcherApp
from switcher.gui.controller import Controller
from switcher.gui.settings import Settings
from switcher.logs import LOG_FILE
from tests.support.cli import SWITCHER_COMMAND
from tests.support.qt import OFFSCREEN_NOTES


@pytest.mark.qt_log_ignore(*OFFSCREEN_NOTES)
def test_without_a_tray_the_window_is_shown_and_closing_it_quits(
    qtbot: QtBot,
    make_controller: Callable[..., Controller],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("DBUS_SESSION_BUS_ADDRESS", f"unix:path={tmp_path / 'no-bus'}")
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
        # No notification server here (no session bus): the window says it.
        app.notify("switcher", "hello from the status bar")
        qtbot.waitUntil(
            lambda: app.window.statusBar().currentMessage() == "hello from the status bar"
        )
    finally:
        app.timer.stop()
        app.controller.shutdown()
        qapp.setQuitOnLastWindowClosed(before)


def _start_app(tmp_path: Path) -> tuple[subprocess.Popen[bytes], Path]:
    """The real ``switcher`` process (offscreen: the accounts window is the app), once it runs."""
    env = dict(os.environ)  # QT_QPA_PLATFORM=offscreen and SWITCHER_LOG_DIR, from the conftests
    env["SWITCHER_CONFIG_DIR"] = str(tmp_path / "config")
    env["SWITCHER_DATA_DIR"] = str(tmp_path / "data")
    log_file = Path(env["SWITCHER_LOG_DIR"]) / LOG_FILE
    app = subprocess.Popen(
        list(SWITCHER_COMMAND),
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
    deadline = time.monotonic() + 30
    while "tray app running" not in (log_file.read_text() if log_file.exists() else ""):
        if app.poll() is not None or time.monotonic() > deadline:
            app.kill()
            _, stderr = app.communicate(timeout=10)
            pytest.fail(f"the app did not start: {stderr.decode(errors='replace')}")
        time.sleep(0.1)
    return app, log_file


def test_the_tray_app_writes_its_start_to_the_log_file(tmp_path: Path) -> None:
    """The real ``switcher`` process (offscreen, so the accounts window is the app)."""
    app, log_file = _start_app(tmp_path)
    app.kill()
    _, stderr = app.communicate(timeout=10)
    text = log_file.read_text()
    assert f"switcher {__version__}: tray app started" in text
    assert "tray app running on server local (no system tray: the accounts window)" in text
    assert b"Traceback" not in stderr


@pytest.mark.parametrize("signal_number", [signal.SIGTERM, signal.SIGINT])
def test_sigterm_and_ctrl_c_quit_the_app_cleanly(tmp_path: Path, signal_number: int) -> None:
    """A logout sends SIGTERM; make run's terminal sends SIGINT with Ctrl+C."""
    app, log_file = _start_app(tmp_path)
    try:
        app.send_signal(signal_number)
        assert app.wait(5) == 0
    finally:
        if app.poll() is None:
            app.kill()
        _, stderr = app.communicate(timeout=10)
    assert b"Traceback" not in stderr
    assert "tray app quit" in log_file.read_text()
    assert "tray app exited with status 0" in log_file.read_text()
