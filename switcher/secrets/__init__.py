"""Where session cookies are kept: the OS keyring, or (only when asked) a 0600 file.

``open_keyring()`` picks the store: the Secret Service spoken directly on
Linux (``secret_service``), the ``keyring`` package elsewhere
(``keyring_store``); ``file_store`` is ``--insecure-storage``. All of them
share the interface and typed failures of ``store``.
"""

from __future__ import annotations

import os
import sys

from switcher.secrets.file_store import FileSecrets
from switcher.secrets.keyring_store import KeyringSecrets, is_usable
from switcher.secrets.store import (
    KEYRING_TIMEOUT,
    NO_KEYRING_HINT,
    KeyringLockedError,
    KeyringTimeoutError,
    NoKeyringError,
    SecretStore,
    SecretStoreError,
    with_timeout,
)

__all__ = [
    "KEYRING_TIMEOUT",
    "NO_KEYRING_HINT",
    "FileSecrets",
    "KeyringLockedError",
    "KeyringSecrets",
    "KeyringTimeoutError",
    "NoKeyringError",
    "SecretStore",
    "SecretStoreError",
    "is_usable",
    "open_keyring",
    "speaks_secret_service",
    "with_timeout",
]


def _keyring_configured() -> bool:
    """Whether the person chose a keyring backend themselves (then keyring picks, not us)."""
    if os.environ.get("PYTHON_KEYRING_BACKEND"):
        return True
    # keyring's own config file on Linux (keyring.util.platform_.config_root).
    root = os.environ.get("XDG_CONFIG_HOME") or os.path.join(os.path.expanduser("~"), ".config")
    return os.path.exists(os.path.join(root, "python_keyring", "keyringrc.cfg"))


def speaks_secret_service() -> bool:
    """Whether switcher talks to the Secret Service itself here (Linux and BSDs, keyring unset)."""
    return sys.platform.startswith(("linux", "freebsd", "openbsd", "netbsd")) and not (
        _keyring_configured()
    )


def open_keyring(timeout: float = KEYRING_TIMEOUT) -> SecretStore:
    """The OS keyring: the Secret Service directly on Linux (``secret_service``), else keyring.

    keyring is used where the person configured it, on macOS and Windows, and
    where no Secret Service answers (keyring may still find another store,
    and if not it says what is missing).
    """
    if speaks_secret_service():
        from switcher.secrets.secret_service import (
            SecretServiceSecrets,
            SecretServiceUnavailableError,
        )

        try:
            return SecretServiceSecrets(timeout)
        except (ImportError, SecretServiceUnavailableError):
            pass
    return KeyringSecrets(timeout)
