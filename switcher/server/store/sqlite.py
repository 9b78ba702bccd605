"""SQLite storage, file-compatible with better-auth's Kysely/better-sqlite3 adapter.

Queries run on the threads of the file's one owner in this process
(``sqlite_owner``), never on the event loop's thread: a write waiting for
another process's lock must not hold up every other request. WAL mode and a
busy timeout let better-auth (Node) and switcher serve the same file at once.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime
from typing import Any

from switcher.protocol.dates import parse_iso, to_iso
from switcher.server.ids import generate_id
from switcher.server.rows import Account, Session, SessionWithUser, User
from switcher.server.store import EmailTakenError, StoreError
from switcher.server.store.schema import (
    INDEXES,
    JOINED_COLUMNS,
    RATE_LIMIT_TABLE,
    SQLITE_TABLES,
    TABLES,
    USER_COLUMNS,
    consume_rate_limit_sql,
    joined_from_row,
    user_from_row,
)
from switcher.server.store.sqlite_owner import SQLiteOwner, acquire, release

_CHUNK = 500  # bound the number of SQL variables per statement
_JOIN = f'select {JOINED_COLUMNS} from "session" s join "user" u on u."id" = s."userId"'


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


def _present(db: sqlite3.Connection) -> set[str]:
    return {
        name
        for (name,) in db.execute("select name from sqlite_master where type in ('table', 'index')")
    }


def create_missing(db: sqlite3.Connection) -> None:
    """better-auth's tables and indexes, those that are missing."""
    wanted = {*TABLES, *INDEXES}
    if wanted <= _present(db):
        return  # the usual case: no write lock needed to start
    with db:
        # Look again inside the write transaction: several workers (or
        # better-auth) may be creating the same tables at this very moment.
        db.execute("begin immediate")
        present = _present(db)
        for table in TABLES:
            if table not in present:
                db.execute(SQLITE_TABLES[table])
        for index, ddl in INDEXES.items():
            if index not in present:
                db.execute(ddl)


def _insert_user(db: sqlite3.Connection, user: User, account: Account) -> None:
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


def _insert_session(db: sqlite3.Connection, session: Session) -> None:
    with db:
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


def _select_sessions(
    db: sqlite3.Connection, tokens: Sequence[str], active_after: str | None
) -> list[SessionWithUser]:
    found: list[SessionWithUser] = []
    for chunk in _chunks(tokens):
        marks = ", ".join("?" * len(chunk))
        sql = f'{_JOIN} where s."token" in ({marks})'
        params: list[str] = list(chunk)
        if active_after is not None:
            sql += ' and s."expiresAt" > ?'
            params.append(active_after)
        found.extend(joined_from_row(row, _iso) for row in db.execute(sql, params))
    return found


def _delete_sessions(db: sqlite3.Connection, tokens: Sequence[str]) -> None:
    with db:
        for chunk in _chunks(tokens):
            marks = ", ".join("?" * len(chunk))
            db.execute(f'delete from "session" where "token" in ({marks})', list(chunk))


_CONSUME = consume_rate_limit_sql(lambda name: f":{name}")


class SQLiteStore:
    def __init__(self, path: str) -> None:
        self.path = path
        self._owner: SQLiteOwner | None = None
        self._rate_limit_table = False  # made (if missing) by the first count

    @property
    def owner(self) -> SQLiteOwner:
        if self._owner is None:
            raise StoreError("the database is not open")
        return self._owner

    async def open(self) -> None:
        if self._owner is None:
            self._owner = await acquire(self.path, create_missing)

    async def close(self) -> None:
        owner, self._owner = self._owner, None
        if owner is not None:
            await release(owner)

    async def create_user(self, user: User, account: Account) -> None:
        try:
            await self.owner.write(lambda db: _insert_user(db, user, account))
        except sqlite3.IntegrityError as error:
            # SQLite names the column only in its message: ask the table instead.
            unique = getattr(error, "sqlite_errorcode", None) == sqlite3.SQLITE_CONSTRAINT_UNIQUE
            if unique and await self.find_user_by_email(user.email) is not None:
                raise EmailTakenError(user.email) from error
            raise

    async def find_user_by_email(self, email: str) -> User | None:
        row = await self.owner.read(
            lambda db: db.execute(
                f'select {USER_COLUMNS} from "user" where "email" = ?', (email,)
            ).fetchone()
        )
        return user_from_row(row, _iso) if row else None

    async def find_credential_password(self, user_id: str) -> str | None:
        row = await self.owner.read(
            lambda db: db.execute(
                'select "password" from "account" where "userId" = ? and "providerId" = ? '
                'and "accountId" = ? limit 1',
                (user_id, "credential", user_id),
            ).fetchone()
        )
        return row[0] if row else None

    async def create_session(self, session: Session) -> None:
        await self.owner.write(lambda db: _insert_session(db, session))

    async def find_session(self, token: str) -> SessionWithUser | None:
        row = await self.owner.read(
            lambda db: db.execute(f'{_JOIN} where s."token" = ?', (token,)).fetchone()
        )
        return joined_from_row(row, _iso) if row else None

    async def find_sessions(
        self, tokens: Sequence[str], active_after: str | None = None
    ) -> list[SessionWithUser]:
        return await self.owner.read(lambda db: _select_sessions(db, tokens, active_after))

    async def refresh_session(self, token: str, expires_at: str, updated_at: str) -> None:
        def update(db: sqlite3.Connection) -> None:
            with db:
                db.execute(
                    'update "session" set "expiresAt" = ?, "updatedAt" = ? where "token" = ?',
                    (expires_at, updated_at, token),
                )

        await self.owner.write(update)

    async def delete_sessions(self, tokens: Sequence[str]) -> None:
        await self.owner.write(lambda db: _delete_sessions(db, tokens))

    async def consume_rate_limit(
        self, key: str, window_ms: int, most: int, now_ms: int
    ) -> tuple[int, int]:
        """Count a request against ``key``'s row; its ``count`` and ``lastRequest`` afterwards.
        Rows past their window are pruned as windows restart."""
        params = {"id": generate_id(), "key": key, "now": now_ms, "window": window_ms, "max": most}

        def consume(db: sqlite3.Connection) -> tuple[int, int]:
            with db:
                if not self._rate_limit_table:
                    db.execute(RATE_LIMIT_TABLE)  # better-auth's DDL, made if missing
                    self._rate_limit_table = True
                count, last = db.execute(_CONSUME, params).fetchone()
                if count == 1:  # a window (re)started: prune the rows past theirs
                    db.execute(
                        'delete from "rateLimit" where "lastRequest" < ?', (now_ms - window_ms,)
                    )
            return int(count), int(last)

        return await self.owner.write(consume)
