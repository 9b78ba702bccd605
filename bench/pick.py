"""``switcher pick``'s cost: launching the command until the quick switcher is on screen.

A real X server with a tray host (Xvfb + trayer), a real gnome-keyring and
10 accounts on the bundled server, as in bench/gui.py. The tray app runs;
each round launches ``switcher pick`` (which asks the app over its channel)
and waits for the app's quick switcher window to be mapped, as X itself
reports it (a MapNotify event on the root window, read as it arrives: no
polling), then closes it with Esc. Prints:

* launch of ``switcher pick`` to the quick switcher shown, the app running
  (median and max over the rounds; the first round, the window's first
  showing, apart);
* ``switcher pick``'s own wall time, the app running (the command ends once
  the app answers);
* without the app, launch to the quick switcher shown by the command itself
  (Qt started in the command's process), for comparison.

The commands run as installed (pip), not from the checkout, as in
bench/cli.py. The app runs with its HTTP face for browsers turned off: it is
not part of this path, and port 3000 may belong to someone else.

    python bench/pick.py [--runs 21]
"""

from __future__ import annotations

import argparse
import ctypes
import ctypes.util
import select
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.cli import _installed_python  # noqa: E402
from bench.report import print_table  # noqa: E402
from switcher.logs import LOG_FILE  # noqa: E402
from tests.support.desktop import Desktop, running_desktop  # noqa: E402
from tests.support.secret_service import running_secret_service  # noqa: E402

ACCOUNTS = 10
PASSWORD = "password123"
TITLE = "Switch account — switcher"
TIMEOUT = 30.0
# The tray app as ``switcher`` starts it, less its HTTP server for browsers.
APP = """\
import sys
from switcher import bundled_server
bundled_server.BundledServer.serve_http = lambda self, port=None: False
from switcher.main import main
sys.exit(main([]))
"""

_MAP_NOTIFY, _UNMAP_NOTIFY = 19, 18
_SUBSTRUCTURE_NOTIFY_MASK = 1 << 19
_ANY_PROPERTY_TYPE = 0


class _XMapEvent(ctypes.Structure):
    # XMapEvent and XUnmapEvent share this layout up to ``window``.
    _fields_ = (
        ("type", ctypes.c_int),
        ("serial", ctypes.c_ulong),
        ("send_event", ctypes.c_int),
        ("display", ctypes.c_void_p),
        ("event", ctypes.c_ulong),
        ("window", ctypes.c_ulong),
        ("override_redirect", ctypes.c_int),
    )


class _XEvent(ctypes.Union):
    _fields_ = (("type", ctypes.c_int), ("xmap", _XMapEvent), ("pad", ctypes.c_long * 24))


_ERROR_HANDLER = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.c_void_p, ctypes.c_void_p)


class MapWatcher:
    """Top-level windows as they are mapped and unmapped on a display (Xlib, through ctypes)."""

    def __init__(self, display: str) -> None:
        name = ctypes.util.find_library("X11")
        if name is None:
            raise RuntimeError("libX11 not found")
        x11 = self.x11 = ctypes.cdll.LoadLibrary(name)
        x11.XOpenDisplay.restype = ctypes.c_void_p
        x11.XOpenDisplay.argtypes = (ctypes.c_char_p,)
        x11.XDefaultRootWindow.restype = ctypes.c_ulong
        x11.XDefaultRootWindow.argtypes = (ctypes.c_void_p,)
        x11.XSelectInput.argtypes = (ctypes.c_void_p, ctypes.c_ulong, ctypes.c_long)
        x11.XConnectionNumber.argtypes = (ctypes.c_void_p,)
        x11.XPending.argtypes = (ctypes.c_void_p,)
        x11.XNextEvent.argtypes = (ctypes.c_void_p, ctypes.POINTER(_XEvent))
        x11.XFlush.argtypes = (ctypes.c_void_p,)
        x11.XInternAtom.restype = ctypes.c_ulong
        x11.XInternAtom.argtypes = (ctypes.c_void_p, ctypes.c_char_p, ctypes.c_int)
        x11.XGetWindowProperty.argtypes = (
            ctypes.c_void_p, ctypes.c_ulong, ctypes.c_ulong, ctypes.c_long, ctypes.c_long,
            ctypes.c_int, ctypes.c_ulong, ctypes.POINTER(ctypes.c_ulong),
            ctypes.POINTER(ctypes.c_int), ctypes.POINTER(ctypes.c_ulong),
            ctypes.POINTER(ctypes.c_ulong), ctypes.POINTER(ctypes.c_void_p),
        )  # fmt: skip
        x11.XFree.argtypes = (ctypes.c_void_p,)
        x11.XCloseDisplay.argtypes = (ctypes.c_void_p,)
        # A window gone before its name is read is no reason to exit (Xlib's default).
        self._ignore_errors = _ERROR_HANDLER(lambda _display, _error: 0)
        x11.XSetErrorHandler(self._ignore_errors)
        self.display = x11.XOpenDisplay(display.encode())
        if not self.display:
            raise RuntimeError(f"cannot open display {display}")
        self.net_wm_name = x11.XInternAtom(self.display, b"_NET_WM_NAME", 0)
        x11.XSelectInput(
            self.display, x11.XDefaultRootWindow(self.display), _SUBSTRUCTURE_NOTIFY_MASK
        )
        x11.XFlush(self.display)
        self.fd = x11.XConnectionNumber(self.display)

    def title(self, window: int) -> str:
        actual_type, actual_format = ctypes.c_ulong(), ctypes.c_int()
        items, after, data = ctypes.c_ulong(), ctypes.c_ulong(), ctypes.c_void_p()
        status = self.x11.XGetWindowProperty(
            self.display, window, self.net_wm_name, 0, 1024, 0, _ANY_PROPERTY_TYPE,
            ctypes.byref(actual_type), ctypes.byref(actual_format), ctypes.byref(items),
            ctypes.byref(after), ctypes.byref(data),
        )  # fmt: skip
        if status != 0 or not data.value:
            return ""
        try:
            return ctypes.string_at(data.value, items.value).decode(errors="replace")
        finally:
            self.x11.XFree(data)

    def wait_mapped(self, title: str, timeout: float) -> tuple[float, int]:
        """When (``perf_counter``) a window titled ``title`` was mapped, and its id."""
        return self._wait(
            lambda e: e.type == _MAP_NOTIFY and self.title(e.xmap.window) == title, timeout
        )

    def wait_unmapped(self, window: int, timeout: float) -> float:
        """When ``window`` was unmapped (by its id: a closed one may be gone by now)."""
        return self._wait(lambda e: e.type == _UNMAP_NOTIFY and e.xmap.window == window, timeout)[0]

    def _wait(self, wanted: Callable[[_XEvent], bool], timeout: float) -> tuple[float, int]:
        deadline = time.perf_counter() + timeout
        event = _XEvent()
        while True:
            while self.x11.XPending(self.display):
                self.x11.XNextEvent(self.display, ctypes.byref(event))
                at = time.perf_counter()
                if wanted(event):
                    return at, event.xmap.window
            left = deadline - time.perf_counter()
            if left <= 0:
                raise TimeoutError("the window did not show or hide in time")
            select.select([self.fd], [], [], left)

    def close(self) -> None:
        self.x11.XCloseDisplay(self.display)


def _add_accounts(command: list[str], env: dict[str, str]) -> None:
    for i in range(ACCOUNTS):
        subprocess.run(
            [*command, "accounts", "add", f"bench{i}@example.com", "--sign-up",
             "--name", f"Bench {i}", "--password-stdin"],
            input=PASSWORD + "\n", text=True, env=env, check=True, capture_output=True,
        )  # fmt: skip


def _start_app(python: str, env: dict[str, str], desktop: Desktop) -> subprocess.Popen[bytes]:
    log_file = Path(env["SWITCHER_LOG_DIR"]) / LOG_FILE
    app = subprocess.Popen(
        [python, "-c", APP],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
        cwd=env["SWITCHER_LOG_DIR"],  # not the checkout: "" on sys.path would import its switcher
    )
    desktop.wait_for_tray_icons(1, TIMEOUT)
    deadline = time.monotonic() + TIMEOUT
    while "tray app running" not in (log_file.read_text() if log_file.exists() else ""):
        if app.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError("the tray app did not start")
        time.sleep(0.1)
    time.sleep(2.0)  # its start-up refresh
    return app


def _round(
    watcher: MapWatcher, desktop: Desktop, pick: list[str], env: dict[str, str], app: int | None
) -> tuple[float, float]:
    """One ``switcher pick`` (``app``: the running app's pid, or None): (launch to shown,
    launch to the command's exit), in seconds."""
    began = time.perf_counter()
    command = subprocess.Popen(
        pick, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=env["SWITCHER_LOG_DIR"]
    )
    try:
        shown, window = watcher.wait_mapped(TITLE, TIMEOUT)
    except TimeoutError:
        command.kill()
        out, err = command.communicate()
        raise RuntimeError(f"no quick switcher: {command.returncode} {out!r} {err!r}") from None
    owner = desktop.xdotool("getwindowpid", str(window)).strip()
    if owner != str(app if app is not None else command.pid):
        command.kill()
        raise RuntimeError(
            "the quick switcher is not the app's: it does not handle pick "
            '(instance.handle("pick", …) in switcher/gui/app.py)'
        )
    if app is not None:
        out, err = command.communicate(timeout=TIMEOUT)
        ended = time.perf_counter()
        if command.returncode != 0:
            raise RuntimeError(f"switcher pick failed: {err.decode()}")
    # Esc reaches the window with the keyboard: the quick switcher, once it took it.
    deadline = time.monotonic() + TIMEOUT
    while desktop.xdotool("getwindowfocus").strip() != str(window):
        if time.monotonic() > deadline:
            raise RuntimeError("the quick switcher did not get the keyboard")
        time.sleep(0.01)
    desktop.key("Escape")
    watcher.wait_unmapped(window, TIMEOUT)
    if app is None:
        out, err = command.communicate(timeout=TIMEOUT)
        ended = time.perf_counter()
        if command.returncode != 1 or out:  # closed without a choice
            raise RuntimeError(f"switcher pick: {command.returncode} {out!r} {err.decode()}")
    return shown - began, ended - began


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--runs", type=int, default=21)
    args = parser.parse_args()
    with (
        tempfile.TemporaryDirectory(prefix="switcher-bench-pick-") as tmp,
        running_desktop() as desktop,
        running_secret_service() as keyring_daemon,
    ):
        env = {**desktop.env, **keyring_daemon.env}
        env["SWITCHER_CONFIG_DIR"] = f"{tmp}/config"
        env["SWITCHER_DATA_DIR"] = f"{tmp}/data"
        env["SWITCHER_LOG_DIR"] = f"{tmp}/logs"
        python = _installed_python(Path(tmp))
        command = [python, "-m", "switcher"]
        _add_accounts(command, env)
        pick = [*command, "pick"]
        watcher = MapWatcher(desktop.display)
        try:
            alone = [_round(watcher, desktop, pick, env, None) for _ in range(3)]
            app = _start_app(python, env, desktop)
            try:
                first = _round(watcher, desktop, pick, env, app.pid)
                rounds = [_round(watcher, desktop, pick, env, app.pid) for _ in range(args.runs)]
                if app.poll() is not None:
                    raise RuntimeError("the tray app quit during the rounds")
            finally:
                app.terminate()
                app.wait(10)
        finally:
            watcher.close()
    shown = [r[0] * 1000 for r in rounds]
    walls = [r[1] * 1000 for r in rounds]
    print(
        f"\n{ACCOUNTS} accounts, bundled server, Xvfb + trayer (no window manager), "
        f"gnome-keyring; {args.runs} rounds; commands run as installed (pip)\n"
    )
    rows = [
        (
            "`switcher pick` launched to quick switcher shown, app running (median / max)",
            f"{statistics.median(shown):.0f} / {max(shown):.0f} ms",
            "≤ 150 ms",
        ),
        (
            "the same, its first showing (the window made)",
            f"{first[0] * 1000:.0f} ms",
            "",
        ),
        (
            "`switcher pick` wall time, app running (median)",
            f"{statistics.median(walls):.0f} ms",
            "",
        ),
        (
            "`switcher pick` launched to shown, no app (Qt in the command; median of 3)",
            f"{statistics.median(r[0] for r in alone) * 1000:.0f} ms",
            "",
        ),
    ]
    print_table(("measurement", "result", "target"), rows)
    return 0


if __name__ == "__main__":
    sys.exit(main())
