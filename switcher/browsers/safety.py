"""Back up a browser's cookie files before a write and put them back if anything fails.

Shared by every browser writer: the promise of ``ExportError`` is "the profile
is as it was", so any failure inside ``guarded`` restores the files byte for
byte (and removes files the write created, such as a fresh ``-wal``).
"""

from __future__ import annotations

import errno
import os
import stat
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from switcher.browsers import ExportError

_CHUNK = 1024 * 1024


def _describe(error: OSError) -> str:
    # The strerror is enough for a person; never include file contents.
    if error.errno == errno.ENOSPC:
        return "the disk is full"
    if error.errno == errno.EROFS:
        return "the file system is read-only"
    if error.errno in (errno.EACCES, errno.EPERM):
        return "permission denied"
    return error.strerror or type(error).__name__


def _copy_bytes(source: Path, target: Path) -> None:
    """Copy ``source`` to ``target`` with plain read/write and fsync.

    Plain os.read/os.write (rather than shutil's sendfile fast path) so a
    short write or ENOSPC surfaces here, and fsync so a backup we rely on is
    really on disk before the browser's files are touched.
    """
    flags = os.O_WRONLY | os.O_CREAT | os.O_TRUNC | getattr(os, "O_BINARY", 0)
    src = os.open(source, os.O_RDONLY | getattr(os, "O_BINARY", 0))
    try:
        dst = os.open(target, flags, 0o600)  # cookie stores are private
        try:
            while chunk := os.read(src, _CHUNK):
                view = memoryview(chunk)
                while view:
                    written = os.write(dst, view)
                    view = view[written:]
            os.fsync(dst)
        finally:
            os.close(dst)
    finally:
        os.close(src)


def _backup_name(index: int, path: Path) -> str:
    # The index keeps two files with the same name (from different folders) apart.
    return f"{index}-{path.name}"


@contextmanager
def guarded(files: Sequence[Path], backup_dir: Path) -> Iterator[None]:
    """Back ``files`` up into ``backup_dir``, run the block, restore them on any exception.

    Files that did not exist beforehand are deleted on failure. The backups are
    left in ``backup_dir`` afterwards, as a last resort for the user. Any
    exception leaves as ``ExportError`` (an ``ExportError`` unchanged).
    """
    existed: list[bool] = []
    try:
        backup_dir.mkdir(parents=True, exist_ok=True)
        for index, path in enumerate(files):
            present = path.exists()
            existed.append(present)
            if present:
                _copy_bytes(path, backup_dir / _backup_name(index, path))
    except OSError as error:
        raise ExportError(
            f"Could not back up the browser's files into {backup_dir}: {_describe(error)}; "
            "nothing was changed"
        ) from error
    try:
        yield
    except BaseException as error:
        _restore(files, existed, backup_dir)
        if isinstance(error, ExportError):
            raise
        if not isinstance(error, Exception):
            raise  # KeyboardInterrupt and friends keep their meaning
        reason = _describe(error) if isinstance(error, OSError) else type(error).__name__
        raise ExportError(
            f"Writing the cookies failed ({reason}); the profile was restored from the backup"
        ) from error


def _restore(files: Sequence[Path], existed: Sequence[bool], backup_dir: Path) -> None:
    failed: list[str] = []
    for index, (path, present) in enumerate(zip(files, existed, strict=True)):
        try:
            if present:
                _copy_bytes(backup_dir / _backup_name(index, path), path)
            else:
                path.unlink(missing_ok=True)
        except OSError:
            failed.append(path.name)
    if failed:
        raise ExportError(
            f"Writing the cookies failed and {', '.join(failed)} could not be restored; "
            f"copy the backups from {backup_dir} back by hand"
        )


def ensure_writable(path: Path) -> None:
    """Raise ``ExportError`` if ``path`` (a file or a directory) can't or shouldn't be written.

    Besides ``os.access`` and read-only mounts, a file whose write bits were all
    removed counts as read-only: root passes ``os.access`` regardless, yet the
    user clearly asked for the file to stay as it is.
    """
    try:
        info = path.stat()
        # statvfs is POSIX-only; Windows reports a read-only volume through os.access.
        read_only_mount = hasattr(os, "statvfs") and bool(os.statvfs(path).f_flag & os.ST_RDONLY)
    except OSError as error:
        raise ExportError(f"{path} can't be checked: {_describe(error)}") from error
    no_write_bits = not info.st_mode & (stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH)
    if read_only_mount or no_write_bits or not os.access(path, os.W_OK):
        raise ExportError(f"{path} is read-only; make it writable and try again")
