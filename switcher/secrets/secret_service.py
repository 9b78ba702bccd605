"""The freedesktop Secret Service, spoken directly: where Linux keeps session cookies.

On Linux the ``keyring`` package ends up here anyway (GNOME Keyring,
KeePassXC, KWallet 5.97 and newer all serve the Secret Service), but it gets
there slowly for a command that starts only to switch an account: importing
keyring and letting it load every installed backend to compare their
priorities costs ~170 ms, and each call then opens its own D-Bus connection
and its own encrypted session. This store uses ``secretstorage`` (keyring's
own Secret Service library) with one connection and one session per process.

Items are stored exactly as keyring's Secret Service backend stores them: the
same attributes (``service``, ``username``, ``application``), label and
collection (the default one). An entry written by an earlier switcher, by
keyring, or by this class is the same entry, whichever reads it.

Where the person chose a keyring backend (``PYTHON_KEYRING_BACKEND`` or a
``keyringrc.cfg``), on macOS and Windows, or when no Secret Service answers,
``switcher.secrets.open_keyring()`` uses keyring instead.
"""

from __future__ import annotations

import contextlib
import socket
import threading
from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING, Any, TypeVar

from switcher.secrets.store import (
    NO_KEYRING_HINT,
    KeyringLockedError,
    KeyringTimeoutError,
    NoKeyringError,
    SecretStoreError,
    with_timeout,
)

if TYPE_CHECKING:
    from jeepney.io.blocking import DBusConnection
    from secretstorage import Collection

T = TypeVar("T")

# What keyring's backend writes into ``application``: kept, so both see one entry.
APPLICATION = "Python keyring library"


class SecretServiceUnavailableError(Exception):
    """No Secret Service answers on the session bus (a fallback may still exist)."""


class _Line:
    """One D-Bus connection and what was opened on it (the encrypted session, the collection).

    A call that timed out may still be running in its abandoned thread: it only
    ever touches its own line, which the store has cut and replaced by then.
    """

    def __init__(self, secretstorage: Any) -> None:
        self._secretstorage = secretstorage
        self.connection: DBusConnection = secretstorage.dbus_init()
        self._collection: Collection | None = None
        try:
            if not secretstorage.check_service_availability(self.connection):
                raise secretstorage.exceptions.SecretServiceNotAvailableException(
                    "no Secret Service on the session bus"
                )
        except BaseException:
            self.cut()
            raise

    def collection(self, timeout: float) -> Collection:
        """The default collection, unlocked (an unlock prompt may show on a desktop)."""
        if self._collection is None:
            from secretstorage.util import open_session

            # One encrypted session for every item this process touches.
            session = open_session(self.connection)
            collection = self._secretstorage.get_default_collection(self.connection, session)
            # get_default_collection only hands the session to a collection it
            # creates; without it every item read and the first write would
            # each open a session of their own (a Diffie-Hellman exchange each).
            collection.session = session
            self._collection = collection
        collection = self._collection
        if collection.is_locked():
            collection.unlock(timeout=timeout)
            if collection.is_locked():
                raise self._secretstorage.exceptions.LockedException("dismissed")
        return collection

    def cut(self) -> None:
        """Shut the socket down (which wakes a call blocked on it, as close alone does not)."""
        sock = getattr(self.connection, "sock", None)
        if sock is not None:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
        with contextlib.suppress(OSError):
            self.connection.close()


# What a Secret Service answers about a session or an object that its previous
# run opened: the daemon was restarted since this process connected.
_FORGOTTEN = (
    "org.freedesktop.Secret.Error.NoSession",
    "org.freedesktop.DBus.Error.UnknownObject",
    "org.freedesktop.DBus.Error.UnknownMethod",
    "org.freedesktop.DBus.Error.ServiceUnknown",
    "org.freedesktop.DBus.Error.NoReply",
)


def _on(line: _Line, operation: Callable[[Collection], T], timeout: float) -> T:
    return operation(line.collection(timeout))


def _gone_under_us(error: BaseException) -> bool:
    """Whether ``error`` says the daemon that served this line is not the one there now."""
    name = getattr(error, "name", None)
    return (isinstance(name, str) and name in _FORGOTTEN) or isinstance(error, ConnectionError)


class SecretServiceSecrets:
    """Session cookies in the Secret Service's default collection, over one D-Bus connection."""

    name = "Secret Service"

    def __init__(self, timeout: float) -> None:
        import secretstorage  # ImportError: no secretstorage, the caller falls back

        self._secretstorage = secretstorage
        self.timeout = timeout
        self.calls = 0
        self._lock = threading.Lock()
        self._line: _Line | None = None
        try:
            self._line = with_timeout(
                lambda: _Line(secretstorage), timeout, "looking for the Secret Service"
            )
        except SecretStoreError:
            raise
        except (secretstorage.exceptions.SecretServiceNotAvailableException, OSError) as error:
            raise SecretServiceUnavailableError(str(error)) from None

    def _drop(self, line: _Line | None) -> None:
        """After a timeout or a broken bus: this line is done; the next call opens a new one."""
        if line is not None:
            line.cut()
        if self._line is line:
            self._line = None

    def _call(self, operation: Callable[[Collection], T], what: str) -> T:
        exceptions = self._secretstorage.exceptions
        self.calls += 1
        # One call at a time on the one connection (the app calls from several threads).
        if not self._lock.acquire(timeout=self.timeout):
            raise KeyringTimeoutError(
                f"the keyring did not answer within {self.timeout:.0f} s while {what} "
                "(is it locked? unlock it, e.g. by logging in to the desktop, and retry)"
            )
        line = self._line
        try:
            # Twice at most: a keyring daemon restarted under this process (a
            # crash, --replace) has forgotten the encrypted session and the
            # objects this line opened; a new line reaches the new daemon. Every
            # operation here may be repeated (read, replace, delete).
            for attempt in (1, 2):
                if line is None:
                    line = self._line = with_timeout(
                        lambda: _Line(self._secretstorage), self.timeout, what
                    )
                try:
                    return with_timeout(
                        partial(_on, line, operation, self.timeout), self.timeout, what
                    )
                except Exception as error:
                    if attempt == 2 or not _gone_under_us(error):
                        raise
                    self._drop(line)
                    line = None
            raise AssertionError("unreachable")  # pragma: no cover
        except SecretStoreError:
            self._drop(line)
            raise
        except (exceptions.LockedException, exceptions.PromptDismissedException, TimeoutError):
            raise KeyringLockedError(
                f"the keyring is locked ({what}); unlock it and retry"
            ) from None
        except exceptions.SecretServiceNotAvailableException:
            self._drop(line)
            raise NoKeyringError(NO_KEYRING_HINT) from None
        except Exception as error:
            # The bus or the service went away, or the service refused the call.
            self._drop(line)
            raise SecretStoreError(
                f"the keyring failed while {what} ({type(error).__name__}: {error}); "
                "is the keyring running? (GNOME Keyring, KWallet, KeePassXC…) Try again."
            ) from None
        finally:
            self._lock.release()

    def warm(self) -> None:
        """Open the line's encrypted session and encrypt nothing once, ahead of time.

        The first write of a process otherwise pays ~30 ms for both; ``accounts
        add`` warms up before its request, so that storing the new session after
        the server's answer takes milliseconds.
        """

        def open_all(collection: Collection) -> None:
            from secretstorage.util import format_secret

            if collection.session is not None:
                format_secret(collection.session, b"", "text/plain")

        self._call(open_all, "opening the keyring")

    @staticmethod
    def _query(service: str, key: str) -> dict[str, str]:
        return {"service": service, "username": key}

    def get(self, service: str, key: str) -> str | None:
        def read(collection: Collection) -> str | None:
            for item in collection.search_items(self._query(service, key)):
                if item.is_locked():
                    item.unlock()
                value: bytes = item.get_secret()
                return value.decode("utf-8")
            return None

        return self._call(read, "reading a session")

    def set(self, service: str, key: str, value: str) -> None:
        def write(collection: Collection) -> None:
            attributes = {**self._query(service, key), "application": APPLICATION}
            label = f"Password for '{key}' on '{service}'"
            collection.create_item(label, attributes, value.encode("utf-8"), replace=True)

        self._call(write, "saving a session")

    def delete(self, service: str, key: str) -> None:
        def remove(collection: Collection) -> None:
            # Already gone is fine: the goal is reached.
            for item in collection.search_items(self._query(service, key)):
                item.delete()

        self._call(remove, "deleting a session")

    def close(self) -> None:
        """Close the D-Bus connection (a process that ends closes it anyway)."""
        with self._lock:
            self._drop(self._line)

    def describe(self) -> dict[str, Any]:
        """What the doctor reports about this store."""
        return {"backend": f"{__name__}.{type(self).__qualname__}", "name": self.name}
