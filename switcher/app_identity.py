"""What the desktop knows switcher by: its id, its icon name, how to start it again."""

from __future__ import annotations

import os
import sys
from pathlib import Path

# Reverse-DNS id shared by the desktop entry, the AppStream metainfo, the
# hicolor icon, the Flatpak app and the macOS bundle, so that a desktop can tie
# the running tray app to its launcher and icon.
APP_ID = "io.github.switcher.Switcher"
ICON_NAME = APP_ID


# Every Flatpak sandbox has this file; outside one it does not exist.
FLATPAK_INFO = Path("/.flatpak-info")


def in_sandbox() -> bool:
    """Inside a Flatpak sandbox (ours or another app's): own PID namespace, own XDG dirs."""
    return FLATPAK_INFO.exists()


def in_own_flatpak() -> bool:
    """Running as switcher's own Flatpak, not merely started from another Flatpak app."""
    return os.environ.get("FLATPAK_ID") == APP_ID and in_sandbox()


def is_frozen() -> bool:
    """True inside a PyInstaller bundle, where ``sys.executable`` is switcher itself."""
    return bool(getattr(sys, "frozen", False))


def launch_command() -> list[str]:
    """The command that starts this same installation of the tray app (for autostart)."""
    if in_own_flatpak():
        # Inside the sandbox sys.executable is /app/...; the host starts it this way.
        # (A FLATPAK_ID alone may be inherited from another app's terminal.)
        return ["flatpak", "run", APP_ID]
    if is_frozen():
        return [sys.executable]
    return [sys.executable, "-m", "switcher"]


# Characters that force an Exec argument into double quotes (Desktop Entry spec).
_EXEC_RESERVED = frozenset(" \t\n\"'\\><~|&;$*?#()`")


def desktop_exec(args: list[str]) -> str:
    """``args`` as the value of a desktop entry's ``Exec`` key.

    Not shell quoting: the spec wants double quotes around an argument with a
    reserved character, a backslash before ``"`` `` ` `` ``$`` ``\\`` inside
    them, ``%%`` for ``%``, and then every backslash doubled again, because
    the value is also a string with its own escapes.
    """
    words = []
    for arg in args:
        arg = arg.replace("%", "%%")
        if arg and not _EXEC_RESERVED.intersection(arg):
            words.append(arg)
            continue
        quoted = "".join("\\" + ch if ch in '"`$\\' else ch for ch in arg)
        words.append('"' + quoted.replace("\\", "\\\\") + '"')
    return " ".join(words)


def icon_file() -> str:
    """The app's icon (``switcher.svg`` of the ``switcher.resources`` package) as a path.

    The package's own location rather than ``importlib.resources``, whose
    import (with tempfile and random) the idle tray app would keep: ~1 MiB.
    Installed, editable and frozen, the assets are plain files beside it.
    """
    import importlib

    # By name: the package is resources/ of the checkout, mapped at install time.
    resources = importlib.import_module("switcher.resources")
    return os.path.join(os.path.dirname(resources.__file__ or ""), "switcher.svg")
