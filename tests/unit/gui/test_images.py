"""Account pictures load off the UI thread; initials stand in until then, or for good."""

from __future__ import annotations

import base64

from PySide6.QtCore import QBuffer, QByteArray, QIODevice
from PySide6.QtGui import QColor, QIcon, QImage
from pytestqt.qtbot import QtBot

from switcher.gui.images import ImageCache
from tests.support.fault_server import FaultServer, http_response


def _png(colour: str) -> bytes:
    image = QImage(8, 8, QImage.Format.Format_RGB32)
    image.fill(QColor(colour))
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    image.save(buffer, "PNG")  # type: ignore[call-overload]  # the stubs disagree with the binding
    buffer.close()
    return bytes(data.data())


def _centre(icon: QIcon) -> str:
    return icon.pixmap(32, 32).toImage().pixelColor(16, 16).name()


def test_a_picture_from_a_url_replaces_the_initials(qtbot: QtBot) -> None:
    cache = ImageCache()
    with FaultServer(http_response(200, _png("#ff0000"), "image/png")) as server:
        url = f"{server.base_url}/avatar.png"
        assert cache.icon(url) is None  # asked for, not there yet
        qtbot.waitUntil(lambda: cache.icon(url) is not None, timeout=5000)
        assert _centre(cache.icon(url)) == "#ff0000"  # type: ignore[arg-type]
        assert len(server.requests) == 1


def test_data_urls_load_and_bad_urls_are_tried_once(qtbot: QtBot) -> None:
    cache = ImageCache()
    data_url = "data:image/png;base64," + base64.b64encode(_png("#00ff00")).decode()
    qtbot.waitUntil(lambda: cache.icon(data_url) is not None, timeout=5000)
    assert _centre(cache.icon(data_url)) == "#00ff00"  # type: ignore[arg-type]
    with FaultServer(http_response(200, b"<html>no</html>", "text/html")) as server:
        url = f"{server.base_url}/not-an-image"
        for _ in range(5):
            assert cache.icon(url) is None
            qtbot.wait(100)
        assert len(server.requests) == 1
    assert cache.icon("file:///etc/passwd") is None
    assert cache.icon(None) is None
