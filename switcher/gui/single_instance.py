"""One app per user: a second launch asks the running one to show its window, then exits."""

from __future__ import annotations

import getpass
import hashlib

from PySide6.QtCore import QObject, Signal
from PySide6.QtNetwork import QLocalServer, QLocalSocket

from switcher.paths import config_dir

_TIMEOUT_MS = 500


def channel_name() -> str:
    """One channel per user and configuration (tests and profiles get their own)."""
    try:
        user = getpass.getuser()
    except (KeyError, OSError):
        user = "user"
    profile = hashlib.sha256(str(config_dir()).encode()).hexdigest()[:10]
    return f"switcher-{user}-{profile}"


def ask_running_instance_to_show(name: str | None = None) -> bool:
    """True when another instance answered (it will show its window)."""
    socket = QLocalSocket()
    socket.connectToServer(name or channel_name())
    if not socket.waitForConnected(_TIMEOUT_MS):
        return False
    socket.write(b"show\n")
    socket.flush()
    socket.waitForBytesWritten(_TIMEOUT_MS)
    socket.disconnectFromServer()
    return True


class InstanceServer(QObject):
    show_requested = Signal()

    def __init__(self, name: str | None = None) -> None:
        super().__init__()
        self.name = name or channel_name()
        self.server = QLocalServer(self)
        # A crashed instance can leave its socket file behind.
        QLocalServer.removeServer(self.name)
        self.server.listen(self.name)
        self.server.newConnection.connect(self._connected)

    def _connected(self) -> None:
        while self.server.hasPendingConnections():
            socket = self.server.nextPendingConnection()
            socket.readyRead.connect(lambda s=socket: self._read(s))

    def _read(self, socket: QLocalSocket) -> None:
        if bytes(socket.readAll().data()).strip() == b"show":
            self.show_requested.emit()
        socket.disconnectFromServer()

    def close(self) -> None:
        self.server.close()
