"""The freedesktop Secret Service, spoken directly: where Linux keeps session cookies.

On Linux the ``keyring`` package ends up here anyway (GNOME Keyring,
KeePassXC, KWallet 5.97 and newer all serve the Secret Service), but it gets
there slowly for a command that starts only to switch an account: importing
keyring and letting it load every installed backend to compare their
priorities costs ~170 ms, and each call then opens its own D-Bus connection
and its own encrypted session. This store speaks the protocol over ``jeepney``
(the D-Bus library keyring uses) with one connection and one encrypted
session per process; the encryption is ``transfer_session``'s, without the
``cryptography`` package that ``secretstorage`` would keep in memory.

Items are stored exactly as keyring's Secret Service backend stores them: the
same attributes (``service``, ``username``, ``application``), label, content
type and collection (the default one). An entry written by an earlier
switcher, by keyring, or by this class is the same entry, whichever reads it.

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

    from switcher.secrets.transfer_session import TransferCipher

T = TypeVar("T")

# What keyring's backend writes into ``application``: kept, so both see one entry.
APPLICATION = "Python keyring library"
CONTENT_TYPE = "text/plain"

BUS_NAME = "org.freedesktop.secrets"
SERVICE_PATH = "/org/freedesktop/secrets"
DEFAULT_COLLECTION = "/org/freedesktop/secrets/aliases/default"
_PREFIX = "org.freedesktop.Secret."
_NO_PROMPT = "/"

# The daemon, or the bus on its behalf, says no Secret Service is there.
_ABSENT = (
    "org.freedesktop.DBus.Error.ServiceUnknown",
    "org.freedesktop.DBus.Error.NoReply",
    "org.freedesktop.DBus.Error.Spawn.ExecFailed",
    "org.freedesktop.DBus.Error.Spawn.ChildExited",
)
_NO_SUCH_OBJECT = (
    "org.freedesktop.Secret.Error.NoSuchObject",
    "org.freedesktop.DBus.Error.UnknownObject",
    "org.freedesktop.DBus.Error.UnknownMethod",
)


class SecretServiceUnavailableError(Exception):
    """No Secret Service answers on the session bus (a fallback may still exist)."""


class _Dismissed(Exception):
    """The person dismissed an unlock (or create) prompt, or the keyring stays locked."""


class _Line:
    """One D-Bus connection and what was opened on it (the encrypted session, the collection).

    A call that timed out may still be running in its abandoned thread: it only
    ever touches its own line, which the store has cut and replaced by then.
    """

    def __init__(self) -> None:
        from jeepney.io.blocking import open_dbus_connection

        try:
            self.connection: DBusConnection = open_dbus_connection(bus="SESSION")
        except (KeyError, ValueError, OSError) as error:
            # KeyError: no DBUS_SESSION_BUS_ADDRESS; ValueError: one jeepney cannot use.
            raise SecretServiceUnavailableError(f"no session bus ({error})") from None
        self.session_path: str | None = None
        self.cipher: TransferCipher | None = None
        self.collection_path: str | None = None
        try:
            if not self._service_is_there():
                raise SecretServiceUnavailableError("no Secret Service on the session bus")
        except BaseException:
            self.cut()
            raise

    def _service_is_there(self) -> bool:
        """Running, or started by the bus on the first call (D-Bus activation)."""
        from jeepney import message_bus

        (owned,) = self.call(message_bus, "NameHasOwner", "s", (BUS_NAME,))
        if owned:
            return True
        (activatable,) = self.call(message_bus, "ListActivatableNames")
        return BUS_NAME in activatable

    def call(
        self, address: Any, method: str, signature: str | None = None, body: tuple[Any, ...] = ()
    ) -> tuple[Any, ...]:
        """A method call's reply body; ``DBusErrorResponse`` for an error reply."""
        from jeepney import DBusErrorResponse, MessageType, new_method_call

        reply = self.connection.send_and_get_reply(
            new_method_call(address, method, signature, body)
        )
        if reply.header.message_type == MessageType.error:
            raise DBusErrorResponse(reply)
        return tuple(reply.body)

    def on(
        self, path: str, interface: str, method: str, signature: str | None = None, *body: Any
    ) -> tuple[Any, ...]:
        """``method`` of the Secret Service's ``interface`` on the object at ``path``."""
        from jeepney import DBusAddress

        return self.call(DBusAddress(path, BUS_NAME, _PREFIX + interface), method, signature, body)

    def _property(self, path: str, interface: str, name: str) -> Any:
        from jeepney import DBusAddress

        address = DBusAddress(path, BUS_NAME, "org.freedesktop.DBus.Properties")
        ((_signature, value),) = self.call(address, "Get", "ss", (_PREFIX + interface, name))
        return value

    def prompt(self, prompt: str, timeout: float) -> Any:
        """Show a prompt (unlock, create) and wait for its answer; the result when accepted."""
        from jeepney import MatchRule, message_bus

        if prompt == _NO_PROMPT:
            return None
        rule = MatchRule(
            type="signal", interface=_PREFIX + "Prompt", member="Completed", path=prompt
        )
        # Asked for, not only filtered here: the bus delivers a broadcast signal
        # only to connections that have a match rule for it.
        self.call(message_bus, "AddMatch", "s", (rule.serialise(),))
        with self.connection.filter(rule) as completions:
            self.on(prompt, "Prompt", "Prompt", "s", "")  # no parent window to name
            completed = self.connection.recv_until_filtered(completions, timeout=timeout)
        dismissed, (_signature, result) = completed.body
        if dismissed:
            raise _Dismissed
        return result

    def open_session(self) -> TransferCipher:
        """The encrypted session every secret on this line travels in (one per line)."""
        from switcher.secrets.transfer_session import ALGORITHM, TransferKeys

        if self.cipher is None:
            keys = TransferKeys()
            (_signature, server_public), path = self.on(
                SERVICE_PATH, "Service", "OpenSession", "sv", ALGORITHM, ("ay", keys.public)
            )
            self.cipher, self.session_path = keys.agree(bytes(server_public)), path
        return self.cipher

    def collection(self, timeout: float) -> str:
        """The default collection's path, unlocked (an unlock prompt may show on a desktop)."""
        from jeepney import DBusErrorResponse

        if self.collection_path is None:
            self.open_session()
            try:
                self._property(DEFAULT_COLLECTION, "Collection", "Locked")
                self.collection_path = DEFAULT_COLLECTION
            except DBusErrorResponse as error:
                if error.name not in _NO_SUCH_OBJECT:
                    raise
                # No default collection yet (a fresh account): make one, as keyring does.
                properties = {_PREFIX + "Collection.Label": ("s", "Default")}
                made, prompt = self.on(
                    SERVICE_PATH, "Service", "CreateCollection", "a{sv}s", properties, "default"
                )
                self.collection_path = made if made != _NO_PROMPT else self.prompt(prompt, timeout)
        assert self.collection_path is not None
        self.unlock(self.collection_path, "Collection", timeout)
        return self.collection_path

    def unlock(self, path: str, interface: str, timeout: float) -> None:
        if not self._property(path, interface, "Locked"):
            return
        _unlocked, prompt = self.on(SERVICE_PATH, "Service", "Unlock", "ao", [path])
        self.prompt(prompt, timeout)
        if self._property(path, interface, "Locked"):
            raise _Dismissed

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


def _gone_under_us(error: BaseException) -> bool:
    """Whether ``error`` says the daemon that served this line is not the one there now."""
    name = getattr(error, "name", None)
    return (isinstance(name, str) and name in _FORGOTTEN) or isinstance(error, ConnectionError)


class SecretServiceSecrets:
    """Session cookies in the Secret Service's default collection, over one D-Bus connection."""

    name = "Secret Service"

    def __init__(self, timeout: float) -> None:
        import jeepney  # noqa: F401  ImportError: no jeepney, the caller falls back

        self.timeout = timeout
        self.calls = 0
        self._lock = threading.Lock()
        self._line: _Line | None = None
        try:
            self._line = with_timeout(_Line, timeout, "looking for the Secret Service")
        except SecretStoreError:
            raise
        except OSError as error:
            raise SecretServiceUnavailableError(str(error)) from None

    def _drop(self, line: _Line | None) -> None:
        """After a timeout or a broken bus: this line is done; the next call opens a new one."""
        if line is not None:
            line.cut()
        if self._line is line:
            self._line = None

    def _call(self, operation: Callable[[_Line, str], T], what: str) -> T:
        """``operation(line, collection_path)`` on an unlocked default collection."""
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
                    line = self._line = with_timeout(_Line, self.timeout, what)
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
        except (_Dismissed, TimeoutError):
            # TimeoutError: an unlock prompt nobody answered within the timeout.
            raise KeyringLockedError(
                f"the keyring is locked ({what}); unlock it and retry"
            ) from None
        except SecretServiceUnavailableError:
            self._drop(line)
            raise NoKeyringError(NO_KEYRING_HINT) from None
        except Exception as error:
            self._drop(line)
            if getattr(error, "name", None) in _ABSENT:
                raise NoKeyringError(NO_KEYRING_HINT) from None
            if getattr(error, "name", None) == _PREFIX + "Error.IsLocked":
                raise KeyringLockedError(
                    f"the keyring is locked ({what}); unlock it and retry"
                ) from None
            # The bus or the service went away, or the service refused the call.
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

        def open_all(line: _Line, _collection: str) -> None:
            line.open_session().seal(b"")

        self._call(open_all, "opening the keyring")

    @staticmethod
    def _query(service: str, key: str) -> dict[str, str]:
        return {"service": service, "username": key}

    def _items(self, line: _Line, collection: str, service: str, key: str) -> list[str]:
        (found,) = line.on(
            collection, "Collection", "SearchItems", "a{ss}", self._query(service, key)
        )
        return list(found)

    def get(self, service: str, key: str) -> str | None:
        def read(line: _Line, collection: str) -> str | None:
            for item in self._items(line, collection, service, key):
                line.unlock(item, "Item", self.timeout)
                cipher = line.open_session()
                ((_session, iv, sealed, _type),) = line.on(
                    item, "Item", "GetSecret", "o", line.session_path
                )
                return cipher.open(bytes(iv), bytes(sealed)).decode("utf-8")
            return None

        return self._call(read, "reading a session")

    def set(self, service: str, key: str, value: str) -> None:
        def write(line: _Line, collection: str) -> None:
            attributes = {**self._query(service, key), "application": APPLICATION}
            properties = {
                _PREFIX + "Item.Label": ("s", f"Password for '{key}' on '{service}'"),
                _PREFIX + "Item.Attributes": ("a{ss}", attributes),
            }
            iv, sealed = line.open_session().seal(value.encode("utf-8"))
            secret = (line.session_path, iv, sealed, CONTENT_TYPE)
            _item, prompt = line.on(
                collection, "Collection", "CreateItem", "a{sv}(oayays)b", properties, secret, True
            )
            line.prompt(prompt, self.timeout)

        self._call(write, "saving a session")

    def delete(self, service: str, key: str) -> None:
        def remove(line: _Line, collection: str) -> None:
            # Already gone is fine: the goal is reached.
            for item in self._items(line, collection, service, key):
                (prompt,) = line.on(item, "Item", "Delete")
                line.prompt(prompt, self.timeout)

        self._call(remove, "deleting a session")

    def close(self) -> None:
        """Close the D-Bus connection (a process that ends closes it anyway)."""
        with self._lock:
            self._drop(self._line)

    def describe(self) -> dict[str, Any]:
        """What the doctor reports about this store."""
        return {"backend": f"{__name__}.{type(self).__qualname__}", "name": self.name}


def _on(line: _Line, operation: Callable[[_Line, str], T], timeout: float) -> T:
    return operation(line, line.collection(timeout))
