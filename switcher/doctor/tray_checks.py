"""The system tray: whether Qt finds one here, asked of ``qt_probe`` in a subprocess
with a timeout, and what to do when it does not.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import switcher
from switcher.app_identity import is_frozen
from switcher.display import has_display
from switcher.doctor.qt_probe import QT_MARK
from switcher.doctor.report import BUG_HINT, Check

TRAY_TIMEOUT = 10.0  # starting Qt in a subprocess


def pyside6_version() -> str | None:
    """PySide6's version, without loading Qt itself (the commands work without it)."""
    try:
        import PySide6
    except Exception:  # not installed, or its native parts do not load
        return None
    version = getattr(PySide6, "__version__", None)
    return str(version) if version else "unknown version"


def _tray_probe_command() -> tuple[list[str], dict[str, str]]:
    env = dict(os.environ)
    if is_frozen():  # a PyInstaller build: the executable is switcher itself
        return [sys.executable, "doctor", "--tray-probe"], env
    # The child imports this same switcher, wherever it was imported from.
    root = str(Path(switcher.__file__).resolve().parent.parent)
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
            json.loads(line[len(QT_MARK) :])
            for line in done.stdout.splitlines()
            if line.startswith(QT_MARK)
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
