"""The app's end of its local channel (see ``switcher.app_channel``): one app per user.

A second launch asks the running app to show its window; the command line
asks it to switch accounts. Requests are read and answered on the UI thread
without waiting: a request that needs the network is handed to the
controller and answered when its job finishes.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, Signal
from PySide6.QtNetwork import QLocalServer, QLocalSocket

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


class InstanceServer(QObject):
    show_requested = Signal()

    def __init__(self, name: str | None = None) -> None:
        super().__init__()
        self.name = name or channel_name()
        self.handlers: dict[str, Handler] = {"show": self._show}
        self.server = QLocalServer(self)
        self.server.setSocketOptions(QLocalServer.SocketOption.UserAccessOption)
        # A crashed instance can leave its socket file behind; the instance
        # lock (held by the caller) says no live app owns it.
        QLocalServer.removeServer(self.name)
        self.listening = self.server.listen(self.name)
        if not self.listening:
            log.warning("cannot listen on %s: %s", self.name, self.server.errorString())
        self.server.newConnection.connect(self._connected)
        self._buffers: dict[QLocalSocket, bytes] = {}

    def handle(self, op: str, handler: Handler) -> None:
        self.handlers[op] = handler

    def _connected(self) -> None:
        while self.server.hasPendingConnections():
            socket = self.server.nextPendingConnection()
            self._buffers[socket] = b""
            socket.readyRead.connect(lambda s=socket: self._read(s))
            socket.disconnected.connect(lambda s=socket: self._forget(s))

    def _forget(self, socket: QLocalSocket) -> None:
        self._buffers.pop(socket, None)
        socket.deleteLater()

    def _read(self, socket: QLocalSocket) -> None:
        data = self._buffers.get(socket, b"") + bytes(socket.readAll().data())
        if b"\n" not in data and len(data) < MAX_LINE:
            self._buffers[socket] = data
            return
        self._buffers[socket] = b""
        socket.readyRead.disconnect()  # one request per connection
        request = parse_request(data.split(b"\n", 1)[0])
        reply = self._replier(socket)
        handler = self.handlers.get(str(request.get("op")))
        if request.get("v") != VERSION or handler is None:
            reply(ok=False, unsupported=True, error="this switcher app cannot do that")
            return
        try:
            handler(request, reply)
        except Exception:
            log.exception("request %s failed", request.get("op"))
            reply(ok=False, error="the switcher app failed to handle the request")

    def _replier(self, socket: QLocalSocket) -> Reply:
        def reply(**fields: Any) -> None:
            # The asker may have given up (Ctrl+C, its own timeout) while the job
            # ran: its socket is then disconnected and deleted; nothing to say.
            if socket not in self._buffers:
                return
            if socket.state() != QLocalSocket.LocalSocketState.ConnectedState:
                return
            socket.write(encode_answer(**fields))
            socket.flush()
            socket.disconnectFromServer()

        return reply

    def _show(self, request: dict[str, Any], reply: Reply) -> None:
        self.show_requested.emit()
        reply(ok=True)

    def close(self) -> None:
        self.server.close()
