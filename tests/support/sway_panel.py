"""A real StatusNotifierItem host on Wayland for end-to-end tests: waybar on headless sway.

``running_waybar()`` starts a private D-Bus session bus with gnome-keyring
(``secret_service.running_secret_service``), sway with wlroots' headless
backend (no GPU, no seat, no input devices), and waybar with only its
``tray`` module, which is a ``org.kde.StatusNotifierWatcher`` and host. The
app is started with ``WaybarPanel.env``: Qt on the ``wayland`` platform, no
``DISPLAY``; it sees the watcher on the bus and exports its tray icon as a
StatusNotifierItem, its menu through ``com.canonical.dbusmenu``, and waybar
draws the icon, as on a sway or Hyprland desktop.

``WaybarPanel`` reads what an app exported as waybar does (``SniBus``:
``items``, ``layout``, ``click``, ...), photographs the screen with ``grim``,
finds the icon waybar drew (``wait_for_icon``), and uses waybar's menu with a
mouse of its own (``open_menu``, ``menu_rows``, ``choose``).

Findings this harness is built on (Debian 12: sway 1.7 on wlroots 0.15,
waybar 0.9.17, grim 1.4; as root in a container without GPU):

* sway refuses to run as root: "Unable to drop root (we shouldn't be able to
  restore it after setuid), refusing to start" (it checks that ``setuid(0)``
  fails). As root the harness therefore runs sway alone as ``nobody``, in a
  directory of its own; waybar, grim, swaymsg and the app stay root and reach
  its sockets by absolute path (``WAYLAND_DISPLAY`` may be a path), which the
  directory's permissions do not stop for root.
* ``WLR_BACKENDS=headless`` needs no seat, logind or seatd (no DRM, no
  libinput); ``WLR_RENDERER=pixman`` renders without any GPU or EGL. wlroots
  still logs "drmGetDevices2 failed" once, harmlessly.
* ``xwayland disable``: Debian's sway does not pull Xwayland in, and nothing
  here is an X client.
* waybar is the watcher: nothing else on the private bus is, and with it
  running Qt exports a StatusNotifierItem (``QSystemTrayIcon`` is available).
  GTK's accessibility bus is kept away with ``NO_AT_BRIDGE=1``.
* The headless backend has no input devices, so sway's seat has no pointer
  and waybar none to be clicked with; ``swaymsg seat - cursor press`` moves
  sway's own cursor but reaches no client. A virtual pointer does
  (wlr-virtual-pointer-unstable-v1, which sway offers any client): see
  ``VirtualPointer``. There is still no keyboard.
* waybar opens an item's menu on a right click, as a GTK menu (an
  ``xdg_popup``, which ``swaymsg -t get_tree`` does not list: it is found on
  the screen), built by libdbusmenu from the exported layout; it lights up the
  entry under the pointer and activates it on a left click.
* Harmless noise in waybar's log: "basic_string::_M_create" once at start, and
  "Gtk-CRITICAL ... _gtk_widget_captured_event: assertion
  'WIDGET_REALIZED_FOR_EVENT (widget, event)' failed" when its menu opens.
"""

from __future__ import annotations

import contextlib
import ctypes
import functools
import json
import os
import pwd
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tests.support.components import missing
from tests.support.desktop import _DROPPED_ENV, Geometry
from tests.support.processes import tail_of, terminate_group
from tests.support.secret_service import SecretService, running_secret_service
from tests.support.sni_panel import WATCHER, SniBus

COMPONENT = "StatusNotifierItem host (waybar on headless sway)"
SWAY_PACKAGES = "sway waybar grim"
INSTALL_HINT = f"apt-get install --no-install-recommends {SWAY_PACKAGES}"
START_TIMEOUT = 20.0
COMMAND_TIMEOUT = 10.0
BAR_HEIGHT = 26
# What waybar's bar is painted with (its style sheet below): the strip is
# ready once it has this colour.
BAR_COLOUR = (0xDD, 0xDD, 0xDD)
# How far the pointer goes down a menu between looks: less than any entry is tall.
ROW_STEP = 4
# For GTK to light up the entry under the pointer (a few frames). A look that
# misses it costs time, not the answer: the next one is still on that entry.
HOVER_WAIT = 0.1
# Who runs sway when the tests run as root (see the module docstring).
UNPRIVILEGED = "nobody"
_MAX_SOCKET_PATH = 100  # sun_path holds 108 bytes

_SWAY_CONFIG = """\
# No bar of its own (the harness starts waybar) and no X server.
xwayland disable
output HEADLESS-1 resolution {width}x{height} position 0 0
"""

_WAYBAR_CONFIG: dict[str, Any] = {
    "layer": "top",
    "position": "top",
    "height": BAR_HEIGHT,
    "modules-left": [],
    "modules-center": [],
    "modules-right": ["tray"],
    "tray": {"icon-size": 16, "spacing": 4},
}

# A plain bar in one known colour, whatever GTK theme the machine has: the icon
# is what differs from it.
_WAYBAR_STYLE = f"""\
* {{ font-family: "DejaVu Sans"; font-size: 12px; border: none; border-radius: 0; }}
window#waybar {{ background: rgb{BAR_COLOUR}; color: #000000; }}
"""


class SwayError(RuntimeError):
    """A command against the running compositor failed."""


@dataclass
class Sway:
    """A running headless sway: its sockets, and the tools that read its screen."""

    base_dir: Path
    wayland_display: str  # the socket's absolute path
    swaysock: str
    width: int
    height: int
    env: dict[str, str]  # for root's (or the user's) clients: grim, swaymsg
    tools: dict[str, str]

    def _run(self, tool: str, *args: str) -> bytes:
        command = [self.tools[tool], *args]
        try:
            done = subprocess.run(
                command,
                env=self.env,
                capture_output=True,
                timeout=COMMAND_TIMEOUT,
                stdin=subprocess.DEVNULL,
                check=False,
            )
        except subprocess.TimeoutExpired as err:
            raise SwayError(f"{' '.join(command)} hung for {COMMAND_TIMEOUT}s") from err
        if done.returncode != 0:
            raise SwayError(
                f"{' '.join(command)} exited with {done.returncode}: {done.stderr.decode().strip()}"
            )
        return done.stdout

    def msg(self, *args: str) -> Any:
        """``swaymsg --raw ARGS``, its JSON answer."""
        return json.loads(self._run("swaymsg", "--raw", *args))

    def tree(self) -> dict[str, Any]:
        tree: dict[str, Any] = self.msg("-t", "get_tree")
        return tree

    def windows(self) -> list[dict[str, Any]]:
        """Every application window sway manages (tiled or floating), as ``get_tree`` shows it."""
        found: list[dict[str, Any]] = []

        def walk(node: dict[str, Any]) -> None:
            if node.get("pid") and node["type"] in ("con", "floating_con"):
                found.append(node)
            for child in [*node.get("nodes", []), *node.get("floating_nodes", [])]:
                walk(child)

        walk(self.tree())
        return found

    def screenshot(self, path: Path, geometry: Geometry | None = None) -> Path:
        """A PNG of the screen (or of ``geometry``) at ``path`` (parents created); ``path``."""
        path.parent.mkdir(parents=True, exist_ok=True)
        self._run("grim", *self._region(geometry), str(path))
        return path

    def capture(self, geometry: Geometry) -> bytes:
        """The raw RGB pixels of a region of the screen, to tell two pictures apart."""
        ppm = self._run("grim", "-t", "ppm", *self._region(geometry), "-")
        # "P6 WIDTH HEIGHT 255" then one whitespace byte, then the pixels.
        fields = ppm.split(maxsplit=4)
        if len(fields) < 5 or fields[0] != b"P6" or fields[3] != b"255":
            raise SwayError(f"grim wrote no 8-bit PPM: {ppm[:20]!r}")
        _x, _y, width, height = geometry
        pixels = fields[4]
        if len(pixels) != width * height * 3:
            raise SwayError(f"grim wrote {len(pixels)} bytes for {width}x{height}")
        return pixels

    def pixel(self, x: int, y: int) -> tuple[int, int, int]:
        r, g, b = self.capture((x, y, 1, 1))
        return (r, g, b)

    @staticmethod
    def _region(geometry: Geometry | None) -> list[str]:
        if geometry is None:
            return []
        x, y, width, height = geometry
        return ["-g", f"{x},{y} {width}x{height}"]


BTN_LEFT = 0x110  # linux/input-event-codes.h
BTN_RIGHT = 0x111


class _Message(ctypes.Structure):
    """libwayland's ``struct wl_message``: one request of an interface."""

    _fields_ = [("name", ctypes.c_char_p), ("signature", ctypes.c_char_p),
                ("types", ctypes.c_void_p)]  # fmt: skip


class _Interface(ctypes.Structure):
    """libwayland's ``struct wl_interface`` (no events: these interfaces have none)."""

    _fields_ = [("name", ctypes.c_char_p), ("version", ctypes.c_int),
                ("method_count", ctypes.c_int), ("methods", ctypes.c_void_p),
                ("event_count", ctypes.c_int), ("events", ctypes.c_void_p)]  # fmt: skip


class _Argument(ctypes.Union):
    """libwayland's ``union wl_argument``: what ``wl_proxy_marshal_array`` sends."""

    _fields_ = [("u", ctypes.c_uint32), ("s", ctypes.c_char_p), ("o", ctypes.c_void_p)]


_GLOBAL = ctypes.CFUNCTYPE(
    None, ctypes.c_void_p, ctypes.c_void_p, ctypes.c_uint32, ctypes.c_char_p, ctypes.c_uint32
)
_GLOBAL_REMOVE = ctypes.CFUNCTYPE(None, ctypes.c_void_p, ctypes.c_void_p, ctypes.c_uint32)


# zwlr_virtual_pointer_v1's requests in protocol order (the index is the opcode).
_POINTER_REQUESTS = (
    ("motion", "uff"),
    ("motion_absolute", "uuuuu"),
    ("button", "uuu"),
    ("axis", "uuf"),
    ("frame", ""),
    ("axis_source", "u"),
    ("axis_stop", "uu"),
    ("axis_discrete", "uufi"),
    ("destroy", ""),
)


class _Protocol:
    """wlr-virtual-pointer-unstable-v1, as wayland-scanner would have generated it.

    Its two interfaces are not in libwayland-client; ``wl_seat`` (the manager's
    optional argument) and ``wl_registry`` are. Kept alive as long as the library.
    """

    def __init__(self, library: ctypes.CDLL) -> None:
        self.library = library
        self.registry = ctypes.addressof(_Interface.in_dll(library, "wl_registry_interface"))
        seat = ctypes.addressof(_Interface.in_dll(library, "wl_seat_interface"))
        self._plain = (ctypes.c_void_p * 5)()  # no argument is an object
        self._pointer_methods = (_Message * len(_POINTER_REQUESTS))(
            *(
                _Message(name.encode(), signature.encode(), ctypes.addressof(self._plain))
                for name, signature in _POINTER_REQUESTS
            )
        )
        self.pointer = _Interface(
            b"zwlr_virtual_pointer_v1", 1, len(_POINTER_REQUESTS),
            ctypes.addressof(self._pointer_methods), 0, None,
        )  # fmt: skip
        self._create_types = (ctypes.c_void_p * 2)(seat, ctypes.addressof(self.pointer))
        self._manager_methods = (_Message * 2)(
            _Message(b"create_virtual_pointer", b"?on", ctypes.addressof(self._create_types)),
            _Message(b"destroy", b"", ctypes.addressof(self._plain)),
        )
        self.manager = _Interface(
            b"zwlr_virtual_pointer_manager_v1", 1, 2,
            ctypes.addressof(self._manager_methods), 0, None,
        )  # fmt: skip
        void = ctypes.c_void_p
        library.wl_display_connect.restype = void
        library.wl_display_connect.argtypes = [ctypes.c_char_p]
        library.wl_display_roundtrip.argtypes = [void]
        library.wl_display_get_error.argtypes = [void]
        library.wl_display_disconnect.argtypes = [void]
        library.wl_proxy_add_listener.argtypes = [void, void, void]
        library.wl_proxy_marshal_array.argtypes = [void, ctypes.c_uint32, ctypes.POINTER(_Argument)]
        constructor = library.wl_proxy_marshal_array_constructor_versioned
        constructor.restype = void
        constructor.argtypes = [
            void, ctypes.c_uint32, ctypes.POINTER(_Argument), void, ctypes.c_uint32,
        ]  # fmt: skip


@functools.cache
def _wayland() -> _Protocol:
    try:
        library = ctypes.CDLL("libwayland-client.so.0")
    except OSError as err:
        missing(COMPONENT, f"no libwayland-client ({err}); "
                "apt-get install --no-install-recommends libwayland-client0")  # fmt: skip
    return _Protocol(library)


def _arguments(*values: int | bytes | None) -> ctypes.Array[_Argument]:
    """A ``wl_argument`` array: ints are uint/fixed, bytes strings, None a new or null object."""
    array = (_Argument * max(1, len(values)))()
    for index, value in enumerate(values):
        if isinstance(value, bytes):
            array[index].s = value
        elif value is None:
            array[index].o = None
        else:
            array[index].u = value & 0xFFFFFFFF
    return array


class VirtualPointer:
    """A mouse on sway's seat: a Wayland client of its own that speaks
    wlr-virtual-pointer-unstable-v1 (which sway offers every client).

    The headless backend has no input devices, so sway's seat has no pointer and
    GTK no ``wl_pointer``; once this pointer exists, the seat has one, and its
    motions and buttons reach waybar as a person's would (unlike ``swaymsg seat
    - cursor``, which moves sway's cursor but gives clients nothing without a
    pointer device). Through libwayland-client and ctypes, so that nothing needs
    building: Debian packages no tool for it (wlrctl is not in Debian 12).
    """

    def __init__(self, socket: str, width: int, height: int) -> None:
        self._wl = _wayland()
        self._width, self._height = width, height
        library = self._wl.library
        self._display: int | None = library.wl_display_connect(socket.encode())
        if not self._display:
            raise SwayError(f"cannot connect to {socket}")
        self._registry = self._construct(self._display, 1, self._wl.registry, None)
        found: dict[str, int] = {}

        def announced(_data: int, _registry: int, name: int, interface: bytes, _v: int) -> None:
            found[interface.decode()] = name

        # The callbacks and their table must outlive every roundtrip.
        self._callbacks = (_GLOBAL(announced), _GLOBAL_REMOVE(lambda *_args: None))
        self._listener = (ctypes.c_void_p * 2)(
            *(ctypes.cast(callback, ctypes.c_void_p) for callback in self._callbacks)
        )
        library.wl_proxy_add_listener(self._registry, self._listener, None)
        self._roundtrip()
        name = found.get("zwlr_virtual_pointer_manager_v1")
        if name is None:
            raise SwayError("sway offers no zwlr_virtual_pointer_manager_v1")
        manager = ctypes.addressof(self._wl.manager)
        # wl_registry.bind(name, interface, version, new_id)
        self._manager = self._construct(
            self._registry, 0, manager, name, b"zwlr_virtual_pointer_manager_v1", 1, None
        )
        # create_virtual_pointer(seat: the default one, new_id)
        self._pointer = self._construct(
            self._manager, 0, ctypes.addressof(self._wl.pointer), None, None
        )
        self._roundtrip()

    def _construct(self, proxy: int, opcode: int, interface: int, *args: int | bytes | None) -> int:
        made: int | None = self._wl.library.wl_proxy_marshal_array_constructor_versioned(
            proxy, opcode, _arguments(*args), interface, 1
        )
        if not made:
            raise SwayError(f"cannot create a Wayland object (request {opcode})")
        return made

    def _roundtrip(self) -> None:
        if self._wl.library.wl_display_roundtrip(self._display) < 0:
            error = self._wl.library.wl_display_get_error(self._display)
            raise SwayError(f"the Wayland connection failed: {os.strerror(error)}")

    def _send(self, opcode: int, *args: int) -> None:
        self._wl.library.wl_proxy_marshal_array(self._pointer, opcode, _arguments(*args))

    def _frame(self) -> None:
        self._send(4)  # frame: the events before it are one
        self._roundtrip()  # sway has them before the caller looks at the screen

    @staticmethod
    def _now() -> int:
        return int(time.monotonic() * 1000) & 0xFFFFFFFF

    def move(self, x: int, y: int) -> None:
        """To (x, y) of the screen (motion_absolute: the whole layout is the extent)."""
        self._send(1, self._now(), x, y, self._width, self._height)
        self._frame()

    def press(self, button: int) -> None:
        self._send(2, self._now(), button, 1)
        self._frame()

    def release(self, button: int) -> None:
        self._send(2, self._now(), button, 0)
        self._frame()

    def click(self, x: int, y: int, button: int = BTN_LEFT) -> None:
        self.move(x, y)
        self.press(button)
        self.release(button)

    def close(self) -> None:
        if self._display:
            self._send(8)  # destroy
            with contextlib.suppress(SwayError):
                self._roundtrip()
            self._wl.library.wl_display_disconnect(self._display)
            self._display = None


@dataclass
class WaybarPanel(SniBus):
    """waybar on sway and its bus; see ``running_waybar()``."""

    bus: SecretService
    sway: Sway
    env: dict[str, str]
    processes: list[subprocess.Popen[bytes]]
    _pointer: VirtualPointer | None = field(default=None, init=False, repr=False)
    _before_menu: bytes | None = field(default=None, init=False, repr=False)

    @property
    def strip(self) -> Geometry:
        return (0, 0, self.sway.width, BAR_HEIGHT)

    @property
    def pointer(self) -> VirtualPointer:
        """The seat's mouse, made on first use: until then sway's seat has none."""
        if self._pointer is None:
            self._pointer = VirtualPointer(
                self.sway.wayland_display, self.sway.width, self.sway.height
            )
        return self._pointer

    def close_pointer(self) -> None:
        if self._pointer is not None:
            self._pointer.close()
            self._pointer = None

    # -- waybar's menu, as a person uses it ------------------------------------------
    def open_menu(self, icon: Geometry) -> Geometry:
        """Right-click the icon as a person would; the geometry of the menu waybar drew."""
        x, y, width, height = icon
        self.pointer.move(x + width // 2, y + height // 2)
        time.sleep(0.2)  # the cursor is drawn there before the picture to compare with
        screen = (0, 0, self.sway.width, self.sway.height)
        before = self._before_menu = self.sway.capture(screen)
        self.pointer.press(BTN_RIGHT)
        self.pointer.release(BTN_RIGHT)
        deadline = time.monotonic() + START_TIMEOUT
        while True:
            box = _changed_box(before, self.sway.capture(screen), self.sway.width)
            # A menu (an xdg_popup, which sway's tree does not list) is bigger than a hover.
            if box is not None and box[2] > 50 and box[3] > 50:
                time.sleep(0.3)  # drawn, icons and all
                settled = _changed_box(before, self.sway.capture(screen), self.sway.width)
                return settled or box
            if time.monotonic() > deadline:
                raise AssertionError(f"waybar opened no menu after {START_TIMEOUT}s")
            time.sleep(0.05)

    def menu_rows(self, menu: Geometry, count: int) -> list[Geometry]:
        """The first ``count`` entries of the open menu a person can choose, top down.

        Found as a person finds them: the pointer goes down the menu and GTK
        lights up the entry under it (not a disabled one, nor a separator). The
        pointer stays on the last one found.
        """
        x, top, width, height = menu
        # Watched away from the pointer, whose cursor is drawn on the screen too.
        column = (x + 3, top, 1, height)
        # Outside the menu first: nothing lit, whatever was before.
        self.pointer.move(x + width // 2, top + height + 20)
        time.sleep(0.2)
        unlit = self.sway.capture(column)
        rows: list[Geometry] = []
        y = top + 2
        while len(rows) < count and y < top + height - 2:
            self.pointer.move(x + width // 2, y)
            lit = self._lit_row(column, unlit, y - top)
            if lit is None:
                y += ROW_STEP  # padding, a separator or a disabled entry
                continue
            start, end = lit
            rows.append((x, top + start, width, end - start))
            y = top + end + 1
        if len(rows) < count:
            raise AssertionError(f"{len(rows)} entries to choose in the menu, not {count}")
        return rows

    def _lit_row(self, column: Geometry, unlit: bytes, offset: int) -> tuple[int, int] | None:
        """The run of ``column`` around ``offset`` that changed from ``unlit``, once drawn."""
        deadline = time.monotonic() + HOVER_WAIT
        while True:
            now = self.sway.capture(column)
            changed = [now[i : i + 3] != unlit[i : i + 3] for i in range(0, len(now), 3)]
            if changed[offset]:
                start, end = offset, offset
                while start > 0 and changed[start - 1]:
                    start -= 1
                while end + 1 < len(changed) and changed[end + 1]:
                    end += 1
                return start, end + 1
            if time.monotonic() > deadline:
                return None
            time.sleep(0.02)

    def choose(self, row: Geometry) -> None:
        """Click an entry of the open menu (a row from ``menu_rows``)."""
        x, y, width, height = row
        self.pointer.click(x + width // 2, y + height // 2)

    def wait_for_menu_closed(self, menu: Geometry) -> None:
        """Until the middle of where the menu was shows what it did before it opened.

        The middle only: the cursor, drawn on the screen, was at the icon then;
        it is moved out of the way now.
        """
        if self._before_menu is None:
            raise AssertionError("no menu was opened")
        before, self._before_menu = self._before_menu, None
        x, y, width, height = menu
        self.pointer.move(0, self.sway.height - 1)
        middle = (x + width // 4, y + height // 4, width // 2, height // 2)
        deadline = time.monotonic() + START_TIMEOUT
        while True:
            if self.sway.capture(middle) == _crop(before, self.sway.width, middle):
                return
            if time.monotonic() > deadline:
                raise AssertionError("the menu did not close")
            time.sleep(0.05)

    def watcher_pid(self) -> int:
        """The process that owns ``org.kde.StatusNotifierWatcher`` (waybar's, here)."""
        (pid,) = self._call(
            "org.freedesktop.DBus", "/org/freedesktop/DBus", "org.freedesktop.DBus",
            "GetConnectionUnixProcessID", "s", WATCHER,
        )  # fmt: skip
        return int(pid)

    def wait_for_icon(self, empty: bytes, timeout: float = START_TIMEOUT) -> Geometry:
        """Where waybar drew an icon: the box of what changed since ``empty``
        (``panel.sway.capture(panel.strip)`` taken before the app started)."""
        deadline = time.monotonic() + timeout
        while True:
            box = _changed_box(empty, self.sway.capture(self.strip), self.sway.width)
            if box is not None:
                time.sleep(0.3)  # let it finish drawing
                return box
            if time.monotonic() > deadline:
                raise AssertionError(f"waybar drew no icon after {timeout}s")
            time.sleep(0.1)


def _changed_box(before: bytes, after: bytes, width: int) -> Geometry | None:
    """The bounding box of the pixels that differ between two captures ``width`` wide."""
    changed = [i // 3 for i in range(0, len(after), 3) if after[i : i + 3] != before[i : i + 3]]
    if not changed:
        return None
    xs = [p % width for p in changed]
    ys = [p // width for p in changed]
    return (min(xs), min(ys), max(xs) - min(xs) + 1, max(ys) - min(ys) + 1)


def _crop(pixels: bytes, width: int, geometry: Geometry) -> bytes:
    """A region of a capture ``width`` wide, as ``Sway.capture(geometry)`` would give it."""
    x, y, w, h = geometry
    rows = (((y + row) * width + x) * 3 for row in range(h))
    return b"".join(pixels[start : start + w * 3] for start in rows)


def _tools() -> dict[str, str]:
    tools = {name: shutil.which(name) for name in ("sway", "swaymsg", "waybar", "grim")}
    absent = [name for name, path in tools.items() if path is None]
    if absent:
        missing(COMPONENT, f"{', '.join(absent)} not found on PATH; {INSTALL_HINT}")
    return {name: path for name, path in tools.items() if path is not None}


def _sway_dir() -> Path:
    """sway's own HOME and XDG_RUNTIME_DIR, short enough for its socket paths.

    As root in /tmp: ``nobody`` must reach it, and root's $TMPDIR may be private.
    """
    parent = "/tmp" if os.geteuid() == 0 else None
    base = Path(tempfile.mkdtemp(prefix="switcher-sway-", dir=parent))
    # The longest socket sway makes there: sway-ipc.UID.PID.sock
    if len(str(base / "run" / "sway-ipc.4294967295.4194304.sock")) > _MAX_SOCKET_PATH:
        shutil.rmtree(base, ignore_errors=True)
        base = Path(tempfile.mkdtemp(prefix="switcher-sway-", dir="/tmp"))
    (base / "run").mkdir(mode=0o700)
    return base


def _unprivileged_ids() -> tuple[int, int]:
    try:
        entry = pwd.getpwnam(UNPRIVILEGED)
    except KeyError:
        return 65534, 65534  # nobody's ids on Debian and most systems
    return entry.pw_uid, entry.pw_gid


def _start_sway(
    sway: str, base: Path, width: int, height: int, log: Path
) -> subprocess.Popen[bytes]:
    config = base / "sway.conf"
    config.write_text(_SWAY_CONFIG.format(width=width, height=height))
    env = {k: v for k, v in os.environ.items() if k not in _DROPPED_ENV}
    env.update(
        {
            "HOME": str(base),
            "XDG_RUNTIME_DIR": str(base / "run"),
            "WLR_BACKENDS": "headless",
            "WLR_RENDERER": "pixman",
            # sway itself uses no bus; never the user's.
            "DBUS_SESSION_BUS_ADDRESS": f"unix:path={base / 'no-bus'}",
        }
    )
    drop: dict[str, Any] = {}
    if os.geteuid() == 0:
        uid, gid = _unprivileged_ids()
        for path in (base, base / "run", config):
            os.chown(path, uid, gid)
        drop = {"user": uid, "group": gid, "extra_groups": []}
    with log.open("ab") as out:
        try:
            process = subprocess.Popen(
                [sway, "-c", str(config)],
                env=env,
                cwd=base,
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=out,
                start_new_session=True,
                **drop,
            )
        except PermissionError as err:  # root without CAP_SETUID (a user namespace)
            missing(COMPONENT, f"cannot start sway as {UNPRIVILEGED}: {err}")
    return process


def _wait_for_sockets(process: subprocess.Popen[bytes], run: Path, log: Path) -> tuple[str, str]:
    """The Wayland and IPC sockets sway made, once it answers on them."""
    deadline = time.monotonic() + START_TIMEOUT
    while True:
        if process.poll() is not None:
            missing(COMPONENT, f"sway exited ({process.returncode}):\n{tail_of(log)}")
        display = sorted(p for p in run.glob("wayland-*") if not p.name.endswith(".lock"))
        ipc = sorted(run.glob("sway-ipc.*.sock"))
        if display and ipc:
            return str(display[0]), str(ipc[0])
        if time.monotonic() > deadline:
            missing(COMPONENT, f"sway made no sockets after {START_TIMEOUT}s:\n{tail_of(log)}")
        time.sleep(0.05)


def _wait_for_output(sway: Sway, log: Path) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while True:
        with contextlib.suppress(SwayError, ValueError):
            outputs = sway.msg("-t", "get_outputs")
            if any(output.get("active") for output in outputs):
                return
        if time.monotonic() > deadline:
            missing(COMPONENT, f"sway has no active output after {START_TIMEOUT}s:\n"
                    f"{tail_of(log)}")  # fmt: skip
        time.sleep(0.05)


def _wait_for_bar(panel: WaybarPanel, process: subprocess.Popen[bytes], log: Path) -> None:
    """Until waybar's watcher answers on the bus and its bar is on the screen."""
    deadline = time.monotonic() + START_TIMEOUT
    last = "not polled yet"
    while True:
        if process.poll() is not None:
            missing(COMPONENT, f"waybar exited ({process.returncode}):\n{tail_of(log)}")
        try:
            panel.items()
            colour = panel.sway.pixel(2, 2)
            if colour == BAR_COLOUR:
                return
            last = f"the bar's corner is {colour}, not {BAR_COLOUR}"
        except RuntimeError as err:  # no watcher yet (SwayError is one too)
            last = str(err)
        if time.monotonic() > deadline:
            missing(COMPONENT, f"waybar not ready after {START_TIMEOUT}s ({last}):\n"
                    f"{tail_of(log)}")  # fmt: skip
        time.sleep(0.1)


@contextlib.contextmanager
def running_waybar(width: int = 1000, height: int = 600) -> Iterator[WaybarPanel]:
    """Headless sway, a private bus with gnome-keyring, and waybar as the tray host.

    ``WaybarPanel.env`` is the environment for switcher on that desktop: Qt on
    Wayland (``QT_QPA_PLATFORM=wayland``, ``WAYLAND_DISPLAY``, no ``DISPLAY``),
    the bus and the keyring. Calls ``missing()`` (skip locally, fail in CI)
    when sway, waybar or grim is not installed or does not start.
    """
    tools = _tools()
    with running_secret_service() as bus:
        base = _sway_dir()
        log = base / "sway.log"
        processes: list[subprocess.Popen[bytes]] = []
        panel: WaybarPanel | None = None
        try:
            process = _start_sway(tools["sway"], base, width, height, log)
            processes.append(process)
            display, swaysock = _wait_for_sockets(process, base / "run", log)
            tools_env = {
                **bus.child_env(),
                "WAYLAND_DISPLAY": display,
                "SWAYSOCK": swaysock,
                "PATH": os.environ.get("PATH", os.defpath),
            }
            sway = Sway(base, display, swaysock, width, height, tools_env, tools)
            _wait_for_output(sway, log)

            # What a program on this desktop has: only Wayland, the private bus.
            env = {k: v for k, v in os.environ.items() if k not in _DROPPED_ENV}
            env.update(bus.env)
            env.update(
                {
                    "WAYLAND_DISPLAY": display,
                    "XDG_SESSION_TYPE": "wayland",
                    "QT_QPA_PLATFORM": "wayland",
                    "NO_AT_BRIDGE": "1",  # GTK (waybar): no accessibility bus
                }
            )
            config = base / "waybar.json"
            config.write_text(json.dumps(_WAYBAR_CONFIG))
            style = base / "waybar.css"
            style.write_text(_WAYBAR_STYLE)
            waybar_log = base / "waybar.log"
            with waybar_log.open("ab") as out:
                processes.append(
                    subprocess.Popen(
                        [tools["waybar"], "-c", str(config), "-s", str(style)],
                        env={**env, "GDK_BACKEND": "wayland"},
                        stdin=subprocess.DEVNULL,
                        stdout=out,
                        stderr=out,
                        start_new_session=True,
                    )
                )
            panel = WaybarPanel(bus, sway, env, processes)
            _wait_for_bar(panel, processes[-1], waybar_log)
            yield panel
        finally:
            if panel is not None:
                panel.close_pointer()
            for running in reversed(processes):
                terminate_group(running)
            shutil.rmtree(base, ignore_errors=True)
