"""Notices when another process (the command line) saves the account index.

The index is replaced by a rename, which the config directory's watch
reports; a short pause gathers the burst of events one save makes (temp file,
backup link, rename) into one reload.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QFileSystemWatcher, QObject, QTimer, Signal

from switcher.private_files import private_dir

SETTLE_MS = 30


class IndexWatcher(QObject):
    changed = Signal()

    def __init__(self, config_dir: Path, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._settle = QTimer(self)
        self._settle.setSingleShot(True)
        self._settle.setInterval(SETTLE_MS)
        self._settle.timeout.connect(self.changed)
        self._watcher = QFileSystemWatcher(self)
        try:
            private_dir(config_dir)  # a directory must exist to be watched
        except OSError:
            return  # the next save reports why; the periodic refresh still runs
        self._watcher.addPath(str(config_dir))
        self._watcher.directoryChanged.connect(lambda _path: self._settle.start())

    @property
    def watching(self) -> bool:
        return bool(self._watcher.directories())
