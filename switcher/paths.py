"""Where switcher keeps its files on each OS (via platformdirs)."""

from __future__ import annotations

import contextlib
import os
import stat
from pathlib import Path

import platformdirs

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


def data_dir() -> Path:
    override = os.environ.get("SWITCHER_DATA_DIR")
    return (
        Path(override) if override else Path(platformdirs.user_data_dir(APP_NAME, appauthor=False))
    )


def config_dir() -> Path:
    override = os.environ.get("SWITCHER_CONFIG_DIR")
    return (
        Path(override)
        if override
        else Path(platformdirs.user_config_dir(APP_NAME, appauthor=False))
    )


def settings_path() -> Path:
    """The app's settings (``switcher.gui.settings``); the command line reads one of them."""
    return config_dir() / "settings.json"


def insecure_secrets_path() -> Path:
    """Where ``--insecure-storage`` keeps session cookies (a 0600 file) instead of the keyring."""
    return data_dir() / "insecure-secrets.json"


def bundled_server_dir() -> Path:
    """The bundled server's database and secret."""
    return data_dir() / "server"


def log_dir() -> Path:
    """Where the rotating log file lives (``$SWITCHER_LOG_DIR`` overrides)."""
    override = os.environ.get("SWITCHER_LOG_DIR")
    return (
        Path(override) if override else Path(platformdirs.user_log_dir(APP_NAME, appauthor=False))
    )


def host_config_home() -> Path:
    """The user's own ``~/.config`` (``$XDG_CONFIG_HOME``), where browsers and autostart live.

    Inside a Flatpak sandbox ``XDG_CONFIG_HOME`` is the app's private
    ``~/.var/app/<id>/config``; the host's is in ``HOST_XDG_CONFIG_HOME``.
    """
    name = "HOST_XDG_CONFIG_HOME" if in_sandbox() else "XDG_CONFIG_HOME"
    value = os.environ.get(name)
    return Path(value) if value else Path.home() / ".config"
