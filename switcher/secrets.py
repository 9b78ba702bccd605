"""Where session cookies are kept: the OS keyring, or (only when asked) a 0600 file.

Every keyring call runs on a worker thread with a timeout: a locked keyring
may wait forever for an unlock prompt that a headless session never shows.
"""

from __future__ import annotations

import contextlib
import json
import os
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Protocol, TypeVar

T = TypeVar("T")

KEYRING_TIMEOUT = 10.0  # seconds


class SecretStoreError(Exception):
    """The secret store cannot be used; the message says how to fix it."""


class KeyringTimeoutError(SecretStoreError):
    """The keyring did not answer in time (often: an unlock prompt nobody sees)."""


class KeyringLockedError(SecretStoreError):
    """The keyring is locked and was not unlocked."""


class NoKeyringError(SecretStoreError):
    """There is no usable keyring at all."""


class SecretStore(Protocol):
    @property
    def calls(self) -> int:
        """How many backend round trips were made (for the benchmark)."""

    def get(self, service: str, key: str) -> str | None: ...

    def set(self, service: str, key: str, value: str) -> None: ...

    def delete(self, service: str, key: str) -> None: ...

    def warm(self) -> None:
        """Open what the next calls need (a session, a cipher) so that they are quick."""


def with_timeout(call: Callable[[], T], timeout: float, what: str) -> T:
    """``call()`` on a daemon thread; ``SecretStoreError`` if it takes over ``timeout`` s."""
    box: dict[str, object] = {}

    def run() -> None:
        try:
            box["value"] = call()
        except BaseException as error:
            box["error"] = error

    worker = threading.Thread(target=run, name="keyring", daemon=True)
    worker.start()
    worker.join(timeout)
    if worker.is_alive():
        raise KeyringTimeoutError(
            f"the keyring did not answer within {timeout:.0f} s while {what} "
            "(is it locked? unlock it, e.g. by logging in to the desktop, and retry)"
        )
    if "error" in box:
        raise box["error"]  # type: ignore[misc]
    return box["value"]  # type: ignore[return-value]


NO_KEYRING_HINT = (
    "no usable OS keyring: on Linux install and start a Secret Service "
    "(GNOME Keyring: apt-get install gnome-keyring; or KWallet), on macOS and Windows "
    "the system keychain is used; or pass --insecure-storage to keep cookies in a "
    "plain file (not recommended)"
)


def is_usable(backend: object) -> bool:
    """Whether ``keyring`` found a real store (not its "fail" or "null" stand-ins)."""
    priority = getattr(backend, "priority", 0)
    return priority > 0 and not type(backend).__module__.startswith(
        ("keyring.backends.fail", "keyring.backends.null")
    )


class KeyringSecrets:
    """The OS keyring through the ``keyring`` package."""

    def __init__(self, timeout: float = KEYRING_TIMEOUT) -> None:
        import keyring
        import keyring.errors

        self._keyring = keyring
        self._errors = keyring.errors
        self.timeout = timeout
        self.calls = 0
        backend = keyring.get_keyring()
        if not is_usable(backend):
            raise NoKeyringError(NO_KEYRING_HINT)
        self.backend = backend

    def _call(self, call: Callable[[], T], what: str) -> T:
        self.calls += 1
        try:
            return with_timeout(call, self.timeout, what)
        except self._errors.KeyringLocked:
            raise KeyringLockedError(
                f"the keyring is locked ({what}); unlock it and retry"
            ) from None
        except self._errors.NoKeyringError:
            raise NoKeyringError(NO_KEYRING_HINT) from None
        except self._errors.KeyringError as error:
            raise SecretStoreError(f"the keyring refused {what}: {error}") from None
        except SecretStoreError:
            raise
        except Exception as error:
            # e.g. the D-Bus session bus is gone or has no Secret Service on it.
            raise SecretStoreError(
                f"the keyring failed while {what} ({type(error).__name__}: {error}); "
                + NO_KEYRING_HINT
            ) from None

    def get(self, service: str, key: str) -> str | None:
        return self._call(lambda: self.backend.get_password(service, key), "reading a session")

    def set(self, service: str, key: str, value: str) -> None:
        self._call(lambda: self.backend.set_password(service, key, value), "saving a session")

    def warm(self) -> None:
        """Nothing to open ahead: keyring opens a connection per call."""

    def delete(self, service: str, key: str) -> None:
        def remove() -> None:
            # Already gone is fine: the goal is reached.
            with contextlib.suppress(self._errors.PasswordDeleteError):
                self.backend.delete_password(service, key)

        self._call(remove, "deleting a session")


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
    """The OS keyring: the Secret Service directly on Linux (see ``secret_service``), else keyring.

    keyring is used where the person configured it, on macOS and Windows, and
    where no Secret Service answers (keyring may still find another store,
    and if not it says what is missing).
    """
    if speaks_secret_service():
        from switcher.secret_service import SecretServiceSecrets, SecretServiceUnavailableError

        try:
            return SecretServiceSecrets(timeout)
        except (ImportError, SecretServiceUnavailableError):
            pass
    return KeyringSecrets(timeout)


class FileSecrets:
    """``--insecure-storage``: a JSON file readable by its owner only, with a warning each use."""

    def __init__(self, path: Path, warn: Callable[[str], None] | None = None) -> None:
        self.path = path
        self.calls = 0
        (warn or _stderr)(
            f"warning: session cookies are stored in plain text in {path} "
            "(--insecure-storage); anyone who can read that file can use your accounts"
        )

    def _load(self) -> dict[str, dict[str, str]]:
        try:
            data = json.loads(self.path.read_text())
        except FileNotFoundError:
            return {}
        except (OSError, ValueError) as error:
            raise SecretStoreError(f"cannot read {self.path}: {error}") from None
        return data if isinstance(data, dict) else {}

    def _save(self, data: dict[str, dict[str, str]]) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        temp = self.path.with_name(self.path.name + ".tmp")
        fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as handle:
            json.dump(data, handle)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temp, self.path)

    def warm(self) -> None:
        """A file needs nothing opened ahead."""

    def get(self, service: str, key: str) -> str | None:
        self.calls += 1
        return self._load().get(service, {}).get(key)

    def set(self, service: str, key: str, value: str) -> None:
        self.calls += 1
        data = self._load()
        data.setdefault(service, {})[key] = value
        self._save(data)

    def delete(self, service: str, key: str) -> None:
        self.calls += 1
        data = self._load()
        if data.get(service, {}).pop(key, None) is not None:
            self._save(data)


def _stderr(message: str) -> None:
    print(f"switcher: {message}", file=sys.stderr)
