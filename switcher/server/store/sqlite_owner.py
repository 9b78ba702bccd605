"""One owner of each SQLite database file per process, and the threads its queries run on.

Why one owner: closing *any* descriptor of a file drops every POSIX lock the
process holds on it (SQLite's "How To Corrupt An SQLite Database File",
2.2.1). Another process then believes it is the last user, checkpoints and
deletes the WAL, and this process goes on writing into a deleted file. So two
stores on one file in one process (the tray app's in-process transport and its
HTTP server for browsers) share the owner found here by the file's identity,
and nothing here opens an existing database file except through SQLite.

Why threads: a statement waiting for another process's write lock waits up
to the busy timeout, which on the event loop's thread froze every request.
Writes run in order on one writer thread and connection; reads run on
reader threads, each with a connection of its own, so in WAL mode a read
never waits behind a write that waits for the lock. Callers await jobs from
any event loop (the in-process transport's and uvicorn's are different).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import queue
import sqlite3
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future
from pathlib import Path
from typing import TypeVar

from switcher.paths import private_dir
from switcher.server.store import (
    StoreBusyError,
    StoreError,
    StoreFullError,
    StoreIOError,
    StoreReadOnlyError,
)

T = TypeVar("T")
Query = Callable[[sqlite3.Connection], T]

# better-sqlite3's default, so both servers on one file give up alike. It is
# also the longest a statement waits in all, queue included: a write queued
# behind one that is waiting for the lock does not wait that long again.
BUSY_TIMEOUT_S = 5.0
READER_THREADS = 2
MEMORY = ":memory:"


def translate(error: sqlite3.Error) -> Exception:
    """A ``StoreError`` for what the database did; other errors (constraints, bugs) unchanged."""
    if not isinstance(error, sqlite3.OperationalError) and type(error) is not sqlite3.DatabaseError:
        return error
    primary = (getattr(error, "sqlite_errorcode", 0) or 0) & 0xFF
    name = getattr(error, "sqlite_errorname", "") or "SQLITE_ERROR"
    if primary in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED):
        return StoreBusyError(
            f"another connection held the database's write lock for {BUSY_TIMEOUT_S:.0f} s"
        )
    if primary == sqlite3.SQLITE_READONLY:
        return StoreReadOnlyError(f"the database cannot be written ({error}; {name})")
    if primary == sqlite3.SQLITE_FULL:
        return StoreFullError(f"the database's disk is full ({error})")
    if primary in (
        sqlite3.SQLITE_IOERR,
        sqlite3.SQLITE_CORRUPT,
        sqlite3.SQLITE_NOTADB,
        sqlite3.SQLITE_CANTOPEN,
    ):
        return StoreIOError(f"the database could not be read or written ({error}; {name})")
    return StoreError(f"the database failed ({error}; {name})")


class _Threads:
    """Daemon threads taking jobs from one queue, in order; a job runs on whichever is free.

    Daemons: a command exits without closing its store, as it always did.
    """

    def __init__(self, name: str, count: int, on_exit: Callable[[], None]) -> None:
        self._queue: queue.SimpleQueue[Callable[[], None] | None] = queue.SimpleQueue()
        self._on_exit = on_exit
        self._left = count
        self._lock = threading.Lock()
        self._stopping = False
        self.stopped: Future[None] = Future()
        for index in range(count):
            threading.Thread(target=self._work, name=f"{name}-{index}", daemon=True).start()

    async def run(self, job: Callable[[], T]) -> T:
        """``job``'s result, awaited on the caller's event loop (any loop, any thread)."""
        loop = asyncio.get_running_loop()
        future: asyncio.Future[T] = loop.create_future()

        def settle(result: T | None, error: BaseException | None) -> None:
            if future.done():
                return  # cancelled while the job ran
            if error is not None:
                future.set_exception(error)
            else:
                future.set_result(result)  # type: ignore[arg-type]

        def work() -> None:
            # Read across threads, but a cancelled future stays cancelled: at
            # worst a job whose request just gave up still runs.
            if future.cancelled():
                return
            try:
                result, error = job(), None
            except BaseException as raised:
                result, error = None, raised
            with contextlib.suppress(RuntimeError):  # that loop is closed: nobody waits
                loop.call_soon_threadsafe(settle, result, error)

        # Straight onto the caller's loop, not through a concurrent Future and
        # wrap_future: half the cost per query (measured: 17 µs against 32 µs).
        self._put(work)
        return await future

    def submit(self, job: Callable[[], T]) -> Future[T]:
        """``job``'s result as a concurrent future, which any number of loops may await."""
        future: Future[T] = Future()

        def run() -> None:
            if not future.set_running_or_notify_cancel():
                return  # its request was cancelled before the job started
            try:
                future.set_result(job())
            except BaseException as error:
                future.set_exception(error)

        self._put(run)
        return future

    def _put(self, job: Callable[[], None]) -> None:
        with self._lock:
            if self._stopping:
                # Queued behind the threads' end it would never run: its caller would hang.
                raise StoreError("the database is closed")
            self._queue.put(job)

    def stop(self) -> Future[None]:
        """Jobs already queued still run; then each thread runs ``on_exit`` and ends."""
        with self._lock:
            if not self._stopping:
                self._stopping = True
                for _ in range(self._left):
                    self._queue.put(None)
        return self.stopped

    def _work(self) -> None:
        try:
            while (job := self._queue.get()) is not None:
                job()
        finally:
            try:
                self._on_exit()
            finally:
                with self._lock:
                    self._left -= 1
                    if self._left == 0:
                        self.stopped.set_result(None)


class SQLiteOwner:
    """The one writer connection and the reader connections of one database file."""

    def __init__(self, path: str, key: tuple[int, int] | None, create: Query[None]) -> None:
        self.path = path
        self.key = key
        self.refs = 0
        self._writer_db: sqlite3.Connection | None = None
        self._writer = _Threads("sqlite-writer", 1, self._close_writer)
        # An in-memory database exists only in its one connection: no readers.
        self._local = threading.local()
        self._readers = (
            None
            if path == MEMORY
            else _Threads("sqlite-reader", READER_THREADS, self._close_reader)
        )
        self.opened = self._writer.submit(lambda: self._open_writer(create))

    # -- connections --------------------------------------------------------------
    def _connect(self) -> sqlite3.Connection:
        return sqlite3.connect(
            self.path,
            timeout=BUSY_TIMEOUT_S,
            isolation_level=None,
            check_same_thread=False,  # made on one of our threads, used only there
        )

    def _open_writer(self, create: Query[None]) -> None:
        try:
            db = self._connect()
        except sqlite3.Error as error:
            raise self._cannot_use(error) from error
        try:
            db.execute("pragma foreign_keys = on")
            if self.path != MEMORY:
                db.execute("pragma journal_mode = wal")
            create(db)
        except sqlite3.Error as error:
            db.close()
            raise self._cannot_use(error) from error
        self._writer_db = db

    def _cannot_use(self, error: sqlite3.Error) -> Exception:
        translated = translate(error)
        if isinstance(translated, StoreError) and not isinstance(translated, StoreBusyError):
            # Named with its file: a person must know which file to look at.
            return type(translated)(f"cannot use {self.path} as a database: {error}")
        return translated

    def _reader_db(self) -> sqlite3.Connection:
        db: sqlite3.Connection | None = getattr(self._local, "db", None)
        if db is None:
            db = self._connect()
            db.execute("pragma query_only = on")
            self._local.db = db
        return db

    def _close_writer(self) -> None:
        if self._writer_db is not None:
            self._writer_db.close()
            self._writer_db = None

    def _close_reader(self) -> None:
        db: sqlite3.Connection | None = getattr(self._local, "db", None)
        if db is not None:
            db.close()
            self._local.db = None

    # -- queries ------------------------------------------------------------------
    @staticmethod
    def _timed(db: sqlite3.Connection, queued: float, query: Query[T], turn: str) -> T:
        left = BUSY_TIMEOUT_S - (time.monotonic() - queued)
        if left <= 0:
            raise StoreBusyError(
                f"waited {BUSY_TIMEOUT_S:.0f} s behind other statements for {turn}"
            )
        shortened = left < BUSY_TIMEOUT_S - 0.1
        if shortened:
            db.execute(f"pragma busy_timeout = {int(left * 1000)}")
        try:
            return query(db)
        except sqlite3.Error as error:
            raise translate(error) from error
        finally:
            if shortened:
                db.execute(f"pragma busy_timeout = {int(BUSY_TIMEOUT_S * 1000)}")

    def _writer_job(self, query: Query[T]) -> Callable[[], T]:
        queued = time.monotonic()

        def job() -> T:
            if self._writer_db is None:
                raise StoreError("the database is not open")
            return self._timed(self._writer_db, queued, query, "the database's write lock")

        return job

    async def write(self, query: Query[T]) -> T:
        """Run ``query`` on the writer connection, after every write queued before it."""
        return await self._writer.run(self._writer_job(query))

    async def read(self, query: Query[T]) -> T:
        """Run ``query`` on a reader connection (``query_only``: it cannot write)."""
        if self._readers is None:
            return await self.write(query)
        queued = time.monotonic()

        def job() -> T:
            try:
                db = self._reader_db()
            except sqlite3.Error as error:
                raise translate(error) from error
            return self._timed(db, queued, query, "a reader connection")

        return await self._readers.run(job)

    async def stop(self) -> None:
        """Close the readers' connections, then the writer's.

        The last connection to close checkpoints the WAL into the file (when
        no other process has it open): the writer, not a ``query_only`` reader.
        """
        if self._readers is not None:
            await asyncio.wrap_future(self._readers.stop())
        await asyncio.wrap_future(self._writer.stop())


# -- the process's owners -------------------------------------------------------------
_owners: dict[tuple[int, int], SQLiteOwner] = {}
_owners_lock = threading.Lock()


def _forget_owners_in_child() -> None:
    # A forked child has none of the threads, and must never use (or close)
    # the parent's connections: it starts with no owners.
    global _owners_lock
    _owners.clear()
    _owners_lock = threading.Lock()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_forget_owners_in_child)


def create_private(path: Path) -> None:
    """Create a missing database file owner-only (0600); never touch an existing one.

    Password hashes and session tokens: owner-only from the first byte, and
    SQLite gives its -wal and -shm files the database file's mode. O_EXCL
    means the descriptor closed here is of a new inode, which no connection
    in this process can have open.
    """
    private_dir(path.parent)
    try:
        fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return
    os.close(fd)


async def acquire(path: str, create: Query[None]) -> SQLiteOwner:
    """This process's owner of the database at ``path``, opened; ``release`` it when done.

    ``create`` runs once on the writer connection when the owner opens (the
    schema). ``:memory:`` gets an owner of its own each time.
    """
    with _owners_lock:
        owner = SQLiteOwner(path, None, create) if path == MEMORY else _owner_of(path, create)
        owner.refs += 1
    try:
        # Shielded: one caller giving up must not cancel the opening the others await.
        await asyncio.shield(asyncio.wrap_future(owner.opened))
    except BaseException:
        await release(owner)
        raise
    return owner


def _failed(future: Future[None]) -> bool:
    return future.done() and (future.cancelled() or future.exception() is not None)


def _owner_of(path: str, create: Query[None]) -> SQLiteOwner:
    """The file's owner, made if there is none (or only one that failed to open)."""
    file = Path(path).expanduser().absolute()
    try:
        create_private(file)
        info = file.stat()
    except OSError as error:
        raise StoreError(f"cannot open {path}: {error.strerror}") from error
    # The file's identity, not its name: a symlink or another spelling of
    # the path is the same file and the same locks.
    key = (info.st_dev, info.st_ino)
    found = _owners.get(key)
    if found is not None and not _failed(found.opened):
        return found
    owner = SQLiteOwner(str(file), key, create)
    _owners[key] = owner
    return owner


async def release(owner: SQLiteOwner) -> None:
    """Give ``owner`` back; the last holder closes its connections and ends its threads."""
    with _owners_lock:
        owner.refs -= 1
        if owner.refs > 0:
            return
        if owner.key is not None and _owners.get(owner.key) is owner:
            del _owners[owner.key]
    await owner.stop()
