"""Notices when another process (the command line) saves the account index.

The index is replaced by a rename, which the config directory's watch
reports; a short pause gathers the burst of events one save makes (temp file,
backup link, rename) into one reload.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QFileSystemWatcher, QObject, QTimer, Signal

from switcher.paths import private_dir

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
        self._index = str(config_dir / "accounts.json")
        try:
            private_dir(config_dir)  # a directory must exist to be watched
        except OSError:
            return  # the next save reports why; the periodic refresh still runs
        # The directory reports switcher's own saves (a rename into it); the file
        # itself reports an edit in place (a restored copy, a hand edit).
        self._watcher.addPath(str(config_dir))
        self._watch_the_file()
        self._watcher.directoryChanged.connect(self._directory_changed)
        self._watcher.fileChanged.connect(self._file_changed)

    def _watch_the_file(self) -> None:
        # A save renames a new file over the old one: the watch on the old inode
        # is over, whatever the watcher's list still says, so watch the path anew.
        if self._index in self._watcher.files():
            self._watcher.removePath(self._index)
        if Path(self._index).exists():
            self._watcher.addPath(self._index)

    def _directory_changed(self, _path: str) -> None:
        self._watch_the_file()
        self._settle.start()

    def _file_changed(self, _path: str) -> None:
        self._settle.start()

    @property
    def watching(self) -> bool:
        return bool(self._watcher.directories())
