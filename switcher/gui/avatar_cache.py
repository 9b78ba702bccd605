"""Account pictures drawn once and kept as PNG files, so the idle tray never loads fonts.

Initials need text, and Qt's first text loads the font machinery (fontconfig's
configuration and caches, FreeType, glyph caches): ~3.5 MiB that the tray
would carry for as long as it runs, for a dozen letters. The pictures are
drawn the first time an account is seen (or its initials, colour or the
desktop's font change) and read back as plain images on every later start.

A file is named by a digest of everything its picture depends on, so a
stale one is simply never asked for again; the directory is pruned when it
grows. Nothing in it is secret: two letters on a colour.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import qVersion
from PySide6.QtGui import QGuiApplication, QPixmap

log = logging.getLogger("switcher.gui")

FORMAT = "1"  # drawing code changed: bump, and every picture is drawn again
KEEP = 400  # pictures kept when pruning (12 per account: 6 sizes, with and without ring)
PRUNE_AT = 2 * KEEP


class AvatarCache:
    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.drawn = 0  # pictures that had to be drawn (and so loaded fonts)

    def _path(self, parts: tuple[object, ...]) -> Path:
        app = QGuiApplication.instance()
        # The application font as requested (a string: nothing is resolved, so
        # no font is loaded): another desktop font gives other pictures.
        font = QGuiApplication.font().toString() if app is not None else ""
        key = "|".join(map(str, (FORMAT, qVersion(), font, *parts)))
        return self.directory / f"{hashlib.sha256(key.encode()).hexdigest()[:32]}.png"

    def pixmap(self, parts: tuple[object, ...], draw: Callable[[], QPixmap]) -> QPixmap:
        """The picture ``parts`` describes: read back, or ``draw()``-n and kept."""
        path = self._path(parts)
        picture = QPixmap()
        if path.is_file() and picture.load(str(path)):
            with contextlib.suppress(OSError):
                os.utime(path)  # used: the pruning keeps it
            return picture
        picture = draw()
        self.drawn += 1
        self._keep(picture, path)
        return picture

    def _keep(self, picture: QPixmap, path: Path) -> None:
        # A cache that cannot be written (read-only home, full disk) only
        # costs the memory it would have saved.
        temporary = path.with_name(f".{path.name}.{os.getpid()}")
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
            if not picture.save(str(temporary), "PNG"):
                raise OSError(f"cannot write {temporary}")
            # Whole or absent: another switcher may be reading the same name.
            os.replace(temporary, path)
        except OSError as error:
            log.debug("account picture not kept: %s", error)
            with contextlib.suppress(OSError):
                temporary.unlink()
            return
        self._prune()

    def _prune(self) -> None:
        """Past PRUNE_AT pictures, the ones least recently used go (pictures of
        accounts long gone, of earlier initials or fonts)."""
        try:
            entries = [entry for entry in os.scandir(self.directory) if entry.name.endswith(".png")]
            if len(entries) <= PRUNE_AT:
                return
            entries.sort(key=lambda entry: entry.stat().st_mtime, reverse=True)
            for entry in entries[KEEP:]:
                os.unlink(entry.path)
        except OSError as error:
            log.debug("account pictures not pruned: %s", error)
