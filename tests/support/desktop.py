"""A throwaway real X desktop for end-to-end tests of the Qt tray app.

``running_desktop()`` starts ``Xvfb`` on a free display (chosen by Xvfb
itself through ``-displayfd``, so two runs never race for a number), and
with ``tray=True`` the ``trayer`` panel, a real XEmbed system tray host: it
owns the ``_NET_SYSTEM_TRAY_S0`` selection, and Qt 6's ``QSystemTrayIcon``
docks into it.  It waits until each is ready, yields a ``Desktop`` to drive
with ``xdotool`` and to photograph with ImageMagick's ``import``, and on
exit kills both (their whole process groups), reaps them and deletes its
temporary directory.

Findings this harness is built on (Debian 12, as root, no display):

* No window manager is needed: Qt's tray menu is an override-redirect popup
  that grabs pointer and keyboard, so ``click()`` and ``key()`` reach it.
* Under trayer the *right* button (3) opens the tray icon's context menu
  (``activated`` with ``Context``); the left button (1) only emits
  ``activated`` with ``Trigger`` and shows nothing.  The menu opens at the
  pointer, moved left/up as needed to stay on screen.
* ``QSystemTrayIcon.isSystemTrayAvailable()`` is True once trayer owns the
  selection and False on a bare Xvfb (no warning is printed either way).
* Qt chooses a StatusNotifierItem over XEmbed when a StatusNotifierWatcher
  is on the session bus, so ``Desktop.env`` points ``DBUS_SESSION_BUS_ADDRESS``
  at a socket nobody listens on (no autolaunch, never the user's session);
  Qt says nothing about the missing bus.  Put a private bus's address there
  to test D-Bus features.
* ``Desktop.env`` sets ``XDG_RUNTIME_DIR`` to a private 0700 directory: Qt
  warns "QStandardPaths: XDG_RUNTIME_DIR not set" (or about its permissions)
  whenever something asks for the runtime location (QLocalServer, ...).
* PySide6's xcb platform plugin needs ``libxcb-icccm4`` and
  ``libxcb-keysyms1`` beyond what a Debian machine usually has; without them
  Qt only says that ``xcb-cursor0`` might be missing (``QT_XCB_INSTALL_HINT``
  lists the whole set).  Text needs a font (``fonts-dejavu-core``).
* ``stalonetray`` is not in Debian 12, so trayer is the only packaged
  stand-alone XEmbed tray.

Needs the Debian packages in ``DESKTOP_PACKAGES``; any missing program or a
failed start calls ``missing()`` (skip locally, fail when ``CI=true``).
"""

from __future__ import annotations

import contextlib
import os
import re
import selectors
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Literal, TypeVar

from tests.support.components import missing
from tests.support.processes import tail_of, terminate_group

COMPONENT = "X desktop (Xvfb + trayer + xdotool)"
DESKTOP_PACKAGES = "xvfb x11-utils xdotool imagemagick trayer fonts-dejavu-core"
INSTALL_HINT = f"apt-get install --no-install-recommends {DESKTOP_PACKAGES}"
# What PySide6-Essentials' xcb platform plugin loads (dbus is dlopened).
QT_XCB_PACKAGES = (
    "libegl1 libgl1 libfontconfig1 libdbus-1-3 libxkbcommon-x11-0 libxcb-cursor0 "
    "libxcb-icccm4 libxcb-image0 libxcb-keysyms1 libxcb-randr0 libxcb-render-util0 "
    "libxcb-shape0 libxcb-xkb1 fonts-dejavu-core"
)
QT_XCB_INSTALL_HINT = f"apt-get install --no-install-recommends {QT_XCB_PACKAGES}"

START_TIMEOUT = 15.0
STOP_TIMEOUT = 5.0
COMMAND_TIMEOUT = 10.0
POLL_INTERVAL = 0.05
TRAY_SELECTION = "_NET_SYSTEM_TRAY_S0"
TRAY_HEIGHT = 32
TRAYER_ARGS = (
    "--edge",
    "top",
    "--align",
    "right",
    "--widthtype",
    "request",
    "--height",
    str(TRAY_HEIGHT),
    "--SetDockType",
    "true",
    "--transparent",
    "false",
)

Geometry = tuple[int, int, int, int]
SearchBy = Literal["name", "class", "classname"]

# Whatever could lead a child to the user's own display, session bus, desktop
# integration (platform theme, input method) or scaling is dropped.
_DROPPED_ENV = (
    "DISPLAY",
    "WAYLAND_DISPLAY",
    "WAYLAND_SOCKET",
    "XAUTHORITY",
    "DBUS_SESSION_BUS_ADDRESS",
    "DBUS_STARTER_ADDRESS",
    "DBUS_STARTER_BUS_TYPE",
    "SESSION_MANAGER",
    "XDG_RUNTIME_DIR",
    "XDG_SESSION_TYPE",
    "XDG_SESSION_ID",
    "XDG_SEAT",
    "XDG_CURRENT_DESKTOP",
    "XDG_SESSION_DESKTOP",
    "DESKTOP_SESSION",
    "GNOME_DESKTOP_SESSION_ID",
    "KDE_FULL_SESSION",
    "KDE_SESSION_VERSION",
    "QT_QPA_PLATFORMTHEME",
    "QT_STYLE_OVERRIDE",
    "QT_SCALE_FACTOR",
    "QT_SCREEN_SCALE_FACTORS",
    "QT_AUTO_SCREEN_SCALE_FACTOR",
    "QT_ENABLE_HIGHDPI_SCALING",
    "QT_FONT_DPI",
    "QT_IM_MODULE",
    "GTK_IM_MODULE",
    "XMODIFIERS",
    "GDK_SCALE",
    "GDK_DPI_SCALE",
)

# Run with ``python -I -S`` so Xlib's fatal-error handlers (which exit the
# process) can never take the test process down with them.
_SELECTION_OWNER_SCRIPT = """\
import ctypes, ctypes.util, sys
name = ctypes.util.find_library("X11")
if name is None:
    sys.exit("libX11 not found")
x11 = ctypes.cdll.LoadLibrary(name)
x11.XOpenDisplay.restype = ctypes.c_void_p
x11.XOpenDisplay.argtypes = [ctypes.c_char_p]
x11.XInternAtom.restype = ctypes.c_ulong
x11.XInternAtom.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_int]
x11.XGetSelectionOwner.restype = ctypes.c_ulong
x11.XGetSelectionOwner.argtypes = [ctypes.c_void_p, ctypes.c_ulong]
x11.XCloseDisplay.argtypes = [ctypes.c_void_p]
display = x11.XOpenDisplay(sys.argv[1].encode())
if not display:
    sys.exit("cannot open display " + sys.argv[1])
atom = x11.XInternAtom(display, sys.argv[2].encode(), 0)
print(x11.XGetSelectionOwner(display, atom))
x11.XCloseDisplay(display)
"""

# One line of ``xwininfo -children``: id, name and class, WxH+relX+relY +absX+absY.
_CHILD_LINE = re.compile(
    r"^\s+(0x[0-9a-fA-F]+)\s.*?\s(\d+)x(\d+)[+-]-?\d+[+-]-?\d+\s+\+(-?\d+)\+(-?\d+)\s*$"
)
_SIZE = re.compile(r"^(\d+)x(\d+)(?:x(\d+))?$")


class DesktopError(RuntimeError):
    """A command of the harness failed or something did not appear in time."""


@dataclass(frozen=True)
class WindowInfo:
    """What ``xwininfo -stats`` says about one window; x and y are absolute."""

    wid: int
    x: int
    y: int
    width: int
    height: int
    viewable: bool
    override_redirect: bool

    @property
    def geometry(self) -> Geometry:
        return (self.x, self.y, self.width, self.height)


T = TypeVar("T")


def _poll(probe: Callable[[], T | None], timeout: float, failure: Callable[[], str]) -> T:
    """``probe()``'s first answer that is not None, polled every ``POLL_INTERVAL``;
    ``DesktopError(failure())`` once ``timeout`` seconds have passed."""
    deadline = time.monotonic() + timeout
    while True:
        found = probe()
        if found is not None:
            return found
        if time.monotonic() > deadline:
            raise DesktopError(failure())
        time.sleep(POLL_INTERVAL)


def _read_line(fd: int, timeout: float) -> str:
    """The first line written to ``fd`` within ``timeout`` ("" on EOF/timeout)."""
    data = b""
    with selectors.DefaultSelector() as selector:
        selector.register(fd, selectors.EVENT_READ)
        deadline = time.monotonic() + timeout
        while b"\n" not in data:
            remaining = deadline - time.monotonic()
            if remaining <= 0 or not selector.select(remaining):
                break
            chunk = os.read(fd, 256)
            if not chunk:
                break
            data += chunk
    return data.decode(errors="replace").split("\n", 1)[0].strip()


@dataclass
class Desktop:
    """A running Xvfb (and tray host); see ``running_desktop()``."""

    base_dir: Path
    display: str
    width: int
    height: int
    env: dict[str, str]
    tools: dict[str, str]
    tray: bool
    _processes: list[subprocess.Popen[bytes]] = field(default_factory=list, repr=False)
    _logs: list[IO[bytes]] = field(default_factory=list, repr=False)
    _panel: int | None = field(default=None, repr=False)
    _depth: int = field(default=24, repr=False)

    @property
    def log_file(self) -> Path:
        """stdout/stderr of Xvfb and the tray host."""
        return self.base_dir / "desktop.log"

    @property
    def display_number(self) -> int:
        return int(self.display.lstrip(":"))

    # -- commands ---------------------------------------------------------

    def _run(self, tool: str, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        cmd = [self.tools[tool], *args]
        try:
            done = subprocess.run(
                cmd,
                env=self.env,
                capture_output=True,
                text=True,
                timeout=COMMAND_TIMEOUT,
                stdin=subprocess.DEVNULL,
                check=False,
            )
        except subprocess.TimeoutExpired as err:
            raise DesktopError(f"{' '.join(cmd)} hung for {COMMAND_TIMEOUT}s") from err
        if check and done.returncode != 0:
            raise DesktopError(
                f"{' '.join(cmd)} exited with {done.returncode}: {done.stderr.strip()}"
            )
        return done

    def xdotool(self, *args: str) -> str:
        """Run ``xdotool`` with ``args`` on this display; its stdout."""
        return self._run("xdotool", *args).stdout

    # -- input ------------------------------------------------------------

    def move(self, x: int, y: int) -> None:
        """Move the pointer to ``(x, y)``."""
        self.xdotool("mousemove", str(x), str(y))

    def click(self, x: int, y: int, button: int = 1) -> None:
        """Move the pointer to ``(x, y)`` and click ``button`` (1 left, 2 middle,
        3 right; 4/5 scroll).  The right button opens a tray icon's menu."""
        self.xdotool("mousemove", str(x), str(y), "click", str(button))

    def key(self, *keys: str) -> None:
        """Press and release each keysym in turn, e.g. ``key("Down", "Return")``
        or ``key("ctrl+q")``; they go to the window with the keyboard (a menu
        grabs it)."""
        if keys:
            self.xdotool("key", "--delay", "20", *keys)

    def type_text(self, text: str) -> None:
        """Type ``text`` into whatever has the keyboard."""
        self.xdotool("type", "--delay", "10", "--", text)

    # -- windows ----------------------------------------------------------

    def windows(self, pattern: str, *, by: SearchBy = "name", visible: bool = True) -> list[int]:
        """Ids of the windows whose WM_NAME (``by="name"``), WM_CLASS class or
        instance (``"class"``/``"classname"``) matches the regex ``pattern``;
        only viewable ones unless ``visible=False``.  Children count too (a
        docked tray icon is a child of the tray).  Qt sets WM_NAME to a
        window's title; a docked tray icon and a menu are found by class only,
        which Qt sets to the program's file name (``sys.argv[0]``)."""
        args = ["search"]
        if visible:
            args.append("--onlyvisible")
        done = self._run("xdotool", *args, f"--{by}", pattern, check=False)
        if done.returncode not in (0, 1):  # 1: nothing found
            raise DesktopError(f"xdotool search failed: {done.stderr.strip()}")
        return [int(line) for line in done.stdout.split()]

    def wait_for_window(
        self,
        name_regex: str,
        timeout: float = 10.0,
        *,
        by: SearchBy = "name",
        visible: bool = True,
    ) -> int:
        """The first window that ``windows(name_regex, by=by, visible=visible)``
        finds within ``timeout`` seconds; raises ``DesktopError`` otherwise."""

        def first() -> int | None:
            found = self.windows(name_regex, by=by, visible=visible)
            return found[0] if found else None

        return _poll(
            first, timeout, lambda: f"no window with {by} ~ {name_regex!r} after {timeout}s"
        )

    def window_info(self, wid: int) -> WindowInfo | None:
        """Absolute geometry, map and override-redirect state of window
        ``wid``; None if it no longer exists."""
        done = self._run("xwininfo", "-id", str(wid), "-stats", check=False)
        if done.returncode != 0:
            return None
        fields: dict[str, str] = {}
        for line in done.stdout.splitlines():
            name, sep, value = line.strip().partition(":")
            if sep:
                fields[name] = value.strip()
        try:
            return WindowInfo(
                wid=wid,
                x=int(fields["Absolute upper-left X"]),
                y=int(fields["Absolute upper-left Y"]),
                width=int(fields["Width"]),
                height=int(fields["Height"]),
                viewable=fields["Map State"] == "IsViewable",
                override_redirect=fields["Override Redirect State"] == "yes",
            )
        except (KeyError, ValueError) as err:
            raise DesktopError(f"cannot read xwininfo -stats:\n{done.stdout}") from err

    def window_geometry(self, wid: int) -> Geometry:
        """``(x, y, width, height)`` of window ``wid``, x and y relative to the
        screen (without a window manager there are no frames to account for)."""
        info = self.window_info(wid)
        if info is None:
            raise DesktopError(f"window {wid:#x} does not exist")
        return info.geometry

    def children(self, wid: int | None = None) -> list[int]:
        """Ids of the direct children of ``wid`` (default: the root window),
        bottom to top in stacking order."""
        where = ["-root"] if wid is None else ["-id", str(wid)]
        done = self._run("xwininfo", *where, "-children", check=False)
        if done.returncode != 0:
            return []
        return [
            int(match.group(1), 16)
            for line in done.stdout.splitlines()
            if (match := _CHILD_LINE.match(line))
        ]

    def top_level_windows(self) -> list[WindowInfo]:
        """Every child of the root window (mapped or not), bottom to top."""
        infos = (self.window_info(wid) for wid in self.children())
        return [info for info in infos if info is not None]

    def popups(self) -> list[int]:
        """Viewable override-redirect top-level windows: Qt menus, tooltips
        and combo-box lists (without a window manager, nothing else is)."""
        return [
            info.wid
            for info in self.top_level_windows()
            if info.viewable and info.override_redirect
        ]

    def wait_for_popup(self, timeout: float = 10.0, ignore: Iterable[int] = ()) -> int:
        """The id of a popup (see ``popups()``) not in ``ignore`` -- pass the
        popups open before the click that should open one."""
        known = set(ignore)

        def topmost_new() -> int | None:
            new = [wid for wid in self.popups() if wid not in known]
            return new[-1] if new else None

        return _poll(topmost_new, timeout, lambda: f"no new popup window after {timeout}s")

    def wait_until_gone(self, wid: int, timeout: float = 10.0) -> None:
        """Until window ``wid`` is destroyed or unmapped."""

        def gone() -> bool | None:
            info = self.window_info(wid)
            return True if info is None or not info.viewable else None

        _poll(gone, timeout, lambda: f"window {wid:#x} still shown after {timeout}s")

    # -- the tray ---------------------------------------------------------

    def selection_owner(self, selection: str = TRAY_SELECTION) -> int:
        """The window owning X selection ``selection`` (0: none)."""
        cmd = [sys.executable, "-I", "-S", "-c", _SELECTION_OWNER_SCRIPT, self.display, selection]
        done = subprocess.run(
            cmd,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=COMMAND_TIMEOUT,
            stdin=subprocess.DEVNULL,
            check=False,
        )
        if done.returncode != 0:
            raise DesktopError(f"selection owner query failed: {done.stderr.strip()}")
        return int(done.stdout.strip())

    def tray_available(self) -> bool:
        """Whether some window owns ``_NET_SYSTEM_TRAY_S0`` (what Qt checks)."""
        return self.selection_owner() != 0

    @property
    def tray_panel(self) -> int | None:
        """The window id of trayer's panel (None without a tray)."""
        return self._panel

    def tray_icons(self) -> list[Geometry]:
        """``(x, y, width, height)`` on screen of each viewable icon docked in
        the tray, left to right.

        trayer reparents each icon's window into a socket window of its own,
        a child of the panel; the icon windows are the sockets' children.  An
        icon is as high as the panel less 2 px (30 for the default 32) and as
        wide as the icon's own size hint suggests (22 px for a Qt icon).
        """
        if self._panel is None:
            return []
        icons: list[WindowInfo] = []
        for socket in self.children(self._panel):
            for client in self.children(socket):
                info = self.window_info(client)
                if info is not None and info.viewable and info.width > 1 and info.height > 1:
                    icons.append(info)
        return [info.geometry for info in sorted(icons, key=lambda info: (info.x, info.y))]

    def wait_for_tray_icons(self, count: int = 1, timeout: float = 10.0) -> list[Geometry]:
        """The tray's icons once there are at least ``count`` of them."""

        def enough() -> list[Geometry] | None:
            icons = self.tray_icons()
            return icons if len(icons) >= count else None

        return _poll(
            enough,
            timeout,
            lambda: (
                f"{len(self.tray_icons())} tray icon(s) after {timeout}s, wanted {count}:\n"
                f"{tail_of(self.log_file)}"
            ),
        )

    # -- pictures ---------------------------------------------------------

    def screenshot(self, path: Path, region: Geometry | None = None) -> Path:
        """A PNG of the whole screen (or of ``region``) at ``path`` (parents created)."""
        path.parent.mkdir(parents=True, exist_ok=True)
        crop = []
        if region is not None:
            x, y, width, height = region
            crop = ["-crop", f"{width}x{height}+{x}+{y}", "+repage"]
        self._run("import", "-window", "root", *crop, f"png:{path}")
        return path

    def capture(self, geometry: Geometry) -> bytes:
        """The raw RGB pixels of a region of the screen, to tell two pictures apart."""
        x, y, width, height = geometry
        crop = f"{width}x{height}+{x}+{y}"
        done = subprocess.run(
            [self.tools["import"], "-window", "root", "-crop", crop, "-depth", "8", "rgb:-"],
            env=self.env,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            timeout=COMMAND_TIMEOUT,
            check=False,
        )
        if done.returncode != 0 or len(done.stdout) != width * height * 3:
            raise DesktopError(f"cannot capture {geometry}: {done.stderr.decode(errors='replace')}")
        return done.stdout

    def pixel(self, x: int, y: int) -> tuple[int, int, int]:
        """The ``(r, g, b)`` colour on screen at ``(x, y)``, 0-255 each."""
        done = self._run(
            "import", "-window", "root", "-crop", f"1x1+{x}+{y}", "-depth", "8", "txt:-"
        )
        match = re.search(r"#([0-9A-Fa-f]{6})", done.stdout)
        if match is None:
            raise DesktopError(f"cannot read the pixel at {x},{y}:\n{done.stdout}")
        value = int(match.group(1), 16)
        return (value >> 16 & 0xFF, value >> 8 & 0xFF, value & 0xFF)

    # -- lifecycle --------------------------------------------------------

    def stop(self) -> None:
        """Kill and reap the tray host and Xvfb (idempotent); the directory stays."""
        processes, self._processes = self._processes, []
        for proc in reversed(processes):  # the tray host first, then the server
            clean = terminate_group(proc)
            if not clean and proc is processes[0]:
                # A killed Xvfb leaves its socket and lock behind.
                number = self.display_number
                for stale in (Path(f"/tmp/.X11-unix/X{number}"), Path(f"/tmp/.X{number}-lock")):
                    with contextlib.suppress(OSError):
                        stale.unlink()
        logs, self._logs = self._logs, []
        for log in logs:
            log.close()

    def _spawn(self, cmd: list[str], pass_fds: tuple[int, ...] = ()) -> subprocess.Popen[bytes]:
        log = self.log_file.open("ab")
        self._logs.append(log)
        proc = subprocess.Popen(
            cmd,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=log,
            env=self.env,
            cwd=self.base_dir,
            pass_fds=pass_fds,
            start_new_session=True,  # its own process group, killed as a whole
        )
        self._processes.append(proc)
        return proc

    def _start_xvfb(self) -> None:
        read_fd, write_fd = os.pipe()
        try:
            proc = self._spawn(
                [
                    self.tools["Xvfb"],
                    "-displayfd",
                    str(write_fd),
                    "-nolisten",
                    "tcp",
                    "-noreset",  # no server reset whenever the last client leaves
                    "-dpi",
                    "96",
                    "-screen",
                    "0",
                    f"{self.width}x{self.height}x{self._depth}",
                ],
                pass_fds=(write_fd,),
            )
            os.close(write_fd)
            write_fd = -1
            # Xvfb writes the number once it accepts connections.
            number = _read_line(read_fd, START_TIMEOUT)
        finally:
            os.close(read_fd)
            if write_fd >= 0:
                os.close(write_fd)
        if not number.isdigit():
            code = proc.poll()
            missing(
                COMPONENT,
                f"Xvfb reported no display number within {START_TIMEOUT:.0f}s "
                f"(exit code {code}):\n{tail_of(self.log_file)}\n{INSTALL_HINT}",
            )
        self.display = f":{number}"
        self.env["DISPLAY"] = self.display

    def _start_tray(self) -> None:
        proc = self._spawn([self.tools["trayer"], *TRAYER_ARGS])
        deadline = time.monotonic() + START_TIMEOUT
        last = "not polled yet"
        while True:
            code = proc.poll()
            if code is not None:
                missing(
                    COMPONENT,
                    f"trayer exited with code {code}:\n{tail_of(self.log_file)}\n{INSTALL_HINT}",
                )
            try:
                if not self.tray_available():
                    last = f"nobody owns {TRAY_SELECTION}"
                else:
                    panels = self._run(
                        "xdotool",
                        "search",
                        "--all",
                        "--onlyvisible",
                        "--pid",
                        str(proc.pid),
                        "--classname",
                        "^panel$",
                        check=False,
                    ).stdout.split()
                    if panels:
                        self._panel = int(panels[0])
                        return
                    last = "trayer's panel is not shown"
            except DesktopError as err:
                last = str(err)
            if time.monotonic() > deadline:
                missing(
                    COMPONENT,
                    f"tray not ready after {START_TIMEOUT:.0f}s ({last}):\n"
                    f"{tail_of(self.log_file)}\n{INSTALL_HINT}",
                )
            time.sleep(POLL_INTERVAL)


def _find_tools(tray: bool) -> dict[str, str]:
    wanted = {
        "Xvfb": "xvfb",
        "xdotool": "xdotool",
        "xwininfo": "x11-utils",
        "import": "imagemagick",
    }
    if tray:
        wanted["trayer"] = "trayer"
    tools: dict[str, str] = {}
    absent: list[str] = []
    for name, package in wanted.items():
        path = shutil.which(name)
        if path is None:
            absent.append(f"{name} ({package})")
        else:
            tools[name] = path
    if absent:
        missing(COMPONENT, f"{', '.join(absent)} not found on PATH; {INSTALL_HINT}")
    return tools


def _base_env(base: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in _DROPPED_ENV}
    runtime = base / "run"
    runtime.mkdir(mode=0o700)
    env.update(
        {
            "QT_QPA_PLATFORM": "xcb",
            "XDG_SESSION_TYPE": "x11",
            "XDG_RUNTIME_DIR": str(runtime),
            # Nothing listens there: no D-Bus autolaunch, no StatusNotifierWatcher.
            "DBUS_SESSION_BUS_ADDRESS": f"unix:path={base / 'no-bus'}",
            "NO_AT_BRIDGE": "1",  # GTK (trayer): no accessibility bus
        }
    )
    return env


@contextlib.contextmanager
def running_desktop(tray: bool = True, size: str = "1280x800x24") -> Iterator[Desktop]:
    """Start Xvfb (``size`` is WIDTHxHEIGHT[xDEPTH]) and, with ``tray``, the
    trayer system tray at the top right; yield the ``Desktop``.

    ``Desktop.env`` is the complete environment for a program on this
    display (``os.environ`` less display/session variables, plus ``DISPLAY``,
    ``QT_QPA_PLATFORM=xcb``, a private ``XDG_RUNTIME_DIR`` and a dead
    ``DBUS_SESSION_BUS_ADDRESS``).  Calls ``missing()`` (skip locally, fail in
    CI) when a program is missing or does not start.
    """
    parsed = _SIZE.match(size)
    if parsed is None:
        raise ValueError(f"size must be WIDTHxHEIGHT[xDEPTH], not {size!r}")
    width, height, depth = int(parsed.group(1)), int(parsed.group(2)), int(parsed.group(3) or 24)
    tools = _find_tools(tray)
    base = Path(tempfile.mkdtemp(prefix="switcher-desktop-"))
    desktop = Desktop(
        base_dir=base,
        display="",
        width=width,
        height=height,
        env=_base_env(base),
        tools=tools,
        tray=tray,
        _depth=depth,
    )
    try:
        desktop._start_xvfb()
        if tray:
            desktop._start_tray()
        yield desktop
    finally:
        desktop.stop()
        shutil.rmtree(base, ignore_errors=True)
