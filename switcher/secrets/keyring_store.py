"""The OS keyring through the ``keyring`` package (macOS, Windows, or a backend you chose)."""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from typing import TypeVar

from switcher.secrets.store import (
    KEYRING_TIMEOUT,
    NO_KEYRING_HINT,
    KeyringLockedError,
    NoKeyringError,
    SecretStoreError,
    with_timeout,
)

T = TypeVar("T")


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
                "is the keyring running? Try again."
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
