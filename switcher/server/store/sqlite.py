"""SQLite storage, file-compatible with better-auth's Kysely/better-sqlite3 adapter.

Queries run on the event loop's thread: they are local and take microseconds,
less than a hand-off to a worker thread would cost. WAL mode and a busy
timeout let better-auth (Node) and switcher serve the same file at once.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from switcher.protocol.dates import parse_iso, to_iso
from switcher.server.rows import Account, Session, SessionWithUser, User
from switcher.server.store import EmailTakenError, StoreError
from switcher.server.store.schema import (
    INDEXES,
    JOINED_COLUMNS,
    SQLITE_TABLES,
    TABLES,
    USER_COLUMNS,
    joined_from_row,
    user_from_row,
)

_BUSY_TIMEOUT_S = 5.0
_CHUNK = 500  # bound the number of SQL variables per statement


def sqlite_path(database_url: str) -> str:
    """``sqlite:///relative``, ``sqlite:////absolute`` or ``sqlite://:memory:``."""
    rest = database_url.removeprefix("sqlite:")
    if rest in ("//:memory:", ":memory:"):
        return ":memory:"
    if rest.startswith("///"):
        return rest[3:]
    if rest.startswith("//"):
        raise ValueError("use sqlite:///path/to/file.db (three slashes, then the path)")
    return rest


def _iso(value: Any) -> str:
    """A stored date in the wire format, whatever a writer left in the column."""
    if isinstance(value, str) and len(value) == 24 and value[-1] == "Z":
        return value
    if isinstance(value, int | float):
        return to_iso(datetime.fromtimestamp(value / 1000, UTC))
    return to_iso(parse_iso(str(value)))


def _chunks(items: Sequence[str]) -> Iterator[Sequence[str]]:
    for start in range(0, len(items), _CHUNK):
        yield items[start : start + _CHUNK]


class SQLiteStore:
    def __init__(self, path: str) -> None:
        self.path = path
        self._db: sqlite3.Connection | None = None

    @property
    def db(self) -> sqlite3.Connection:
        if self._db is None:
            raise StoreError("the database is not open")
        return self._db

    async def open(self) -> None:
        if self._db is not None:
            return
        if self.path != ":memory:":
            parent = Path(self.path).expanduser().parent
            try:
                parent.mkdir(parents=True, exist_ok=True)
                # Password hashes and session tokens: owner-only from the first
                # byte (SQLite gives its -wal and -shm files the same mode).
                os.close(os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600))
            except OSError as error:
                raise StoreError(f"cannot open {self.path}: {error.strerror}") from error
        try:
            db = sqlite3.connect(
                self.path, timeout=_BUSY_TIMEOUT_S, isolation_level=None, check_same_thread=False
            )
            db.execute("pragma foreign_keys = on")
            if self.path != ":memory:":
                db.execute("pragma journal_mode = wal")
            self._create_missing(db)
        except sqlite3.DatabaseError as error:
            raise StoreError(f"cannot use {self.path} as a database: {error}") from error
        self._db = db

    @staticmethod
    def _create_missing(db: sqlite3.Connection) -> None:
        with db:
            # Look inside the write transaction: several workers (or better-auth)
            # may be creating the same tables at this very moment.
            db.execute("begin immediate")
            present = {
                name
                for (name,) in db.execute(
                    "select name from sqlite_master where type in ('table', 'index')"
                )
            }
            for table in TABLES:
                if table not in present:
                    db.execute(SQLITE_TABLES[table])
            for index, ddl in INDEXES.items():
                if index not in present:
                    db.execute(ddl)

    async def close(self) -> None:
        if self._db is not None:
            self._db.close()
            self._db = None

    async def create_user(self, user: User, account: Account) -> None:
        db = self.db
        try:
            with db:
                db.execute("begin immediate")
                db.execute(
                    f'insert into "user" ({USER_COLUMNS}) values (?, ?, ?, ?, ?, ?, ?)',
                    (
                        user.id,
                        user.name,
                        user.email,
                        int(user.email_verified),
                        user.image,
                        user.created_at,
                        user.updated_at,
                    ),
                )
                db.execute(
                    'insert into "account" ("id", "accountId", "providerId", "userId", '
                    '"password", "createdAt", "updatedAt") values (?, ?, ?, ?, ?, ?, ?)',
                    (
                        account.id,
                        account.account_id,
                        account.provider_id,
                        account.user_id,
                        account.password,
                        account.created_at,
                        account.updated_at,
                    ),
                )
        except sqlite3.IntegrityError as error:
            if "user.email" in str(error):
                raise EmailTakenError(user.email) from error
            raise

    async def find_user_by_email(self, email: str) -> User | None:
        row = self.db.execute(
            f'select {USER_COLUMNS} from "user" where "email" = ?', (email,)
        ).fetchone()
        return user_from_row(row, _iso) if row else None

    async def find_credential_password(self, user_id: str) -> str | None:
        row = self.db.execute(
            'select "password" from "account" where "userId" = ? and "providerId" = ? '
            'and "accountId" = ? limit 1',
            (user_id, "credential", user_id),
        ).fetchone()
        return row[0] if row else None

    async def create_session(self, session: Session) -> None:
        with self.db as db:
            db.execute(
                'insert into "session" ("id", "token", "userId", "expiresAt", "createdAt", '
                '"updatedAt", "ipAddress", "userAgent") values (?, ?, ?, ?, ?, ?, ?, ?)',
                (
                    session.id,
                    session.token,
                    session.user_id,
                    session.expires_at,
                    session.created_at,
                    session.updated_at,
                    session.ip_address,
                    session.user_agent,
                ),
            )

    async def find_session(self, token: str) -> SessionWithUser | None:
        row = self.db.execute(
            f'select {JOINED_COLUMNS} from "session" s join "user" u on u."id" = s."userId" '
            'where s."token" = ?',
            (token,),
        ).fetchone()
        return joined_from_row(row, _iso) if row else None

    async def find_sessions(
        self, tokens: Sequence[str], active_after: str | None = None
    ) -> list[SessionWithUser]:
        found: list[SessionWithUser] = []
        for chunk in _chunks(tokens):
            marks = ", ".join("?" * len(chunk))
            sql = (
                f'select {JOINED_COLUMNS} from "session" s join "user" u on u."id" = s."userId" '
                f'where s."token" in ({marks})'
            )
            params: list[str] = list(chunk)
            if active_after is not None:
                sql += ' and s."expiresAt" > ?'
                params.append(active_after)
            found.extend(joined_from_row(row, _iso) for row in self.db.execute(sql, params))
        return found

    async def refresh_session(self, token: str, expires_at: str, updated_at: str) -> None:
        with self.db as db:
            db.execute(
                'update "session" set "expiresAt" = ?, "updatedAt" = ? where "token" = ?',
                (expires_at, updated_at, token),
            )

    async def delete_sessions(self, tokens: Sequence[str]) -> None:
        with self.db as db:
            for chunk in _chunks(tokens):
                marks = ", ".join("?" * len(chunk))
                db.execute(f'delete from "session" where "token" in ({marks})', list(chunk))
