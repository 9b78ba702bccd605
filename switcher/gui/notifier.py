"""Desktop notifications through the desktop's own notification server, with actions.

On Linux desktops notifications are ``org.freedesktop.Notifications`` on the
session bus. Qt's ``QSystemTrayIcon.showMessage`` uses it too, but sends a
generic icon, no actions, and on a StatusNotifierItem panel also swaps the
tray icon for an "attention" light bulb while the message shows. So the app
talks to the server itself: its own name and icon, the desktop entry's hint,
and buttons ("Sign in again") whose clicks come back as ``invoked``.

The bus is spoken on a thread of its own (jeepney, blocking), never on the UI
thread: a notification server that hangs must not freeze the tray. Where
there is no server (no bus, or nobody owns the name), each notification goes
to ``unavailable`` instead, for the app to show its own way.
"""

from __future__ import annotations

import contextlib
import logging
import os
import queue
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, Signal

from switcher.app_identity import APP_ID, icon_file
from switcher.display_text import one_line, terminal_text

if TYPE_CHECKING:
    from jeepney.io.blocking import DBusConnection

log = logging.getLogger("switcher.gui")

SERVER = "org.freedesktop.Notifications"
PATH = "/org/freedesktop/Notifications"
DEFAULT_ACTION = "default"  # a click on the notification itself
CALL_TIMEOUT = 5.0
# How long a notification's buttons are listened for, at most.
ACTIONS_FOR = 600.0
POLL = 0.25
BODY_LIMIT = 400


@dataclass(frozen=True)
class Note:
    title: str
    message: str
    actions: tuple[tuple[str, str], ...] = ()  # (key, label)
    subject: str = ""  # what the actions act on (an email), given back with them
    tag: str = ""  # a new note with the same tag replaces the one shown


_NOTHING = Note("", "")  # the queue had nothing: only listen


@dataclass
class _Listening:
    subject: str
    until: float
    keys: set[str] = field(default_factory=set)


class Notifier(QObject):
    invoked = Signal(str, str)  # action key, subject
    unavailable = Signal(str, str)  # title, message: nobody shows notifications here
    sent = Signal(int)  # the server's id of a notification shown (for tests and logs)

    def __init__(self, app_name: str = "switcher") -> None:
        super().__init__()
        self.app_name = app_name
        self._queue: queue.Queue[Note | None] = queue.Queue()
        self._thread = threading.Thread(target=self._run, name="switcher-notify", daemon=True)
        self._started = False

    def show(
        self,
        title: str,
        message: str,
        *,
        actions: tuple[tuple[str, str], ...] = (),
        subject: str = "",
        tag: str = "",
    ) -> None:
        if not self._started:
            self._started = True
            self._thread.start()
        # The text may quote a server: its control characters go (as on a terminal).
        self._queue.put(Note(terminal_text(title), terminal_text(message), actions, subject, tag))

    def stop(self) -> None:
        if self._started:
            self._queue.put(None)

    # -- the bus thread -------------------------------------------------------------
    def _run(self) -> None:
        connection = self._connect()
        try:
            self._serve(connection)
        finally:
            if connection is not None:
                with contextlib.suppress(OSError):
                    connection.close()

    def _connect(self) -> DBusConnection | None:
        try:
            from jeepney.io.blocking import open_dbus_connection

            return open_dbus_connection(bus="SESSION")
        except Exception as error:  # no bus here (macOS, a bare X session): said once
            log.info("no session bus for notifications: %s", error)
            return None

    def _serve(self, connection: DBusConnection | None) -> None:
        listening: dict[int, _Listening] = {}
        replaced: dict[str, int] = {}  # tag -> id shown
        signals: deque[Any] = deque()
        with contextlib.ExitStack() as stack:
            if connection is not None:
                signals = stack.enter_context(self._subscribe(connection))
            while True:
                try:
                    note: Note | None = self._queue.get(timeout=POLL if listening else None)
                except queue.Empty:
                    note = _NOTHING
                if note is None:
                    return
                if note is not _NOTHING:
                    self._deliver(connection, note, replaced, listening)
                if listening and connection is not None:
                    self._hear(connection, signals, listening)

    def _deliver(
        self,
        connection: DBusConnection | None,
        note: Note,
        replaced: dict[str, int],
        listening: dict[int, _Listening],
    ) -> None:
        ident = (
            None if connection is None else self._send(connection, note, replaced.get(note.tag, 0))
        )
        if ident is None:
            self.unavailable.emit(note.title, note.message)
            return
        if note.tag:
            replaced[note.tag] = ident
        if note.actions:
            keys = {key for key, _label in note.actions}
            listening[ident] = _Listening(note.subject, time.monotonic() + ACTIONS_FOR, keys)
        self.sent.emit(ident)

    @contextlib.contextmanager
    def _subscribe(self, connection: DBusConnection) -> Any:
        from jeepney import MatchRule
        from jeepney.bus_messages import message_bus

        # The bus sends this connection only the server's own signals (it resolves
        # the name to its owner); the sender of each is then that owner's unique
        # name, which a filter here could not compare with the well-known one.
        on_bus = MatchRule(type="signal", sender=SERVER, interface=SERVER, path=PATH)
        here = MatchRule(type="signal", interface=SERVER, path=PATH)
        with connection.filter(here, bufsize=64) as signals:
            with contextlib.suppress(Exception):  # no match: no buttons, still notifications
                connection.send_and_get_reply(message_bus.AddMatch(on_bus), timeout=CALL_TIMEOUT)
            yield signals

    def _send(self, connection: DBusConnection, note: Note, replaces: int) -> int | None:
        from jeepney import DBusAddress, new_method_call

        flat: list[str] = []
        for key, label in note.actions:
            flat += [key, label]
        hints = {"desktop-entry": ("s", APP_ID)}
        message = new_method_call(
            DBusAddress(PATH, bus_name=SERVER, interface=SERVER),
            "Notify",
            "susssasa{sv}i",
            (
                self.app_name,
                replaces,
                _icon_path(),
                one_line(note.title),
                # The server's text, to the server's markup: kept short and literal.
                _escaped(note.message[:BODY_LIMIT]),
                flat,
                hints,
                -1,
            ),
        )
        try:
            reply = connection.send_and_get_reply(message, timeout=CALL_TIMEOUT)
        except Exception as error:  # a hung or gone server: the app shows it its own way
            log.info("the notification server did not answer: %s", error)
            return None
        if reply.header.message_type.name == "error":
            log.info("no notification server: %s", reply.body[:1])
            return None
        return int(reply.body[0])

    def _hear(
        self, connection: DBusConnection, signals: deque[Any], listening: dict[int, _Listening]
    ) -> None:
        """Buttons clicked and notifications closed, waiting ``POLL`` at most."""
        from jeepney import HeaderFields

        try:
            heard = [connection.recv_until_filtered(signals, timeout=POLL)]
        except TimeoutError:
            heard = []
        heard += [signals.popleft() for _ in range(len(signals))]
        for signal in heard:
            member = signal.header.fields.get(HeaderFields.member)
            body = signal.body
            if member == "ActionInvoked" and body and body[0] in listening:
                waiting = listening[body[0]]
                if body[1] in waiting.keys:
                    self.invoked.emit(str(body[1]), waiting.subject)
            elif member == "NotificationClosed" and body:
                listening.pop(body[0], None)
        now = time.monotonic()
        for ident in [i for i, w in listening.items() if w.until < now]:
            del listening[ident]


def _escaped(text: str) -> str:
    """Notification bodies may be read as markup: text from a server stays text."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _icon_path() -> str:
    """The app's icon as a file the notification server can read (a theme name would
    need the icon installed in the desktop's theme)."""
    try:
        path = icon_file()
    except ModuleNotFoundError:
        return ""
    return path if os.path.exists(path) else ""
