"""The app's own settings (refresh interval, start at login), kept beside the index."""

from __future__ import annotations

import contextlib
import json
import os
import sys
from dataclasses import asdict, dataclass
from pathlib import Path

from switcher.app_identity import APP_ID, ICON_NAME, desktop_exec, launch_command
from switcher.paths import host_config_home, settings_path

DEFAULT_REFRESH_SECONDS = 60


@dataclass
class Settings:
    refresh_seconds: int = DEFAULT_REFRESH_SECONDS
    start_at_login: bool = False
    # Export the active account here after every switch: (browser, profile path).
    auto_export_browser: str | None = None
    auto_export_path: str | None = None
    # Ask for sessions the site would let lapse soon, so it extends them
    # (Accounts.keep_alive); the command line's refreshes read it too.
    keep_sessions_alive: bool = True

    @classmethod
    def load(cls, path: Path | None = None) -> Settings:
        path = path or settings_path()
        try:
            data = json.loads(path.read_text())
            seconds = int(data.get("refresh_seconds", DEFAULT_REFRESH_SECONDS))
            browser, path = data.get("auto_export_browser"), data.get("auto_export_path")
            return cls(
                max(10, seconds),
                bool(data.get("start_at_login", False)),
                str(browser) if browser and path else None,
                str(path) if browser and path else None,
                bool(data.get("keep_sessions_alive", True)),
            )
        except (OSError, ValueError, TypeError, AttributeError):
            return cls()

    def save(self, path: Path | None = None) -> None:
        path = path or settings_path()
        path.parent.mkdir(parents=True, exist_ok=True)
        temp = path.with_name(path.name + ".tmp")
        temp.write_text(json.dumps(asdict(self), indent=2))
        os.replace(temp, path)


def autostart_entry() -> Path:
    """Linux (XDG autostart); macOS and Windows use a LaunchAgent and the Run key."""
    return host_config_home() / "autostart" / f"{APP_ID}.desktop"


# Where versions before the app id wrote it; removed when autostart is turned off.
def _old_autostart_entry() -> Path:
    return autostart_entry().with_name("switcher.desktop")


def set_start_at_login(enabled: bool) -> None:
    # plistlib and subprocess only where they are used: the tray would keep them (~1 MiB).
    if sys.platform == "win32":
        import subprocess
        import winreg  # type: ignore[import-not-found,unused-ignore]

        key = winreg.OpenKey(
            winreg.HKEY_CURRENT_USER,
            r"Software\Microsoft\Windows\CurrentVersion\Run",
            0,
            winreg.KEY_SET_VALUE,
        )
        with key:
            if enabled:
                command = subprocess.list2cmdline(launch_command())
                winreg.SetValueEx(key, "switcher", 0, winreg.REG_SZ, command)
            else:
                with contextlib.suppress(FileNotFoundError):
                    winreg.DeleteValue(key, "switcher")
        return
    if sys.platform == "darwin":
        import plistlib

        agent = Path.home() / "Library" / "LaunchAgents" / f"{APP_ID}.plist"
        if enabled:
            agent.parent.mkdir(parents=True, exist_ok=True)
            with agent.open("wb") as file:
                plistlib.dump(
                    {"Label": APP_ID, "ProgramArguments": launch_command(), "RunAtLoad": True},
                    file,
                )
        else:
            agent.unlink(missing_ok=True)
        return
    entry = autostart_entry()
    if enabled:
        entry.parent.mkdir(parents=True, exist_ok=True)
        entry.write_text(
            "[Desktop Entry]\nType=Application\nName=switcher\n"
            "Comment=Switch between your accounts on better-auth sites\n"
            f"Exec={desktop_exec(launch_command())}\n"
            f"Icon={ICON_NAME}\nTerminal=false\nX-GNOME-Autostart-enabled=true\n"
        )
    else:
        entry.unlink(missing_ok=True)
        _old_autostart_entry().unlink(missing_ok=True)
