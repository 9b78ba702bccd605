"""Another process holding a SQLite database's write lock, as better-auth or a CLI may."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from tests.support.processes import terminate_group

_HOLDER = """
import sqlite3, sys, time
db = sqlite3.connect(sys.argv[1], isolation_level=None, timeout=30)
db.execute("begin immediate")
print("held", flush=True)
time.sleep(float(sys.argv[2]))
db.execute("commit")
db.close()
print("released", flush=True)
"""


@contextmanager
def holding_write_lock(path: Path, seconds: float) -> Iterator[subprocess.Popen[str]]:
    """A process that takes the write lock (``BEGIN IMMEDIATE``) on ``path`` for ``seconds``.

    The block starts once the lock is held; ``proc.wait()`` waits for its release.
    """
    proc = subprocess.Popen(
        [sys.executable, "-c", _HOLDER, str(path), str(seconds)],
        stdout=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    try:
        assert proc.stdout is not None
        assert proc.stdout.readline().strip() == "held", "the lock holder did not start"
        yield proc
    finally:
        terminate_group(proc)
        if proc.stdout is not None:
            proc.stdout.close()
