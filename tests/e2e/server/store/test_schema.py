"""switcher's tables are exactly better-auth's: each server accepts the other's database."""

from __future__ import annotations

import asyncio
import multiprocessing
import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from switcher.server.store import StoreError, open_store
from switcher.server.store.postgres import POSTGRES_TABLES
from switcher.server.store.schema import INDEXES, SQLITE_TABLES
from tests.support.peer import PeerServer, print_migrations


def _create_with_switcher(url: str) -> None:
    async def run() -> None:
        store = open_store(url)
        await store.open()
        await store.close()

    asyncio.run(run())


def _statements(sql: str) -> set[str]:
    return {part.strip() for part in sql.split(";") if part.strip()}


def test_our_ddl_is_what_better_auth_generates_for_sqlite(tmp_path: Path) -> None:
    plan = print_migrations(f"sqlite:{tmp_path / 'empty.db'}")
    assert _statements(plan["sql"]) == {*SQLITE_TABLES.values(), *INDEXES.values()}


def test_our_ddl_is_what_better_auth_generates_for_postgres(
    postgres_urls: Callable[[], str],
) -> None:
    plan = print_migrations(postgres_urls())
    assert _statements(plan["sql"]) == {*POSTGRES_TABLES.values(), *INDEXES.values()}


def test_better_auth_finds_nothing_to_migrate_in_a_database_switcher_created(
    tmp_path: Path, postgres_urls: Callable[[], str]
) -> None:
    path = tmp_path / "ours.db"
    _create_with_switcher(f"sqlite:///{path}")
    sqlite_plan = print_migrations(f"sqlite:{path}")
    pg_url = postgres_urls()
    _create_with_switcher(pg_url)
    pg_plan = print_migrations(pg_url)
    for plan in (sqlite_plan, pg_plan):
        assert plan["toBeCreated"] == []
        assert plan["toBeAdded"] == []
        assert plan["sql"].strip() == ";"


def test_switcher_leaves_a_better_auth_database_as_it_is(tmp_path: Path) -> None:
    path = tmp_path / "theirs.db"
    with PeerServer(database=f"sqlite:{path}", migrate=True):
        pass
    with sqlite3.connect(path) as db:
        before = sorted(db.execute("select type, name, sql from sqlite_master"))
    _create_with_switcher(f"sqlite:///{path}")
    with sqlite3.connect(path) as db:
        after = sorted(db.execute("select type, name, sql from sqlite_master"))
    assert before == after
    assert {name for kind, name, _ in after if kind == "table"} >= {
        "user",
        "session",
        "account",
        "verification",
    }


def test_a_database_file_that_is_not_sqlite_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "notes.db"
    path.write_text("these are my notes, not a database\n" * 100)
    store = open_store(f"sqlite:///{path}")
    with pytest.raises(StoreError, match="cannot use"):
        asyncio.run(store.open())
    assert path.read_text().startswith("these are my notes")


def _open_at_once(path: str, barrier: Any) -> None:
    barrier.wait()
    _create_with_switcher(f"sqlite:///{path}")


def test_several_processes_creating_one_new_database_at_once_all_succeed(tmp_path: Path) -> None:
    context = multiprocessing.get_context("spawn")
    barrier = context.Barrier(4)
    path = str(tmp_path / "race.db")
    workers = [context.Process(target=_open_at_once, args=(path, barrier)) for _ in range(4)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(60)
    assert [w.exitcode for w in workers] == [0, 0, 0, 0]
    with sqlite3.connect(path) as db:
        tables = {n for (n,) in db.execute("select name from sqlite_master where type='table'")}
    assert tables == {"user", "session", "account", "verification"}
