"""The app's end of its local channel (see ``switcher.app_channel``): one app per user.

A second launch asks the running app to show its window; the command line
asks it to switch accounts. Requests are read and answered on the UI thread
without waiting: a request that needs the network is handed to the
controller and answered when its job finishes.
"""

from __future__ import annotations

import contextlib
import logging
import os
import socket
import time
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QSocketNotifier, Signal

from switcher.app_channel import MAX_LINE, VERSION, ask, channel_name, encode_answer, parse_request

log = logging.getLogger("switcher.gui")

Reply = Callable[..., None]
Handler = Callable[[dict[str, Any], Reply], None]


def ask_running_instance_to_show(name: str | None = None, wait: float = 0.0) -> bool:
    """True when a running app answered (it shows its window).

    ``wait``: keep trying that long, for an app that is starting and does
    not listen yet (two launches at the same moment).
    """
    deadline = time.monotonic() + wait
    while True:
        try:
            answer = _ask_show(name)
        except Exception:  # a broken channel is no reason not to start
            log.info("could not ask a running app to show its window", exc_info=True)
            answer = None
        if answer is not None or time.monotonic() >= deadline:
            return answer is not None
        time.sleep(0.05)


def _ask_show(name: str | None) -> dict[str, Any] | None:
    return ask({"op": "show"}, timeout=2.0, name=name)


class _Connection:
    """One asker's connection: what it sent so far, and how to answer it."""

    def __init__(self, sock: Any, notifier: Any) -> None:
        self.sock = sock
        self.notifier = notifier  # kept alive with the connection
        self.data = b""
        self.unsent = b""
        self.asked = False  # its one request line has come
        self.open = True


class InstanceServer(QObject):
    """Listens on the app's channel; each request goes to the handler of its ``op``.

    On POSIX the channel is a Unix socket watched by ``QSocketNotifier``:
    QtNetwork's QLocalServer does the same and would keep ~3 MiB of library
    resident for the life of the tray. On Windows (a named pipe) it is
    QLocalServer.
    """

    show_requested = Signal()

    def __init__(self, name: str | None = None) -> None:
        super().__init__()
        self.name = name or channel_name()
        self.handlers: dict[str, Handler] = {"show": self._show}
        self._connections: dict[int, _Connection] = {}
        self._listener: socket.socket | None = None
        self._qt_server: Any = None
        if os.name == "nt":
            self.listening = self._listen_with_qt()
        else:
            self.listening = self._listen()

    # -- POSIX: a Unix socket --------------------------------------------------

    def _listen(self) -> bool:
        listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            # A crashed instance can leave its socket file behind; the instance
            # lock (held by the caller) says no live app owns it.
            with contextlib.suppress(FileNotFoundError):
                os.unlink(self.name)
            # Only this user may connect: the socket is made 0600 from the start.
            old_mask = os.umask(0o177)
            try:
                listener.bind(self.name)
            finally:
                os.umask(old_mask)
            listener.listen(16)
            listener.setblocking(False)
        except OSError as error:
            listener.close()
            log.warning("cannot listen on %s: %s", self.name, error.strerror or error)
            return False
        self._listener = listener
        self._accepting = QSocketNotifier(listener.fileno(), QSocketNotifier.Type.Read, self)
        self._accepting.activated.connect(lambda *_: self._accept())
        return True

    def _accept(self) -> None:
        assert self._listener is not None
        while True:
            try:
                sock, _ = self._listener.accept()
            except (BlockingIOError, InterruptedError):
                return
            except OSError as error:  # out of descriptors: the asker sees a refusal
                log.warning("cannot take a request on %s: %s", self.name, error)
                return
            sock.setblocking(False)
            notifier = QSocketNotifier(sock.fileno(), QSocketNotifier.Type.Read, self)
            connection = _Connection(sock, notifier)
            self._connections[sock.fileno()] = connection
            # activated carries (socket, type): neither is needed here.
            notifier.activated.connect(lambda *_, c=connection: self._receive(c))

    def _receive(self, connection: _Connection) -> None:
        try:
            chunk = connection.sock.recv(MAX_LINE)
        except (BlockingIOError, InterruptedError):
            return
        except OSError:
            chunk = b""
        if not chunk:  # the asker went away (or sent half a line and closed)
            self._forget(connection)
            return
        if connection.asked:
            return  # one request per connection: more is ignored, its end still noticed
        connection.data += chunk
        if b"\n" not in connection.data and len(connection.data) < MAX_LINE:
            return
        connection.asked = True
        line = connection.data.split(b"\n", 1)[0]
        connection.data = b""
        self._dispatch(line, self._replier(connection))

    def _replier(self, connection: _Connection) -> Reply:
        def reply(**fields: Any) -> None:
            # The asker may have given up (Ctrl+C, its own timeout) while the job
            # ran: its connection is then forgotten; nothing to say.
            if not connection.open:
                return
            connection.unsent = encode_answer(**fields)
            self._send(connection)

        return reply

    def _send(self, connection: _Connection) -> None:
        try:
            sent = connection.sock.send(connection.unsent)
        except (BlockingIOError, InterruptedError):
            sent = 0
        except OSError:  # the asker closed its end meanwhile
            self._forget(connection)
            return
        connection.unsent = connection.unsent[sent:]
        if not connection.unsent:
            self._forget(connection)
            return
        # A full socket buffer: the rest goes when the asker reads; never wait here.
        writable = QSocketNotifier(connection.sock.fileno(), QSocketNotifier.Type.Write, self)
        writable.activated.connect(lambda *_: self._send(connection))
        connection.notifier.setEnabled(False)
        connection.notifier.deleteLater()
        connection.notifier = writable

    def _forget(self, connection: _Connection) -> None:
        if not connection.open:
            return
        connection.open = False
        connection.notifier.setEnabled(False)
        connection.notifier.deleteLater()
        self._connections.pop(connection.sock.fileno(), None)
        with contextlib.suppress(OSError):
            connection.sock.shutdown(socket.SHUT_RDWR)
        connection.sock.close()

    # -- Windows: a named pipe, through QtNetwork ------------------------------

    def _listen_with_qt(self) -> bool:
        from PySide6.QtNetwork import QLocalServer

        server = self._qt_server = QLocalServer(self)
        server.setSocketOptions(QLocalServer.SocketOption.UserAccessOption)
        QLocalServer.removeServer(self.name)
        listening = bool(server.listen(self.name))
        if not listening:
            log.warning("cannot listen on %s: %s", self.name, server.errorString())
        server.newConnection.connect(self._qt_connected)
        return listening

    def _qt_connected(self) -> None:
        from PySide6.QtNetwork import QLocalSocket

        while self._qt_server.hasPendingConnections():
            pipe = self._qt_server.nextPendingConnection()
            received = [b""]

            def read(pipe: Any = pipe, received: list[bytes] = received) -> None:
                received[0] += bytes(pipe.readAll().data())
                if b"\n" not in received[0] and len(received[0]) < MAX_LINE:
                    return
                pipe.readyRead.disconnect()  # one request per connection
                self._dispatch(received[0].split(b"\n", 1)[0], answer)

            def answer(pipe: Any = pipe, **fields: Any) -> None:
                if pipe.state() != QLocalSocket.LocalSocketState.ConnectedState:
                    return  # the asker gave up meanwhile
                pipe.write(encode_answer(**fields))
                pipe.flush()
                pipe.disconnectFromServer()

            pipe.readyRead.connect(read)
            pipe.disconnected.connect(pipe.deleteLater)

    # -- both ------------------------------------------------------------------

    def handle(self, op: str, handler: Handler) -> None:
        self.handlers[op] = handler

    def _dispatch(self, line: bytes, reply: Reply) -> None:
        request = parse_request(line)
        handler = self.handlers.get(str(request.get("op")))
        if request.get("v") != VERSION or handler is None:
            reply(ok=False, unsupported=True, error="this switcher app cannot do that")
            return
        try:
            handler(request, reply)
        except Exception:
            log.exception("request %s failed", request.get("op"))
            reply(ok=False, error="the switcher app failed to handle the request")

    def _show(self, request: dict[str, Any], reply: Reply) -> None:
        self.show_requested.emit()
        reply(ok=True)

    def close(self) -> None:
        for connection in list(self._connections.values()):
            self._forget(connection)
        if self._listener is not None:
            self._accepting.setEnabled(False)
            self._listener.close()
            self._listener = None
            with contextlib.suppress(OSError):
                os.unlink(self.name)
        if self._qt_server is not None:
            self._qt_server.close()
