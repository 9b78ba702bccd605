"""Self-test of ``tests/support/desktop.py``: a real Qt tray icon on Xvfb + trayer.

A tiny PySide6 tray app runs as a subprocess on the desktop; the tests find
its docked icon, open its menu with the mouse and the keyboard, and read the
lines it prints when an action triggers.  Its stderr must stay empty: the
app's own tests fail on Qt warnings, so the harness's environment must not
provoke any.
"""

from __future__ import annotations

import contextlib
import importlib.util
import os
import selectors
import signal
import stat
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.components import missing
from tests.support.desktop import (
    COMPONENT,
    QT_XCB_INSTALL_HINT,
    TRAY_HEIGHT,
    Desktop,
    DesktopError,
    running_desktop,
)

TIMEOUT = 10.0


ICON_RGB = (208, 48, 48)


APP = """\
import sys

from PySide6.QtGui import QColor, QIcon, QPixmap
from PySide6.QtWidgets import QApplication, QMenu, QSystemTrayIcon

app = QApplication(sys.argv)
app.setQuitOnLastWindowClosed(False)
print("available", QSystemTrayIcon.isSystemTrayAvailable(), flush=True)
pixmap = QPixmap(32, 32)
pixmap.fill(QColor(*ICON_RGB))
tray = QSystemTrayIcon(QIcon(pixmap))
menu = QMenu()
for word in ("first", "second"):
    action = menu.addAction(word.capitalize() + " action")
    action.triggered.connect(lambda checked=False, w=word: print("triggered", w, flush=True))
menu.aboutToShow.connect(lambda: print("menu shown", flush=True))
tray.setContextMenu(menu)
tray.activated.connect(lambda reason: print("activated", reason.name, flush=True))
tray.show()
print("shown", flush=True)
sys.exit(app.exec())
""".replace("ICON_RGB", repr(ICON_RGB))


class TrayApp:
    """The tray app above as a subprocess on ``desktop``; stdout read by line."""

    def __init__(self, desktop: Desktop, directory: Path) -> None:
        self.desktop = desktop
        self.script = directory / "tray_app.py"
        self.script.write_text(APP)
        self.stderr_path = directory / "tray_app.err"
        self.lines: list[str] = []
        self._buffer = b""
        with self.stderr_path.open("wb") as stderr:
            self.proc = subprocess.Popen(
                [sys.executable, str(self.script)],
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=stderr,
                env=desktop.env,
                cwd=directory,
                start_new_session=True,
            )
        assert self.proc.stdout is not None
        self._stdout = self.proc.stdout
        self._selector = selectors.DefaultSelector()
        self._selector.register(self._stdout, selectors.EVENT_READ)

    @property
    def stderr(self) -> str:
        return self.stderr_path.read_text(errors="replace")

    def _read(self, timeout: float) -> bool:
        """Read what is there within ``timeout``; False on EOF."""
        if not self._selector.select(timeout):
            return True
        chunk = os.read(self._stdout.fileno(), 4096)
        if not chunk:
            return False
        self._buffer += chunk
        *complete, self._buffer = self._buffer.split(b"\n")
        self.lines.extend(line.decode(errors="replace") for line in complete)
        return True

    def expect(self, prefix: str, timeout: float = TIMEOUT) -> str:
        """The first line not returned before that starts with ``prefix``
        (other lines stay for later calls: Qt emits ``aboutToShow`` before
        ``activated``, say, but no test should depend on that)."""
        deadline = time.monotonic() + timeout
        while True:
            for index, line in enumerate(self.lines):
                if line.startswith(prefix):
                    del self.lines[index]
                    return line
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise AssertionError(f"no line starting with {prefix!r} after {timeout}s")
            if not self._read(remaining):
                code = self.proc.wait(timeout=TIMEOUT)
                stderr = self.stderr
                if "platform plugin" in stderr:  # the xcb plugin's libraries
                    missing(COMPONENT, f"Qt cannot use xcb:\n{stderr}\n{QT_XCB_INSTALL_HINT}")
                raise AssertionError(
                    f"the tray app exited ({code}) before {prefix!r}; stderr:\n{stderr}"
                )

    def quiet_for(self, seconds: float) -> list[str]:
        """Lines printed within ``seconds`` (all kept for ``expect()``)."""
        deadline = time.monotonic() + seconds
        while (remaining := deadline - time.monotonic()) > 0 and self._read(remaining):
            pass
        return list(self.lines)

    def close(self) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait(timeout=TIMEOUT)
        self._selector.close()
        self._stdout.close()


@pytest.fixture(scope="module")
def pyside6() -> None:
    if importlib.util.find_spec("PySide6") is None:
        missing("PySide6", "pip install PySide6-Essentials")


@pytest.fixture(scope="module")
def desktop(pyside6: None) -> Iterator[Desktop]:
    with running_desktop() as running:
        yield running


@pytest.fixture
def app(desktop: Desktop, tmp_path: Path) -> Iterator[TrayApp]:
    """A started tray app whose icon is docked; on exit it is killed, its
    icon has left the tray and it printed nothing on stderr."""
    assert desktop.tray_icons() == []
    tray_app = TrayApp(desktop, tmp_path)
    try:
        assert tray_app.expect("available") == "available True"
        tray_app.expect("shown")
        yield tray_app
    finally:
        tray_app.close()
    deadline = time.monotonic() + TIMEOUT
    while desktop.tray_icons() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert desktop.tray_icons() == []
    assert tray_app.stderr == ""


def _centre(geometry: tuple[int, int, int, int]) -> tuple[int, int]:
    x, y, width, height = geometry
    return x + width // 2, y + height // 2


def _png_size(path: Path) -> tuple[int, int]:
    header = path.read_bytes()[:24]
    assert header[:8] == b"\x89PNG\r\n\x1a\n", f"{path} is not a PNG"
    return int.from_bytes(header[16:20], "big"), int.from_bytes(header[20:24], "big")


def _open_menu(desktop: Desktop, app: TrayApp) -> tuple[int, tuple[int, int, int, int]]:
    """Right-click the docked icon; the menu's window id and geometry."""
    (icon,) = desktop.wait_for_tray_icons(1, TIMEOUT)
    before = desktop.popups()
    desktop.click(*_centre(icon), button=3)
    assert app.expect("activated") == "activated Context"
    app.expect("menu shown")
    menu = desktop.wait_for_popup(TIMEOUT, ignore=before)
    return menu, desktop.window_geometry(menu)


def test_environment(desktop: Desktop) -> None:
    env = desktop.env
    assert env["DISPLAY"] == desktop.display
    assert desktop.display.startswith(":")
    assert env["QT_QPA_PLATFORM"] == "xcb"
    assert "WAYLAND_DISPLAY" not in env
    runtime = Path(env["XDG_RUNTIME_DIR"])
    assert stat.S_IMODE(runtime.stat().st_mode) == 0o700
    assert not Path(env["DBUS_SESSION_BUS_ADDRESS"].removeprefix("unix:path=")).exists()
    assert desktop.tray_available()
    assert desktop.tray_panel is not None


def test_tray_menu_by_mouse(desktop: Desktop, app: TrayApp, tmp_path: Path) -> None:
    (icon,) = desktop.wait_for_tray_icons(1, TIMEOUT)
    x, y, width, height = icon
    # Top right, inside trayer's panel.
    assert x > desktop.width // 2 and x + width <= desktop.width
    assert y >= 0 and y + height <= TRAY_HEIGHT
    assert desktop.pixel(*_centre(icon)) == ICON_RGB

    menu, (mx, my, mw, mh) = _open_menu(desktop, app)
    assert menu in desktop.windows("tray_app", by="class")
    assert mw > 0 and mh > 0
    assert desktop.pixel(mx + mw // 2, my + mh // 4) != (0, 0, 0)  # painted over the root
    shot = desktop.screenshot(tmp_path / "shots" / "menu.png")
    assert _png_size(shot) == (desktop.width, desktop.height)

    # Two actions of equal height: the second is in the lower half.
    desktop.click(mx + mw // 2, my + mh * 3 // 4)
    assert app.expect("triggered") == "triggered second"
    desktop.wait_until_gone(menu, TIMEOUT)


def test_tray_menu_by_keyboard(desktop: Desktop, app: TrayApp) -> None:
    menu, _ = _open_menu(desktop, app)
    desktop.key("Down", "Return")  # no window manager needed: the menu grabs the keyboard
    assert app.expect("triggered") == "triggered first"
    desktop.wait_until_gone(menu, TIMEOUT)


def test_left_click_only_activates(desktop: Desktop, app: TrayApp) -> None:
    (icon,) = desktop.wait_for_tray_icons(1, TIMEOUT)
    before = desktop.popups()
    desktop.click(*_centre(icon), button=1)
    assert app.expect("activated") == "activated Trigger"
    assert "menu shown" not in app.quiet_for(0.3)
    assert desktop.popups() == before


def test_no_tray_without_tray_host(pyside6: None, tmp_path: Path) -> None:
    with running_desktop(tray=False) as bare:
        assert not bare.tray_available()
        assert bare.tray_panel is None
        assert bare.tray_icons() == []
        tray_app = TrayApp(bare, tmp_path)
        try:
            assert tray_app.expect("available") == "available False"
            tray_app.expect("shown")
        finally:
            tray_app.close()
        assert tray_app.stderr == ""


def test_cleanup(tmp_path: Path) -> None:
    with running_desktop(tray=False, size="320x200x24") as small:
        base, number = small.base_dir, small.display_number
        pids = [proc.pid for proc in small._processes]
        assert small.screenshot(tmp_path / "small.png") == tmp_path / "small.png"
        assert _png_size(tmp_path / "small.png") == (320, 200)
        with pytest.raises(DesktopError):
            small.wait_for_window("^no such window$", timeout=0.1)
    assert not base.exists()
    assert not Path(f"/tmp/.X11-unix/X{number}").exists()
    for pid in pids:
        with pytest.raises(ProcessLookupError):
            os.kill(pid, 0)
