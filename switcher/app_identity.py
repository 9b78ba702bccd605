"""What the desktop knows switcher by: its id, its icon name, how to start it again."""

from __future__ import annotations

import os
import sys

# Reverse-DNS id shared by the desktop entry, the AppStream metainfo, the
# hicolor icon, the Flatpak app and the macOS bundle, so that a desktop can tie
# the running tray app to its launcher and icon.
APP_ID = "io.github.switcher.Switcher"
ICON_NAME = APP_ID


def is_frozen() -> bool:
    """True inside a PyInstaller bundle, where ``sys.executable`` is switcher itself."""
    return bool(getattr(sys, "frozen", False))


def launch_command() -> list[str]:
    """The command that starts this same installation of the tray app (for autostart)."""
    flatpak_id = os.environ.get("FLATPAK_ID")
    if flatpak_id:
        # Inside the sandbox sys.executable is /app/...; the host starts it this way.
        return ["flatpak", "run", flatpak_id]
    if is_frozen():
        return [sys.executable]
    return [sys.executable, "-m", "switcher"]
