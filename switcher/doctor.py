"""What works on this machine for switcher, and what to do about the rest.

``run_checks()`` returns a ``Report``: plain data, rendered by
``switcher doctor`` (switcher/cli/doctor.py) as text or JSON. Every check
catches its own errors and reports them as a failed ``Check`` with a hint;
every check has its own timeout, the groups run side by side on daemon
threads, and a group still running at the overall deadline is reported as
failed, so a hung keyring or server can delay the report but never stop it.

Statuses: ``ok`` (works), ``info`` (nothing wrong, worth knowing), ``warn``
(works with a limitation; exit status stays 0) and ``fail`` (broken; exit
status 1). Nothing secret is ever put in a check: the keyring probe writes
and reads a random throwaway value under its own service name, and no
account's entry is read.

``switcher doctor --json`` prints one object with these keys, which stay:

``switcher``, ``python``, ``platform``
    versions and ``platform.platform()``, strings.
``pyside6``
    PySide6's version, or null when it is not installed.
``ok``
    false when any check failed (the exit status is then 1).
``checks``
    a list, in this order, of objects with the keys ``name``, ``status``
    (``ok``/``info``/``warn``/``fail``), ``summary`` (one line), ``hint``
    (what to do, or null when there is nothing to do), ``details`` (a list
    of extra lines) and ``facts`` (an object of machine-readable facts).

Check names and their facts:

``keyring``
    ``backend`` (module and class), ``name``, ``priority``,
    ``round_trip_ms`` (null unless the round trip worked).
``storage``
    only with ``--insecure-storage``: ``path`` of the plain-text file.
``tray``
    ``display``, ``wayland_display``, ``desktop`` (``XDG_CURRENT_DESKTOP``),
    ``qt_platform``, ``available`` (true/false, null when not checked),
    ``status_notifier_watcher`` (true/false, null when unknown).
``browser:<id>``
    one per browser found (``firefox``, ``chromium``, ``chrome``, ``brave``,
    ``edge``, ``vivaldi``): ``executable`` (or null) and ``profiles``, a
    list of ``{"name", "path", "default", "running"}`` (``running`` is null
    when it cannot be told).
``browsers``
    only when no browser was found at all; no facts.
``index``
    only when ``accounts.json`` cannot be read or is corrupt: ``path``.
``server:<name>``
    one per configured server: ``url``, ``in_process`` (true for the bundled
    ``local`` server), ``latency_ms`` (null when it did not answer).
``path:config``, ``path:data``, ``path:logs``
    ``path``, ``exists``, ``writable``, ``override`` (the environment
    variable that moves it).
"""

from __future__ import annotations

import contextlib
import importlib
import importlib.metadata
import json
import os
import platform
import secrets
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Literal

from switcher import __version__
from switcher.app_identity import is_frozen
from switcher.bundled import LOCAL
from switcher.display import has_display
from switcher.paths import bundled_server_dir, config_dir, data_dir, insecure_secrets_path, log_dir
from switcher.vault import Index, NewerIndexError, Server, parse_index

Status = Literal["ok", "info", "warn", "fail"]
STATUSES: tuple[Status, ...] = ("ok", "info", "warn", "fail")

SERVER_TIMEOUT = 3.0  # seconds per server request
PORT_TIMEOUT = 1.0  # is the bundled server also on its port? (a local socket answers at once)
TRAY_TIMEOUT = 10.0  # starting Qt in a subprocess
GRACE = 5.0  # beyond the longest timeout, for the work around the timed calls

PROBE_SERVICE = "switcher doctor probe"
PROBE_USER = "probe"

BUG_HINT = (
    "this is a bug in switcher doctor; please report it with the output of switcher doctor --json"
)
INSECURE_HINT = (
    "or run switcher with --insecure-storage to keep session cookies in a plain 0600 file "
    "(not recommended)"
)


@dataclass(frozen=True)
class Check:
    name: str
    status: Status
    summary: str
    hint: str | None = None  # what to do; None when there is nothing to do
    details: tuple[str, ...] = ()
    facts: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "status": self.status,
            "summary": self.summary,
            "hint": self.hint,
            "details": list(self.details),
            "facts": self.facts,
        }


@dataclass(frozen=True)
class Report:
    switcher: str
    python: str
    platform: str
    pyside6: str | None
    checks: tuple[Check, ...]

    @property
    def failed(self) -> bool:
        return any(check.status == "fail" for check in self.checks)

    def count(self, status: Status) -> int:
        return sum(1 for check in self.checks if check.status == status)

    def to_json(self) -> dict[str, Any]:
        return {
            "switcher": self.switcher,
            "python": self.python,
            "platform": self.platform,
            "pyside6": self.pyside6,
            "ok": not self.failed,
            "checks": [check.to_json() for check in self.checks],
        }


# -- running the checks ---------------------------------------------------------------


def _crashed(name: str, error: BaseException) -> Check:
    return Check(
        name, "fail", f"the check itself failed ({type(error).__name__}: {error})", hint=BUG_HINT
    )


def _bounded(groups: Sequence[tuple[str, Callable[[], list[Check]]]], limit: float) -> list[Check]:
    """Run each group on a daemon thread; results in the given order, within ``limit`` seconds.

    Daemon threads: one that hangs past the deadline must not keep the
    process alive at exit, which a ThreadPoolExecutor's workers would.
    """
    boxes: list[list[Check]] = [[] for _ in groups]

    def run(index: int, name: str, call: Callable[[], list[Check]]) -> None:
        try:
            boxes[index] = call()
        except Exception as error:
            boxes[index] = [_crashed(name, error)]

    threads = []
    for index, (name, call) in enumerate(groups):
        thread = threading.Thread(
            target=run, args=(index, name, call), name=f"doctor-{name}", daemon=True
        )
        thread.start()
        threads.append(thread)
    deadline = time.monotonic() + limit
    results: list[Check] = []
    for index, ((name, _), thread) in enumerate(zip(groups, threads, strict=True)):
        thread.join(max(0.0, deadline - time.monotonic()))
        if thread.is_alive():
            results.append(
                Check(
                    name,
                    "fail",
                    f"the check did not finish within {limit:.0f} s",
                    hint="something it needs hangs (see the other checks); " + BUG_HINT,
                )
            )
        else:
            results.extend(boxes[index])  # read after join: the thread replaced the entry
    return results


# Imported on the calling thread before the checks start: two threads importing
# the same packages at once were seen to fail ("No module named
# 'backports.tarfile.compat.py38'", keyring's dependencies half-imported).
_PRELOAD = (
    "PySide6",
    "httpx",
    "keyring",
    "keyring.errors",
    "switcher.browsers.chromium",
    "switcher.browsers.firefox",
    "switcher.browsers.launch",
    "switcher.browsers.opener",
    "switcher.client.client",
    "switcher.client.errors",
    "switcher.bundled_server",
    "switcher.secrets",
    "switcher.server",
    "switcher.server.bundled_files",
    "switcher.server.store.sqlite",
)


def _preload() -> None:
    for module in _PRELOAD:
        with contextlib.suppress(Exception):  # a missing one is its check's to report
            importlib.import_module(module)
    # keyring imports its backends (and third-party ones) from entry points;
    # importing them is harmless, unlike asking them for their priority.
    with contextlib.suppress(Exception):
        for entry in importlib.metadata.entry_points(group="keyring.backends"):
            entry.load()


def run_checks(
    *,
    insecure_storage: bool = False,
    server_name: str | None = None,
    keyring_timeout: float | None = None,
    server_timeout: float = SERVER_TIMEOUT,
    tray_timeout: float = TRAY_TIMEOUT,
) -> Report:
    """Every check, side by side; bounded by the longest timeout plus ``GRACE``."""
    from switcher.secrets import KEYRING_TIMEOUT

    keyring_limit = KEYRING_TIMEOUT if keyring_timeout is None else keyring_timeout
    groups: list[tuple[str, Callable[[], list[Check]]]] = [
        ("keyring", lambda: [check_keyring(keyring_limit)]),
    ]
    if insecure_storage:
        groups.append(("storage", lambda: [check_insecure_storage()]))
    groups += [
        ("tray", lambda: [check_tray(tray_timeout)]),
        ("browsers", check_browsers),
        ("servers", lambda: check_servers(server_timeout, server_name)),
        ("paths", check_paths),
    ]
    _preload()
    limit = max(keyring_limit, tray_timeout, 2 * server_timeout + PORT_TIMEOUT) + GRACE
    checks = _bounded(groups, limit)
    if insecure_storage:
        # The person chose the plain file over the keyring: a broken keyring is
        # worth saying, but it is not what this run of switcher depends on.
        checks = [
            replace(c, status="warn", summary=c.summary + " (not used: --insecure-storage)")
            if c.name == "keyring" and c.status == "fail"
            else c
            for c in checks
        ]
    return Report(
        switcher=__version__,
        python=platform.python_version(),
        platform=platform.platform(),
        pyside6=pyside6_version(),
        checks=tuple(checks),
    )


def pyside6_version() -> str | None:
    """PySide6's version, without loading Qt itself (the commands work without it)."""
    try:
        import PySide6
    except Exception:  # not installed, or its native parts do not load
        return None
    version = getattr(PySide6, "__version__", None)
    return str(version) if version else "unknown version"


# -- keyring ----------------------------------------------------------------------------


KEYRING_TIMEOUT_HINT = (
    "an unlock prompt may be waiting: look for a password dialog on your desktop, "
    "unlock the keyring and run switcher doctor again; if none shows, restart the "
    f"keyring (log out and in); {INSECURE_HINT}"
)
KEYRING_LOCKED_HINT = (
    "unlock it (log in to the desktop session, or unlock the default collection in "
    "Passwords and Keys or KeePassXC) and run switcher doctor again"
)
KEYRING_READBACK_HINT = f"the keyring is not working: restart it (log out and in); {INSECURE_HINT}"


def _backend_label(backend: object) -> str:
    kind = type(backend)
    return f"{kind.__module__}.{kind.__qualname__}"


def _secret_service_reason() -> str | None:
    """Why keyring's Secret Service backend is not usable, in its own words (Linux only)."""
    if sys.platform in ("darwin", "win32"):
        return None
    try:
        from keyring.backends import SecretService

        # ``priority`` is where keyring looks for the service and raises why it can't.
        SecretService.Keyring.priority  # noqa: B018
    except Exception as error:
        return f"{type(error).__name__}: {error}" if str(error) else type(error).__name__
    return None


def no_keyring_hint() -> str:
    if sys.platform == "darwin":
        store = "the login Keychain should be there: check Keychain Access"
    elif sys.platform == "win32":
        store = "Windows Credential Manager should be there: check that its service runs"
    elif not os.environ.get("DBUS_SESSION_BUS_ADDRESS"):
        store = (
            "there is no D-Bus session bus (DBUS_SESSION_BUS_ADDRESS is unset), which the "
            "Secret Service needs: run switcher in a desktop session, or under dbus-run-session "
            "with gnome-keyring-daemon --unlock started inside it"
        )
    else:
        store = (
            "install and start a Secret Service: GNOME Keyring (apt-get install gnome-keyring; "
            "it starts with the desktop session), or KeePassXC with Secret Service integration "
            "enabled (Settings, Secret Service Integration), or KWallet"
        )
    return f"{store}; {INSECURE_HINT}"


def check_keyring(timeout: float) -> Check:
    """A real set/get/delete round trip of a throwaway item, within ``timeout`` seconds.

    Through the store switcher itself uses: the Secret Service directly where
    it does (Linux, keyring not configured, a service on the bus), else keyring.
    """
    from switcher.secrets import speaks_secret_service

    if speaks_secret_service():
        direct = check_secret_service(timeout)
        if direct is not None:
            return direct
    try:
        import keyring
        import keyring.errors
    except ImportError as error:
        return Check(
            "keyring",
            "fail",
            f"the keyring package is missing ({error})",
            hint=f"pip install keyring (into switcher's environment); {INSECURE_HINT}",
        )
    from switcher.secrets import SecretStoreError, is_usable, with_timeout

    facts: dict[str, Any] = {
        "backend": None,
        "name": None,
        "priority": None,
        "round_trip_ms": None,
    }
    # Filled in by the worker thread as soon as it knows: a timeout can still name the backend.
    found: dict[str, object] = {}

    def probe() -> float:
        backend = keyring.get_keyring()
        found["backend"] = backend
        if not is_usable(backend):
            return -1.0
        value = secrets.token_urlsafe(24)
        started = time.monotonic()
        backend.set_password(PROBE_SERVICE, PROBE_USER, value)
        try:
            read = backend.get_password(PROBE_SERVICE, PROBE_USER)
        finally:
            with contextlib.suppress(keyring.errors.PasswordDeleteError):
                backend.delete_password(PROBE_SERVICE, PROBE_USER)
        if read != value:
            raise _ReadBackError
        return time.monotonic() - started

    def describe() -> str:
        backend = found.get("backend")
        if backend is None:
            return "the keyring"
        facts["backend"] = _backend_label(backend)
        facts["name"] = str(getattr(backend, "name", type(backend).__name__))
        priority = getattr(backend, "priority", None)
        facts["priority"] = priority if isinstance(priority, int | float) else None
        return f"{facts['name']} ({facts['backend']}, priority {_number(facts['priority'])})"

    forced = os.environ.get("PYTHON_KEYRING_BACKEND")
    chosen = (f"chosen by PYTHON_KEYRING_BACKEND={forced}",) if forced else ()
    try:
        elapsed = with_timeout(probe, timeout, "the doctor's probe")
    except SecretStoreError:
        return Check(
            "keyring",
            "fail",
            f"{describe()} did not answer within {timeout:.0f} s",
            hint=KEYRING_TIMEOUT_HINT,
            details=chosen,
            facts=facts,
        )
    except keyring.errors.KeyringLocked:
        return Check(
            "keyring",
            "fail",
            f"{describe()} is locked",
            hint=KEYRING_LOCKED_HINT,
            details=chosen,
            facts=facts,
        )
    except _ReadBackError:
        return Check(
            "keyring",
            "fail",
            f"{describe()} stored a test item but read back something else",
            hint=KEYRING_READBACK_HINT,
            details=chosen,
            facts=facts,
        )
    except Exception as error:
        # NoKeyringError, a refused write, or D-Bus errors (the bus or service went away).
        return Check(
            "keyring",
            "fail",
            f"{describe()} failed the test round trip ({type(error).__name__}: {error})",
            hint=no_keyring_hint(),
            details=chosen,
            facts=facts,
        )
    label = describe()
    if elapsed < 0:
        reason = _secret_service_reason()
        details = chosen + ((f"Secret Service: {reason}",) if reason else ())
        return Check(
            "keyring",
            "fail",
            f"no usable keyring backend ({facts['backend']}, "
            f"priority {_number(facts['priority'])})",
            hint=no_keyring_hint(),
            details=details,
            facts=facts,
        )
    facts["round_trip_ms"] = round(elapsed * 1000)
    return Check(
        "keyring",
        "ok",
        f"{label} answers (set, get and delete of a test item in {elapsed * 1000:.0f} ms)",
        details=chosen,
        facts=facts,
    )


def check_secret_service(timeout: float) -> Check | None:
    """The round trip through switcher's own Secret Service store; None when no service answers
    (then switcher falls back to keyring, and so does the check)."""
    from switcher.secrets import (
        KeyringLockedError,
        KeyringTimeoutError,
        SecretStoreError,
    )

    try:
        from switcher.secrets.secret_service import (
            SecretServiceSecrets,
            SecretServiceUnavailableError,
        )
    except ImportError:
        return None
    facts: dict[str, Any] = {
        "backend": f"{SecretServiceSecrets.__module__}.{SecretServiceSecrets.__qualname__}",
        "name": SecretServiceSecrets.name,
        "priority": None,
        "round_trip_ms": None,
    }
    label = f"{SecretServiceSecrets.name} ({facts['backend']})"
    store: SecretServiceSecrets | None = None
    try:
        store = SecretServiceSecrets(timeout)
        value = secrets.token_urlsafe(24)
        started = time.monotonic()
        store.set(PROBE_SERVICE, PROBE_USER, value)
        try:
            read = store.get(PROBE_SERVICE, PROBE_USER)
        finally:
            store.delete(PROBE_SERVICE, PROBE_USER)
        elapsed = time.monotonic() - started
    except SecretServiceUnavailableError:
        return None
    except KeyringTimeoutError:
        return Check(
            "keyring",
            "fail",
            f"{label} did not answer within {timeout:.0f} s",
            hint=KEYRING_TIMEOUT_HINT,
            facts=facts,
        )
    except KeyringLockedError:
        return Check(
            "keyring",
            "fail",
            f"{label} is locked",
            hint=KEYRING_LOCKED_HINT,
            facts=facts,
        )
    except SecretStoreError as error:
        return Check(
            "keyring",
            "fail",
            f"{label} failed the test round trip ({error})",
            hint=no_keyring_hint(),
            facts=facts,
        )
    finally:
        if store is not None:
            store.close()
    if read != value:
        return Check(
            "keyring",
            "fail",
            f"{label} stored a test item but read back something else",
            hint=KEYRING_READBACK_HINT,
            facts=facts,
        )
    facts["round_trip_ms"] = round(elapsed * 1000)
    return Check(
        "keyring",
        "ok",
        f"{label} answers (set, get and delete of a test item in {elapsed * 1000:.0f} ms)",
        facts=facts,
    )


def _number(value: object) -> str:
    return f"{value:g}" if isinstance(value, int | float) else "unknown"


class _ReadBackError(Exception):
    """The keyring gave back a different value than the one just stored."""


def check_insecure_storage() -> Check:
    path = insecure_secrets_path()
    return Check(
        "storage",
        "warn",
        f"--insecure-storage: session cookies are kept in plain text in {path}",
        hint="drop --insecure-storage once the keyring check is ok; anyone who can read that "
        "file can use your accounts",
        facts={"path": str(path)},
    )


# -- system tray ------------------------------------------------------------------------

_QT_MARK = "SWITCHER-DOCTOR "


def tray_probe() -> dict[str, Any]:
    """Ask Qt, as the app does, whether there is a tray (``switcher doctor --tray-probe``).

    Runs in a subprocess of ``check_tray``: Qt may abort the whole process
    when it cannot open the display, and a hung display must not hang the doctor.
    """
    os.environ.setdefault("QT_XCB_GL_INTEGRATION", "none")  # as the app: no GL drivers
    from PySide6.QtWidgets import QApplication, QSystemTrayIcon

    app = QApplication(["switcher-doctor"])
    result: dict[str, Any] = {
        "platform": app.platformName(),
        "available": bool(QSystemTrayIcon.isSystemTrayAvailable()),
        "watcher": None,
    }
    # Which kind of tray, for the report: Qt prefers a StatusNotifierItem host when one is there.
    with contextlib.suppress(Exception):
        from PySide6.QtDBus import QDBusConnection

        bus = QDBusConnection.sessionBus()
        interface = bus.interface() if bus.isConnected() else None
        if interface is None:
            result["watcher"] = False
        else:
            reply: Any = interface.isServiceRegistered("org.kde.StatusNotifierWatcher")
            result["watcher"] = bool(reply.value() if hasattr(reply, "value") else reply)
    return result


def print_tray_probe() -> int:
    print(_QT_MARK + json.dumps(tray_probe()), flush=True)
    return 0


def _tray_probe_command() -> tuple[list[str], dict[str, str]]:
    env = dict(os.environ)
    if is_frozen():  # a PyInstaller build: the executable is switcher itself
        return [sys.executable, "doctor", "--tray-probe"], env
    # The child imports this same switcher, wherever it was imported from.
    root = str(Path(__file__).resolve().parent.parent)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (root, env.get("PYTHONPATH")) if p)
    return [sys.executable, "-m", "switcher", "doctor", "--tray-probe"], env


# What PySide6's xcb platform plugin loads beyond a minimal Debian/Ubuntu install.
QT_XCB_PACKAGES = (
    "libegl1 libgl1 libfontconfig1 libdbus-1-3 libxkbcommon-x11-0 libxcb-cursor0 "
    "libxcb-icccm4 libxcb-image0 libxcb-keysyms1 libxcb-randr0 libxcb-render-util0 "
    "libxcb-shape0 libxcb-xkb1"
)

# What switcher/gui/app.py does when Qt finds no tray.
NO_TRAY_FALLBACK = (
    "until then switcher shows its accounts window as its main window instead of a tray "
    "icon (closing the window quits)"
)


def _is_gnome(desktop: str) -> bool:
    return any(part.strip().lower() == "gnome" for part in desktop.split(":"))


def no_tray_hint(desktop: str, qt_platform: str | None) -> str:
    if qt_platform in ("offscreen", "minimal"):
        return (
            f"the Qt platform {qt_platform} (QT_QPA_PLATFORM) has no tray; unset "
            f"QT_QPA_PLATFORM to use the desktop's; {NO_TRAY_FALLBACK}"
        )
    if _is_gnome(desktop):
        return (
            'install and enable the GNOME Shell extension "AppIndicator and KStatusNotifierItem '
            'Support" (apt-get install gnome-shell-extension-appindicator, enable it in the '
            f"Extensions app, then log out and in); {NO_TRAY_FALLBACK}"
        )
    return (
        "add a system tray to the desktop (a panel's notification area or StatusNotifier "
        f"host, as KDE Plasma, Xfce, Cinnamon, MATE and LXQt have); {NO_TRAY_FALLBACK}"
    )


def check_tray(timeout: float) -> Check:
    """Whether Qt finds a system tray here, asked in a subprocess with a timeout."""
    desktop = os.environ.get("XDG_CURRENT_DESKTOP", "")
    facts: dict[str, Any] = {
        "display": os.environ.get("DISPLAY") or None,
        "wayland_display": os.environ.get("WAYLAND_DISPLAY") or None,
        "desktop": desktop or None,
        "qt_platform": None,
        "available": None,
        "status_notifier_watcher": None,
    }
    if pyside6_version() is None:
        return Check(
            "tray",
            "warn",
            "PySide6 is not installed, so the tray app cannot run (the commands work without it)",
            hint="pip install PySide6-Essentials into switcher's environment",
            facts=facts,
        )
    if not has_display():
        return Check(
            "tray",
            "warn",
            "no display (DISPLAY and WAYLAND_DISPLAY are unset): the tray app cannot start "
            "here; the commands work",
            hint="run switcher inside a desktop session; without one use the commands "
            "(switcher --help), e.g. switcher serve",
            facts=facts,
        )
    where = facts["wayland_display"] or facts["display"] or "this desktop"
    command, env = _tray_probe_command()
    try:
        done = subprocess.run(  # noqa: S603 (switcher itself)
            command,
            env=env,
            capture_output=True,
            text=True,
            timeout=timeout,
            stdin=subprocess.DEVNULL,
            check=False,
        )
    except subprocess.TimeoutExpired:
        return Check(
            "tray",
            "fail",
            f"Qt did not start on {where} within {timeout:.0f} s",
            hint="the display server does not answer: check DISPLAY / WAYLAND_DISPLAY, or log "
            "out and in",
            facts=facts,
        )
    except OSError as error:
        return Check(
            "tray", "fail", f"cannot run {sys.executable}: {error.strerror}", hint=BUG_HINT
        )
    result = next(
        (
            json.loads(line[len(_QT_MARK) :])
            for line in done.stdout.splitlines()
            if line.startswith(_QT_MARK)
        ),
        None,
    )
    if not isinstance(result, dict):
        said = [line.strip() for line in done.stderr.splitlines() if line.strip()]
        why = said[-1] if said else f"exit status {done.returncode}"
        platform_hint = (
            f"Qt's xcb plugin needs these libraries (Debian/Ubuntu): apt-get install "
            f"{QT_XCB_PACKAGES}"
            if facts["display"] and not facts["wayland_display"]
            else "check that the display is reachable and Qt's platform plugins are installed"
        )
        return Check(
            "tray",
            "fail",
            f"Qt cannot start on {where}, so the tray app cannot either ({why})",
            hint=f"{platform_hint}; run switcher (no arguments) to see Qt's own message",
            details=tuple(said[-5:]),
            facts=facts,
        )
    qt_platform = str(result.get("platform") or "") or None
    watcher = result.get("watcher")
    facts["qt_platform"] = qt_platform
    facts["available"] = bool(result.get("available"))
    facts["status_notifier_watcher"] = watcher if isinstance(watcher, bool) else None
    on = f"Qt platform {qt_platform}" + (f", desktop {desktop}" if desktop else "")
    if facts["available"]:
        if watcher:
            host = "a StatusNotifierItem host (org.kde.StatusNotifierWatcher on D-Bus)"
        elif qt_platform == "xcb":
            host = "an XEmbed system tray (_NET_SYSTEM_TRAY_S0 is owned)"
        else:
            host = "the system's tray"
        return Check("tray", "ok", f"available: {host} ({on})", facts=facts)
    return Check(
        "tray",
        "warn",
        f"no system tray found ({on})",
        hint=no_tray_hint(desktop, qt_platform),
        facts=facts,
    )


# -- browsers ---------------------------------------------------------------------------


def _running(browser: str, path: Path) -> bool | None:
    from switcher.browsers.opener import writer

    try:
        return bool(writer(browser).is_running(path))
    except OSError:
        return None


def check_browsers() -> list[Check]:
    from switcher.browsers import launch
    from switcher.browsers.opener import all_profiles

    profiles = all_profiles()
    checks = []
    from switcher.browsers.registry import BROWSERS

    for entry in BROWSERS:
        browser, label = entry.id, entry.label
        own = [p for p in profiles if p.browser == browser]
        executable = launch.find_executable(browser)
        if not own and executable is None:
            continue
        listed = []
        details = []
        for profile in own:
            running = _running(browser, profile.path)
            listed.append(
                {
                    "name": profile.name,
                    "path": str(profile.path),
                    "default": profile.is_default,
                    "running": running,
                }
            )
            state = {
                True: f"running: close {label} before exporting to it",
                False: "not running",
                None: "cannot tell whether it is running",
            }[running]
            default = ", default" if profile.is_default else ""
            details.append(f"{profile.name}{default}: {profile.path} ({state})")
        facts = {"executable": executable, "profiles": listed}
        names = ", ".join(p.name + (" (default)" if p.is_default else "") for p in own)
        found = f"{len(own)} profile{'s' if len(own) != 1 else ''} ({names})" if own else ""
        if executable is None:
            looked = ", ".join(entry.executables)
            checks.append(
                Check(
                    f"browser:{browser}",
                    "info",
                    f"{label}: {found}; not on PATH, so switcher open cannot start it "
                    "(switcher export to its profiles works)",
                    hint=f"install {label} or put it on PATH (looked for: {looked})",
                    details=tuple(details),
                    facts=facts,
                )
            )
            continue
        summary = f"{label}: {executable}; " + (
            found or "no profiles found (switcher open makes one per account)"
        )
        checks.append(
            Check(f"browser:{browser}", "ok", summary, details=tuple(details), facts=facts)
        )
    if not checks:
        checks.append(
            Check(
                "browsers",
                "info",
                "no Firefox or Chromium-family browser found (no profiles, none on PATH)",
                hint="switcher export and switcher open work with Firefox, Chromium, Chrome, "
                "Brave, Edge and Vivaldi; without one, switcher export cookies-txt writes a "
                "cookies.txt file for curl and other tools",
            )
        )
    return checks


# -- servers ----------------------------------------------------------------------------


def read_index() -> tuple[Index, Check | None]:
    """The account index as saved, without the keyring and without repairing anything.

    (Opening a ``Vault`` would move a corrupt index aside and ask the keyring
    to rebuild it: not the doctor's business.)
    """
    directory = config_dir()
    path = directory / "accounts.json"
    facts = {"path": str(path)}
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return Index.empty(), None
    except OSError as error:
        return Index.empty(), Check(
            "index",
            "fail",
            f"cannot read {path}: {error.strerror}",
            hint=f"fix its permissions (ls -l {path}) so your user can read and write it",
            facts=facts,
        )
    try:
        index = parse_index(raw)
    except NewerIndexError as newer:
        return Index.empty(), Check(
            "index",
            "fail",
            f"{path} was written by a newer switcher (index version {newer})",
            hint="update switcher (this one leaves the file as it is)",
            facts=facts,
        )
    if index is not None:
        return index, None
    backup = directory / "accounts.json.bak"
    try:
        saved = parse_index(backup.read_bytes())
    except (OSError, NewerIndexError):
        saved = None
    index = saved if saved is not None else Index.empty()
    source = backup.name if saved is not None else "nothing (no good backup)"
    return index, Check(
        "index",
        "warn",
        f"{path} is corrupt; the servers below are from {source}",
        hint="the next switcher command moves it aside and rebuilds it from its backup and "
        "the keyring: run switcher accounts list",
        facts=facts,
    )


def check_servers(timeout: float, only: str | None = None) -> list[Check]:
    index, problem = read_index()
    checks = [problem] if problem else []
    servers = list(index.servers.values())
    if only is not None:
        servers = [s for s in servers if s.name == only]
        if not servers:
            known = ", ".join(index.servers)
            return [
                *checks,
                Check(
                    f"server:{only}",
                    "fail",
                    f"no server named {only!r} (configured: {known})",
                    hint="see switcher server list; add one with switcher server add URL",
                ),
            ]
    groups: list[tuple[str, Callable[[], list[Check]]]] = [
        (f"server:{s.name}", _server_group(s, timeout)) for s in servers
    ]
    return checks + _bounded(groups, 2 * timeout + PORT_TIMEOUT + GRACE)


def _server_group(server: Server, timeout: float) -> Callable[[], list[Check]]:
    if server.name == LOCAL:
        return lambda: [check_local_server(server, timeout)]
    return lambda: [check_server(server, timeout)]


def _ask_ok(server: Server, timeout: float, exchange: Any = None) -> float | None:
    """Seconds ``GET /api/auth/ok`` took; None when it answered but not ``{"ok": true}``.

    Raises the client's errors (``ClientError`` subclasses) and ``OSError``
    for an unreadable CA bundle.
    """
    from switcher.client.client import AuthClient

    started = time.monotonic()
    with AuthClient(
        server.url, timeout=timeout, ca_bundle=server.ca_bundle, exchange=exchange
    ) as client:
        answered = client.ok()
    return time.monotonic() - started if answered else None


def check_server(server: Server, timeout: float) -> Check:
    from switcher.client.errors import (
        AuthError,
        BadResponseError,
        ServerBusyError,
        ServerFailingError,
        ServerTimeoutError,
        ServerUnreachableError,
        UnknownHostError,
        UntrustedCertificateError,
    )

    name = f"server:{server.name}"
    facts: dict[str, Any] = {"url": server.url, "in_process": False, "latency_ms": None}
    remove = f"switcher server remove {server.name}"
    try:
        took = _ask_ok(server, timeout)
    except ServerTimeoutError:
        return Check(
            name,
            "fail",
            f"{server.url} did not answer within {timeout:g} s",
            hint="it accepts connections but hangs: check the server (or ask its admin) and "
            "try again later",
            facts=facts,
        )
    except ServerUnreachableError as error:
        text = str(error)
        if isinstance(error, UntrustedCertificateError):
            hint = (
                f"if it uses a private CA, add it again with its CA bundle: {remove}, then "
                f"switcher server add {server.url} --name {server.name} --ca-bundle PATH"
            )
        elif isinstance(error, UnknownHostError):
            hint = "check the host name in its URL (switcher server list) and your network"
        else:
            hint = (
                "start the server, or check the URL and port (switcher server list); "
                f"if it is gone for good: {remove}"
            )
        return Check(name, "fail", text, hint=hint, facts=facts)
    except ServerBusyError as error:
        return Check(
            name,
            "fail",
            str(error),
            hint="it is up but cannot answer now: try again shortly; if it stays so, check its "
            "logs or ask its admin",
            facts=facts,
        )
    except BadResponseError as error:
        hint = (
            "the server is up but failing: check its logs, or ask its admin"
            if isinstance(error, ServerFailingError)
            else "check that the URL is the site's base URL, with better-auth under /api/auth "
            f"(switcher server list; {remove} and add it again if not)"
        )
        return Check(name, "fail", str(error), hint=hint, facts=facts)
    except AuthError as error:
        return Check(
            name,
            "fail",
            f"{server.url}/api/auth/ok answered HTTP {error.status}: {error.message}",
            hint="check that the URL is the site's base URL, with better-auth under /api/auth",
            facts=facts,
        )
    except OSError as error:
        return Check(
            name,
            "fail",
            f"cannot read its CA bundle {server.ca_bundle}: {error.strerror or error}",
            hint=f"put the file back, or {remove} and add the server again with --ca-bundle",
            facts=facts,
        )
    except ValueError as error:  # a URL the client refuses
        return Check(
            name, "fail", str(error), hint=f"{remove} and add it again with its URL", facts=facts
        )
    if took is None:
        return Check(
            name,
            "warn",
            f'{server.url}/api/auth/ok answered, but not with better-auth\'s {{"ok": true}}',
            hint="check that the URL is the site's base URL, with better-auth under /api/auth",
            facts=facts,
        )
    facts["latency_ms"] = round(took * 1000)
    return Check(name, "ok", f"{server.url} answers ({took * 1000:.0f} ms)", facts=facts)


def _port_detail(server: Server) -> str:
    from switcher.client.errors import ClientError, ConnectionRefusedByServerError

    try:
        took = _ask_ok(server, PORT_TIMEOUT)
    except ClientError as error:
        if isinstance(error, ConnectionRefusedByServerError):
            return (
                f"nothing serves it on {server.url} now: browsers reach it there only while "
                "the tray app or switcher serve runs"
            )
        return f"something else answers on {server.url} ({error})"
    if took is None:
        return f"something else answers on {server.url} (not better-auth)"
    return f"also served for browsers on {server.url} (the tray app or switcher serve runs)"


def check_local_server(server: Server, timeout: float) -> Check:
    """The bundled server, started in this process on its own database, as the commands do."""
    from switcher.client.errors import ClientError, ServerBusyError
    from switcher.server.bundled_files import SecretFileError

    name = f"server:{server.name}"
    directory = bundled_server_dir()
    database, secret = directory / "auth.db", directory / "secret"
    facts: dict[str, Any] = {"url": server.url, "in_process": True, "latency_ms": None}
    port = (_port_detail(server),)
    if not (database.exists() and secret.exists()):
        # Starting it would create both: the doctor looks, it doesn't set up.
        return Check(
            name,
            "info",
            f"built in, not used yet: its database and secret are made on first use in {directory}",
            details=port,
            facts=facts,
        )
    from switcher.bundled_server import InProcessExchange, bundled_config
    from switcher.server import AuthApp

    try:
        config = bundled_config()
    except SecretFileError as error:
        return Check(
            name,
            "fail",
            f"built in, but its secret is unusable: {error}",
            hint=f"fix {secret} as the message says (it must be 0600 and not empty)",
            details=port,
            facts=facts,
        )
    exchange = InProcessExchange(AuthApp(config))
    try:
        took = _ask_ok(server, timeout, exchange)
    except ServerBusyError as error:
        return Check(
            name,
            "warn",
            f"built in, but busy: {error}",
            hint="another switcher (the tray app, a command, switcher serve) is writing to its "
            "database; run switcher doctor again shortly",
            details=port,
            facts=facts,
        )
    except ClientError as error:
        return Check(
            name,
            "fail",
            f"built in, but it does not answer in-process: {error}",
            hint=f"its database {database} may be damaged; move it aside to start afresh "
            "(its accounts are then gone) or report a bug",
            details=port,
            facts=facts,
        )
    finally:
        exchange.shutdown()
    if took is None:
        return Check(
            name, "fail", "built in, but it answered /ok wrongly", hint=BUG_HINT, facts=facts
        )
    facts["latency_ms"] = round(took * 1000)
    return Check(
        name,
        "ok",
        f"built in, answers in-process ({took * 1000:.0f} ms); database {database}",
        details=port,
        facts=facts,
    )


# -- paths ------------------------------------------------------------------------------

PATHS: tuple[tuple[str, str, Callable[[], Path], str], ...] = (
    ("config", "configuration", config_dir, "SWITCHER_CONFIG_DIR"),
    ("data", "data", data_dir, "SWITCHER_DATA_DIR"),
    ("logs", "log", log_dir, "SWITCHER_LOG_DIR"),
)


def check_paths() -> list[Check]:
    return [check_path(key, label, find(), variable) for key, label, find, variable in PATHS]


def check_path(key: str, label: str, path: Path, variable: str) -> Check:
    name = f"path:{key}"
    facts: dict[str, Any] = {
        "path": str(path),
        "exists": path.exists(),
        "writable": False,
        "override": variable,
    }
    elsewhere = f"or set {variable} to a directory of your own"
    if path.exists() and not path.is_dir():
        return Check(
            name,
            "fail",
            f"{label} directory {path} is a file, not a directory",
            hint=f"move that file away, {elsewhere}",
            facts=facts,
        )
    if path.is_dir():
        facts["writable"] = os.access(path, os.W_OK | os.X_OK)
        if facts["writable"]:
            return Check(name, "ok", f"{label} directory {path}", facts=facts)
        return Check(
            name,
            "fail",
            f"{label} directory {path} is not writable",
            hint=f"make it yours (chown -R $USER {path}), {elsewhere}",
            facts=facts,
        )
    parent = path.parent
    while not parent.exists() and parent != parent.parent:
        parent = parent.parent
    if parent.is_dir() and os.access(parent, os.W_OK | os.X_OK):
        facts["writable"] = True
        return Check(name, "ok", f"{label} directory {path} (made on first use)", facts=facts)
    return Check(
        name,
        "fail",
        f"{label} directory {path} cannot be created: {parent} is not a writable directory",
        hint=f"create it yourself (mkdir -p {path}), {elsewhere}",
        facts=facts,
    )
