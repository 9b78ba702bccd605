"""What every secret store is: its interface, its typed failures, and calls with a timeout.

Every keyring call runs on a worker thread with a timeout: a locked keyring
may wait forever for an unlock prompt that a headless session never shows.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
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
