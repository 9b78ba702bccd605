"""One owner per SQLite file per process; its queries off the event loop; its errors typed."""

from __future__ import annotations

import asyncio
import os
import sqlite3
import stat
import subprocess
import sys
import threading
import time
from contextlib import closing
from pathlib import Path
from typing import Any

import pytest

from switcher.protocol.dates import to_iso, utc_now
from switcher.server.ids import generate_id
from switcher.server.rows import Account, Session, User
from switcher.server.store import (
    StoreBusyError,
    StoreError,
    StoreFullError,
    StoreIOError,
    StoreReadOnlyError,
    sqlite_owner,
)
from switcher.server.store.sqlite import SQLiteStore
from switcher.server.store.sqlite_owner import translate
from tests.support.processes import open_files
from tests.support.sqlite_lock import holding_write_lock


@pytest.fixture
def short_busy_timeout(monkeypatch: pytest.MonkeyPatch) -> float:
    """1 s instead of 5 s, for owners made during the test: the same rules, sooner."""
    monkeypatch.setattr(sqlite_owner, "BUSY_TIMEOUT_S", 1.0)
    return 1.0


def _user(label: str) -> tuple[User, Account]:
    now = to_iso(utc_now())
    user = User(generate_id(), label, f"{label}-{generate_id()}@example.com", False, None, now, now)
    account = Account(generate_id(), user.id, "credential", user.id, "salt:key", now, now)
    return user, account


def _session(user: User) -> Session:
    now = to_iso(utc_now())
    return Session(
        generate_id(), generate_id(), user.id, "2999-01-01T00:00:00.000Z", now, now, None, None
    )


def _deleted_here(name: str) -> list[str]:
    return [f for f in open_files(os.getpid(), name) if f.endswith("(deleted)")]


def _another_process_opens_and_closes(path: Path) -> int:
    """A whole process that connects, counts users and closes: the last one out checkpoints."""
    script = (
        "import sqlite3, sys\n"
        "db = sqlite3.connect(sys.argv[1])\n"
        "print(db.execute('select count(*) from \"user\"').fetchone()[0])\n"
        "db.close()\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script, str(path)],
        capture_output=True,
        text=True,
        timeout=30,
        check=True,
    )
    return int(result.stdout)


def test_two_stores_on_one_file_share_one_owner_and_its_locks(tmp_path: Path) -> None:
    path = tmp_path / "auth.db"
    (tmp_path / "link.db").symlink_to(path)

    async def run() -> None:
        first, second = SQLiteStore(str(path)), SQLiteStore(str(tmp_path / "link.db"))
        await first.open()
        await first.create_user(*_user("first"))
        await second.open()  # the same file by another name
        await second.create_user(*_user("second"))
        # Another process comes and goes; if this one's locks were gone it
        # would think itself the last user and delete the WAL under us.
        assert _another_process_opens_and_closes(path) == 2
        assert _deleted_here("auth.db") == []
        assert second.owner is first.owner
        await second.close()
        await first.create_user(*_user("third"))
        assert _another_process_opens_and_closes(path) == 3
        assert _deleted_here("auth.db") == []
        assert any(f.endswith("auth.db-wal") for f in open_files(os.getpid(), "auth.db"))
        await first.close()
        assert open_files(os.getpid(), str(path)) == []  # the last holder closed it

    asyncio.run(run())


def test_a_new_database_file_is_private_and_an_existing_one_is_never_opened_by_hand(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "server" / "auth.db"
    opened: list[str] = []
    real_open = os.open

    def recording_open(file: Any, flags: int, *args: Any, **kwargs: Any) -> int:
        fd = real_open(file, flags, *args, **kwargs)
        opened.append(str(file))  # a descriptor we would close: it drops the file's locks
        return fd

    monkeypatch.setattr(os, "open", recording_open)
    old_umask = os.umask(0)  # even so: owner-only
    try:

        async def use() -> None:
            store = SQLiteStore(str(path))
            await store.open()
            await store.create_user(*_user("private"))
            await store.close()

        asyncio.run(use())
        assert opened == [str(path)]  # created with O_EXCL: a new inode
        for name in ("auth.db", "auth.db-wal", "auth.db-shm"):
            if (path.parent / name).exists():
                assert stat.S_IMODE((path.parent / name).stat().st_mode) == 0o600, name
        opened.clear()
        asyncio.run(use())
        assert opened == []  # an existing file is SQLite's alone to open
    finally:
        os.umask(old_umask)


def test_one_store_is_awaited_from_two_event_loops_at_once(tmp_path: Path) -> None:
    store = SQLiteStore(str(tmp_path / "auth.db"))
    errors: list[BaseException] = []
    found: list[int] = []

    def loop_thread(label: str) -> None:
        async def work() -> None:
            await store.open()  # the first opens, the other finds it open
            for _ in range(20):
                user, account = _user(label)
                await store.create_user(user, account)
                await store.create_session(_session(user))
                assert await store.find_user_by_email(user.email) == user
            found.append(1)

        try:
            asyncio.run(work())
        except BaseException as error:
            errors.append(error)

    asyncio.run(store.open())
    threads = [threading.Thread(target=loop_thread, args=(n,)) for n in ("a", "b")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert errors == [] and found == [1, 1]
    asyncio.run(store.close())


def test_reads_do_not_wait_behind_a_write_that_waits_for_the_lock(
    tmp_path: Path, short_busy_timeout: float
) -> None:
    path = tmp_path / "auth.db"

    async def run() -> None:
        store = SQLiteStore(str(path))
        await store.open()
        user, account = _user("reader")
        await store.create_user(user, account)
        session = _session(user)
        await store.create_session(session)
        with holding_write_lock(path, seconds=3):
            started = time.monotonic()
            write = asyncio.ensure_future(store.create_session(_session(user)))
            await asyncio.sleep(0.1)  # the write is now waiting for the lock
            found = await store.find_session(session.token)
            assert found is not None and found.user == user
            assert time.monotonic() - started < 0.5
            assert not write.done()
            with pytest.raises(StoreBusyError, match="write lock"):
                await write
            assert short_busy_timeout <= time.monotonic() - started < short_busy_timeout + 1
        await store.create_session(_session(user))  # the lock is gone: writes work again
        await store.close()

    asyncio.run(run())


def test_a_write_queued_behind_a_waiting_write_gives_up_at_its_own_deadline(
    tmp_path: Path, short_busy_timeout: float
) -> None:
    path = tmp_path / "auth.db"

    async def timed(store: SQLiteStore, user: User) -> float:
        started = time.monotonic()
        with pytest.raises(StoreBusyError):
            await store.create_session(_session(user))
        return time.monotonic() - started

    async def run() -> None:
        store = SQLiteStore(str(path))
        await store.open()
        user, account = _user("queued")
        await store.create_user(user, account)
        with holding_write_lock(path, seconds=5):
            first = asyncio.ensure_future(timed(store, user))
            await asyncio.sleep(0.4)
            second = asyncio.ensure_future(timed(store, user))
            waits = await asyncio.gather(first, second)
        # Each waited about the busy timeout in all, not the second its own
        # timeout on top of the time it queued behind the first.
        for waited in waits:
            assert short_busy_timeout - 0.1 <= waited < short_busy_timeout + 0.5, waits
        await store.close()

    asyncio.run(run())


@pytest.fixture
def database(tmp_path: Path) -> Path:
    path = tmp_path / "plain.db"
    with closing(sqlite3.connect(path)) as db:
        db.execute("create table t (x)")
        db.commit()
    return path


def test_sqlite_errors_become_typed_store_errors(database: Path) -> None:
    def error_of(uri: str, *statements: str, timeout: float = 5.0) -> sqlite3.Error:
        with closing(sqlite3.connect(uri, uri=True, timeout=timeout, isolation_level=None)) as db:
            try:
                for statement in statements:
                    db.execute(statement)
            except sqlite3.Error as error:
                return error
        raise AssertionError(f"no error from {statements}")

    uri = database.as_uri()
    with holding_write_lock(database, seconds=5):
        busy = error_of(uri, "begin immediate", timeout=0)
    assert isinstance(translate(busy), StoreBusyError)
    read_only = error_of(f"{uri}?mode=ro", "insert into t values (1)")
    assert isinstance(translate(read_only), StoreReadOnlyError)
    full = error_of(
        uri,
        "pragma max_page_count = 2",
        "insert into t select randomblob(4000) from (select 1 union select 2 union select 3)",
    )
    assert isinstance(translate(full), StoreFullError)
    database.write_bytes(b"not a database, just some bytes " * 200)
    not_a_database = error_of(uri, "select * from t")
    assert isinstance(translate(not_a_database), StoreIOError)
    # A constraint is the store's own business (EmailTakenError), a bug stays a bug.
    constraint = sqlite3.IntegrityError("UNIQUE constraint failed: user.email")
    assert translate(constraint) is constraint
    assert not isinstance(translate(sqlite3.ProgrammingError("bug")), StoreError)
