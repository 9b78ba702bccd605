"""Where switcher keeps its files on each OS.

On Linux and the BSDs these are the XDG base directories, read here (what
``platformdirs`` would answer, without the ~1.5 MiB its modules keep in the
tray app's memory); on macOS and Windows ``platformdirs`` answers.
"""

from __future__ import annotations

import contextlib
import os
import stat
import sys
from pathlib import Path

from switcher.app_identity import in_sandbox

APP_NAME = "switcher"


def private_dir(path: Path) -> None:
    """Create ``path`` owner-only (0700), and any parent it must create too.

    ``mkdir(parents=True, mode=...)`` gives the mode to the last directory
    only: a first run would leave ``~/.local/share/switcher`` 0755 above the
    0700 ``server`` in it. Parents that exist already are left as they are.
    """
    missing = []
    at = path
    while not at.exists() and at.parent != at:
        missing.append(at)
        at = at.parent
    for directory in reversed(missing):
        with contextlib.suppress(FileExistsError):  # another process made it meanwhile
            directory.mkdir(mode=0o700)
    if os.name == "posix" and stat.S_IMODE(path.stat().st_mode) & 0o077:
        os.chmod(path, 0o700)


def _xdg_home(variable: str, default: str) -> Path:
    """An XDG base directory: the variable when it holds an absolute path (as the spec says)."""
    value = os.environ.get(variable, "")
    return Path(value) if os.path.isabs(value) else Path(os.path.expanduser(default))


def _user_dir(kind: str) -> Path:
    """The user's ``data``, ``config``, ``cache`` or ``log`` directory for switcher."""
    if sys.platform in ("win32", "darwin"):
        import platformdirs

        where = getattr(platformdirs, f"user_{kind}_dir")
        return Path(where(APP_NAME, appauthor=False))
    if kind == "data":
        return _xdg_home("XDG_DATA_HOME", "~/.local/share") / APP_NAME
    if kind == "config":
        return _xdg_home("XDG_CONFIG_HOME", "~/.config") / APP_NAME
    if kind == "cache":
        return _xdg_home("XDG_CACHE_HOME", "~/.cache") / APP_NAME
    return _xdg_home("XDG_STATE_HOME", "~/.local/state") / APP_NAME / "log"


def data_dir() -> Path:
    override = os.environ.get("SWITCHER_DATA_DIR")
    return Path(override) if override else _user_dir("data")


def config_dir() -> Path:
    override = os.environ.get("SWITCHER_CONFIG_DIR")
    return Path(override) if override else _user_dir("config")


def settings_path() -> Path:
    """The app's settings (``switcher.gui.settings``); the command line reads one of them."""
    return config_dir() / "settings.json"


def insecure_secrets_path() -> Path:
    """Where ``--insecure-storage`` keeps session cookies (a 0600 file) instead of the keyring."""
    return data_dir() / "insecure-secrets.json"


def bundled_server_dir() -> Path:
    """The bundled server's database and secret."""
    return data_dir() / "server"


def cache_dir() -> Path:
    """What switcher can make again and keeps to save time or memory (``$SWITCHER_CACHE_DIR``
    overrides): the pictures of the tray's accounts."""
    override = os.environ.get("SWITCHER_CACHE_DIR")
    return Path(override) if override else _user_dir("cache")


def log_dir() -> Path:
    """Where the rotating log file lives (``$SWITCHER_LOG_DIR`` overrides)."""
    override = os.environ.get("SWITCHER_LOG_DIR")
    return Path(override) if override else _user_dir("log")


def host_config_home() -> Path:
    """The user's own ``~/.config`` (``$XDG_CONFIG_HOME``), where browsers and autostart live.

    Inside a Flatpak sandbox ``XDG_CONFIG_HOME`` is the app's private
    ``~/.var/app/<id>/config``; the host's is in ``HOST_XDG_CONFIG_HOME``.
    """
    name = "HOST_XDG_CONFIG_HOME" if in_sandbox() else "XDG_CONFIG_HOME"
    value = os.environ.get(name)
    return Path(value) if value else Path.home() / ".config"
