"""Reading a browser's SQLite cookie store from a copy, also while the browser runs.

The database and its ``-wal``/``-journal`` companions are copied into a
private temporary directory and the copy is read (SQLite replays a copied
WAL). The profile itself is never opened, locked or written. A copy taken
while the browser writes may catch the WAL mid-checkpoint: it is taken again.
"""

from __future__ import annotations

import shutil
import sqlite3
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from switcher.browsers import CookieReadError

T = TypeVar("T")
COPY_ATTEMPTS = 3
COMPANIONS = ("-wal", "-journal")


def read_from_copy(db: Path, read: Callable[[Path], T], unreadable: str) -> T:
    """``read(copy)`` of ``db``; ``unreadable`` names what it is not, if no copy reads."""
    last: sqlite3.Error | None = None
    for _ in range(COPY_ATTEMPTS):
        with tempfile.TemporaryDirectory(prefix="switcher-cookies-") as scratch:
            copy = Path(scratch) / db.name
            try:
                shutil.copyfile(db, copy)
                for suffix in COMPANIONS:
                    companion = db.with_name(db.name + suffix)
                    if companion.is_file():
                        shutil.copyfile(companion, copy.with_name(copy.name + suffix))
            except OSError as error:
                raise CookieReadError(f"cannot read {db}: {error.strerror}") from None
            try:
                return read(copy)
            except sqlite3.DatabaseError as error:
                last = error
    raise CookieReadError(f"{db} cannot be read as {unreadable} ({last})")
