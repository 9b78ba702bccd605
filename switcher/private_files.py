"""Owner-only files written crash-safe, and a lock held across processes and threads.

A file written here is never seen half-written or missing by a reader: the
new content goes to a temporary file that is fsynced and then renamed over the
old one (``os.replace`` is atomic), and the directory is fsynced so the rename
itself survives a power cut. A backup of the previous version is made by hard
link (or copy), never by renaming the live file away.
"""

from __future__ import annotations

import contextlib
import errno
import os
import stat
import threading
import time
from pathlib import Path
from typing import IO, Any, ClassVar

PRIVATE_FILE = 0o600
_REPLACE_RETRY_S = 2.0  # Windows refuses to replace a file another process has open


def make_private(path: Path) -> None:
    """Owner-only (0600) for a file that may have been made by someone else's umask."""
    if os.name == "posix" and stat.S_IMODE(path.stat().st_mode) & 0o077:
        os.chmod(path, PRIVATE_FILE)


def fsync_dir(path: Path) -> None:
    """Make a rename in ``path`` durable (POSIX; Windows has no directory handles to sync)."""
    if os.name != "posix":
        return
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _temp_beside(path: Path) -> Path:
    # os.urandom, not the secrets module: a unique name, and secrets' import
    # (hmac, OpenSSL) would cost every command for nothing.
    return path.with_name(f".{path.name}.{os.getpid()}.{os.urandom(4).hex()}.tmp")


def _write_new(path: Path, data: bytes) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o600)
    try:
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view) :]
        os.fsync(fd)
    finally:
        os.close(fd)


def replace(source: Path, target: Path) -> None:
    """``os.replace``, retried briefly on Windows, which refuses while another process reads."""
    deadline = time.monotonic() + _REPLACE_RETRY_S
    while True:
        try:
            os.replace(source, target)
            return
        except PermissionError:
            if os.name != "nt" or time.monotonic() > deadline:
                raise
            time.sleep(0.01)


def copy_aside(path: Path, target: Path) -> bool:
    """Make ``target`` a copy of ``path`` as it is now, atomically; False if ``path`` is absent.

    A hard link costs no copy and shares the (0600) mode; file systems without
    links get a byte copy. Either way ``path`` itself is never moved.
    """
    temp = _temp_beside(target)
    try:
        os.link(path, temp)
    except FileNotFoundError:
        return False
    except OSError:
        try:
            with open(path, "rb") as source:
                data = source.read()
        except FileNotFoundError:
            return False
        _write_new(temp, data)
    try:
        replace(temp, target)
    finally:
        # rename() of two links to one file does nothing and succeeds (POSIX):
        # the backup already was this version, and the temporary link remains.
        with contextlib.suppress(FileNotFoundError):
            temp.unlink()
    return True


def write_atomic(path: Path, data: bytes, *, backup: Path | None = None) -> None:
    """Replace ``path`` with ``data`` (0600); the previous version becomes ``backup``.

    A reader sees the old file or the new one, never a partial or missing one;
    a crash at any point leaves one of the two in place.
    """
    temp = _temp_beside(path)
    try:
        _write_new(temp, data)
        if backup is not None:
            copy_aside(path, backup)
        replace(temp, path)
    except OSError:
        with contextlib.suppress(OSError):
            temp.unlink()
        raise
    # The new version is in place; making the rename durable is the last step,
    # and a file system that cannot sync a directory (EINVAL on some) must not
    # turn a write that happened into a reported failure.
    with contextlib.suppress(OSError):
        fsync_dir(path.parent)


class LockTimeoutError(OSError):
    """Another process (or thread) held the lock for longer than the wait allowed."""


class FileLock:
    """An exclusive lock held across processes (flock, or msvcrt on Windows) and threads.

    The thread lock comes first: where flock is emulated with POSIX record
    locks (NFS), two threads of one process would not exclude each other.
    ``timeout`` bounds the wait: a holder stuck behind something that hangs
    (an unlock prompt nobody answers) costs the others an error, not a hang.
    """

    _threads: ClassVar[dict[str, threading.Lock]] = {}
    _threads_guard: ClassVar[threading.Lock] = threading.Lock()

    def __init__(self, path: Path, timeout: float | None = None) -> None:
        self.path = path
        self.timeout = timeout
        self._handle: IO[Any] | None = None
        with FileLock._threads_guard:
            self._thread_lock = FileLock._threads.setdefault(
                os.path.abspath(path), threading.Lock()
            )

    def __enter__(self) -> FileLock:
        deadline = None if self.timeout is None else time.monotonic() + self.timeout
        if not self._thread_lock.acquire(timeout=-1 if self.timeout is None else self.timeout):
            raise LockTimeoutError(
                errno.ETIMEDOUT, "held too long by another thread", str(self.path)
            )
        try:
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT, PRIVATE_FILE)
            self._handle = os.fdopen(fd, "r+b")
            _lock(self._handle, deadline, self.path)
        except BaseException:
            if self._handle is not None:
                self._handle.close()
                self._handle = None
            self._thread_lock.release()
            raise
        return self

    def __exit__(self, *exc: object) -> None:
        try:
            if self._handle is not None:
                _unlock(self._handle)
                self._handle.close()
                self._handle = None
        finally:
            self._thread_lock.release()


def _lock(handle: IO[Any], deadline: float | None, path: Path) -> None:
    pause = 0.001
    while True:
        if _try_lock(handle):
            return
        if deadline is not None and time.monotonic() > deadline:
            raise LockTimeoutError(errno.ETIMEDOUT, "held too long by another process", str(path))
        time.sleep(pause)
        pause = min(pause * 2, 0.02)  # a short wait is the usual case: a save takes ~1 ms


def _try_lock(handle: IO[Any]) -> bool:
    if os.name == "nt":
        import msvcrt

        try:
            msvcrt.locking(handle.fileno(), msvcrt.LK_NBLCK, 1)  # type: ignore[attr-defined]
        except OSError as error:
            if error.errno in (errno.EDEADLOCK, errno.EACCES):
                return False
            raise
        return True
    import fcntl

    try:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    return True


def _unlock(handle: IO[Any]) -> None:
    if os.name == "nt":
        import msvcrt

        handle.seek(0)
        msvcrt.locking(handle.fileno(), msvcrt.LK_UNLCK, 1)  # type: ignore[attr-defined]
        return
    import fcntl

    fcntl.flock(handle.fileno(), fcntl.LOCK_UN)
