"""Account pictures from the users' image URLs, fetched off the UI thread and cached.

Until a picture arrives (or when it cannot be had) the initials stand in.
Fetches are bounded (time, size, image types only) and never repeated for a
URL that failed.
"""

from __future__ import annotations

import base64
import logging
import queue
import threading

import shiboken6
from PySide6.QtCore import QObject, QRectF, Qt, Signal
from PySide6.QtGui import QIcon, QImage, QPainter, QPainterPath, QPixmap

log = logging.getLogger("switcher.gui")

MAX_BYTES = 1024 * 1024
TIMEOUT = 5.0


def _fetch(url: str) -> bytes | None:
    if url.startswith("data:image/") and ";base64," in url:
        try:
            return base64.b64decode(url.split(",", 1)[1], validate=True)[:MAX_BYTES]
        except ValueError:
            return None
    if not url.startswith(("https://", "http://")):
        return None
    import httpx

    try:
        with httpx.stream("GET", url, timeout=TIMEOUT, follow_redirects=True) as response:
            kind = response.headers.get("content-type", "")
            if response.status_code != 200 or not kind.startswith("image/"):
                return None
            data = b""
            for chunk in response.iter_bytes():
                data += chunk
                if len(data) > MAX_BYTES:
                    return None
            return data
    except httpx.HTTPError:
        return None


def _shown(url: str) -> str:
    """A picture's URL for the log: no data (a data: URL is the picture) and no query
    (a pre-signed storage URL carries its credentials there)."""
    if url.startswith("data:"):
        return f"a data: URL of {len(url)} characters"
    return url.split("?", 1)[0].split("#", 1)[0]


def round_icon(image: QImage) -> QIcon:
    icon = QIcon()
    for size in (16, 22, 24, 32, 48, 64):
        pixmap = QPixmap(size, size)
        pixmap.fill(Qt.GlobalColor.transparent)
        painter = QPainter(pixmap)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        path = QPainterPath()
        path.addEllipse(QRectF(0, 0, size, size))
        painter.setClipPath(path)
        scaled = image.scaled(
            size,
            size,
            Qt.AspectRatioMode.KeepAspectRatioByExpanding,
            Qt.TransformationMode.SmoothTransformation,
        )
        painter.drawImage(0, 0, scaled)
        painter.end()
        icon.addPixmap(pixmap)
    return icon


class ImageCache(QObject):
    loaded = Signal(str)  # url

    def __init__(self) -> None:
        super().__init__()
        self._icons: dict[str, QIcon] = {}
        self._tried: set[str] = set()
        self._arrived: dict[str, bytes] = {}
        self._lock = threading.Lock()
        self._queue: queue.Queue[str] = queue.Queue()
        self._stopped = False
        threading.Thread(target=self._run, name="switcher-images", daemon=True).start()
        self.loaded.connect(self._decode)

    def icon(self, url: str | None) -> QIcon | None:
        """The picture for ``url`` if it has arrived; asks for it otherwise."""
        if not url:
            return None
        if url in self._icons:
            return self._icons[url]
        if url not in self._tried:
            self._tried.add(url)
            self._queue.put(url)
        return None

    def stop(self) -> None:
        """No more pictures: the thread ends after the one it may be fetching."""
        with self._lock:
            self._stopped = True
        self._queue.put("")

    def _run(self) -> None:
        while True:
            url = self._queue.get()
            if not url:
                return
            data = _fetch(url)
            if data:
                with self._lock:
                    if self._stopped or not shiboken6.isValid(self):
                        return  # emitting from a deleted QObject would crash the process
                    self._arrived[url] = data
                    self.loaded.emit(url)

    def _decode(self, url: str) -> None:
        with self._lock:
            data = self._arrived.pop(url, b"")
        image = QImage.fromData(data)
        if image.isNull():
            log.info("not an image: %s", _shown(url))
            return
        self._icons[url] = round_icon(image)
