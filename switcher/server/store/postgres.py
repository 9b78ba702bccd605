"""PostgreSQL storage through psycopg 3's async pool, in better-auth's schema.

Dates are ``timestamptz``; they are converted to and from the wire format
here so the endpoints see the same rows as with SQLite.

A database restart ends every pooled connection, which the pool cannot see
until one is used: each connection is checked as it leaves the pool (an
empty query, one round trip), so a restart costs only the statements in
flight (see ``PostgresStore._use``).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any, TypeVar

from switcher.protocol.dates import parse_iso, to_iso
from switcher.server.ids import generate_id
from switcher.server.rows import Account, Session, SessionWithUser, User
from switcher.server.store import (
    EmailTakenError,
    StoreError,
    StoreFullError,
    StoreReadOnlyError,
    StoreUnavailableError,
    UnstorableValueError,
)
from switcher.server.store.schema import (
    INDEXES,
    JOINED_COLUMNS,
    RATE_LIMIT_TABLE,
    TABLES,
    USER_COLUMNS,
    consume_rate_limit_sql,
    joined_from_row,
    user_from_row,
)

if TYPE_CHECKING:
    import psycopg
    from psycopg_pool import AsyncConnectionPool

T = TypeVar("T")

# How long a request waits for a connection while the server is down or
# restarting, before it is answered 503: as long as SQLite's busy timeout.
POOL_TIMEOUT_S = 5.0

POSTGRES_TABLES: dict[str, str] = {
    "user": 'create table "user" ("id" text not null primary key, "name" text not null, '
    '"email" text not null unique, "emailVerified" boolean not null, "image" text, '
    '"createdAt" timestamptz default CURRENT_TIMESTAMP not null, '
    '"updatedAt" timestamptz default CURRENT_TIMESTAMP not null)',
    "session": 'create table "session" ("id" text not null primary key, '
    '"expiresAt" timestamptz not null, "token" text not null unique, '
    '"createdAt" timestamptz default CURRENT_TIMESTAMP not null, '
    '"updatedAt" timestamptz not null, "ipAddress" text, "userAgent" text, '
    '"userId" text not null references "user" ("id") on delete cascade)',
    "account": 'create table "account" ("id" text not null primary key, '
    '"accountId" text not null, "providerId" text not null, '
    '"userId" text not null references "user" ("id") on delete cascade, '
    '"accessToken" text, "refreshToken" text, "idToken" text, '
    '"accessTokenExpiresAt" timestamptz, "refreshTokenExpiresAt" timestamptz, '
    '"scope" text, "password" text, "createdAt" timestamptz default CURRENT_TIMESTAMP not null, '
    '"updatedAt" timestamptz not null)',
    "verification": 'create table "verification" ("id" text not null primary key, '
    '"identifier" text not null, "value" text not null, "expiresAt" timestamptz not null, '
    '"createdAt" timestamptz default CURRENT_TIMESTAMP not null, '
    '"updatedAt" timestamptz default CURRENT_TIMESTAMP not null)',
}


_CONSUME = consume_rate_limit_sql(lambda name: f"%({name})s")


def _iso(value: Any) -> str:
    return to_iso(value) if isinstance(value, datetime) else to_iso(parse_iso(str(value)))


def _reason(error: Exception) -> str:
    return (str(error).strip().splitlines() or [type(error).__name__])[0]


def _translate(error: psycopg.Error) -> Exception:
    """A ``StoreError`` for what the database server did; constraint errors unchanged."""
    import psycopg

    if isinstance(error, psycopg.errors.ReadOnlySqlTransaction):
        return StoreReadOnlyError(f"the PostgreSQL database is read-only: {_reason(error)}")
    if isinstance(error, psycopg.errors.DiskFull):
        return StoreFullError(f"the PostgreSQL server's disk is full: {_reason(error)}")
    if isinstance(error, psycopg.OperationalError):
        # Connection refused or lost, server shutting down or starting, pool timeout.
        return StoreUnavailableError(f"the PostgreSQL database is unavailable: {_reason(error)}")
    return error


_JOIN = f'select {JOINED_COLUMNS} from "session" s join "user" u on u."id" = s."userId"'


class PostgresStore:
    def __init__(self, url: str, max_connections: int = 10) -> None:
        try:
            import psycopg  # noqa: F401
            import psycopg_pool  # noqa: F401
        except ImportError as error:
            raise ImportError(
                "PostgreSQL needs psycopg: pip install 'switcher[postgres]'"
            ) from error
        self.url = url
        self.max_connections = max_connections
        self._pool = self._new_pool()
        self._rate_limit_table = False  # made (if missing) by the first count

    def _new_pool(self) -> AsyncConnectionPool[Any]:
        from psycopg_pool import AsyncConnectionPool

        return AsyncConnectionPool(
            self.url,
            min_size=1,
            max_size=self.max_connections,
            open=False,
            kwargs={"autocommit": True},
            timeout=POOL_TIMEOUT_S,
        )

    async def open(self) -> None:
        import psycopg

        try:
            # One plain connection first: its error names the real problem
            # (refused, authentication, no such database), a pool's only times out.
            probe = await psycopg.AsyncConnection.connect(self.url, connect_timeout=5)
            await probe.close()
        except psycopg.Error as error:
            lost = isinstance(error, psycopg.OperationalError)
            kind = StoreUnavailableError if lost else StoreError
            raise kind(f"cannot use the PostgreSQL database: {_reason(error)}") from None
        try:
            await self._pool.open(wait=True, timeout=10)
            async with self._pool.connection() as conn, conn.transaction():
                # One creator at a time across processes (several workers start together).
                await conn.execute("select pg_advisory_xact_lock(7305861283)")
                present = {
                    row[0]
                    for row in await (
                        await conn.execute(
                            "select tablename from pg_tables where schemaname = current_schema() "
                            "union select indexname from pg_indexes "
                            "where schemaname = current_schema()"
                        )
                    ).fetchall()
                }
                for table in TABLES:
                    if table not in present:
                        await conn.execute(POSTGRES_TABLES[table])
                for index, ddl in INDEXES.items():
                    if index not in present:
                        await conn.execute(ddl)
        except (psycopg.Error, TimeoutError) as error:
            await self._pool.close()
            self._pool = self._new_pool()  # a closed pool cannot open again; the next try may
            raise StoreError(f"cannot use the PostgreSQL database: {error}") from error

    async def close(self) -> None:
        await self._pool.close()

    async def _use(
        self, work: Callable[[psycopg.AsyncConnection[Any]], Awaitable[T]], *, reads_only: bool
    ) -> T:
        """Run ``work`` on a pooled connection that answered just before it.

        A restart of the server ends every pooled connection, and the pool
        cannot tell until one is used: each is tried with an empty query
        first. When that fails, every other idle connection is checked at
        once (the pool makes new ones) and ``work`` gets one more try. When
        the connection is lost during ``work``, only reads are tried again:
        a write may have committed before the connection went.
        """
        import psycopg
        from psycopg_pool import PoolTimeout

        for attempt in (1, 2):
            started = False
            try:
                async with self._pool.connection() as conn:
                    await conn.execute("")
                    started = True
                    return await work(conn)
            except PoolTimeout as error:
                raise _translate(error) from error  # it has waited long enough already
            except psycopg.OperationalError as error:
                if attempt == 2 or (started and not reads_only):
                    raise _translate(error) from error
                await self._pool.check()
            except psycopg.Error as error:
                raise _translate(error) from error
        raise AssertionError("unreachable: the second attempt returns or raises")

    async def _fetch(self, sql: str, params: Sequence[Any]) -> list[tuple[Any, ...]]:
        async def fetch(conn: psycopg.AsyncConnection[Any]) -> list[tuple[Any, ...]]:
            rows: list[tuple[Any, ...]] = await (await conn.execute(sql, params)).fetchall()
            return rows

        return await self._use(fetch, reads_only=True)

    async def _run(self, sql: str, params: Sequence[Any]) -> None:
        async def run(conn: psycopg.AsyncConnection[Any]) -> None:
            await conn.execute(sql, params)

        await self._use(run, reads_only=False)

    async def create_user(self, user: User, account: Account) -> None:
        import psycopg

        async def insert(conn: psycopg.AsyncConnection[Any]) -> None:
            async with conn.transaction():
                await conn.execute(
                    f'insert into "user" ({USER_COLUMNS}) values (%s, %s, %s, %s, %s, %s, %s)',
                    (
                        user.id,
                        user.name,
                        user.email,
                        user.email_verified,
                        user.image,
                        parse_iso(user.created_at),
                        parse_iso(user.updated_at),
                    ),
                )
                await conn.execute(
                    'insert into "account" ("id", "accountId", "providerId", "userId", '
                    '"password", "createdAt", "updatedAt") values (%s, %s, %s, %s, %s, %s, %s)',
                    (
                        account.id,
                        account.account_id,
                        account.provider_id,
                        account.user_id,
                        account.password,
                        parse_iso(account.created_at),
                        parse_iso(account.updated_at),
                    ),
                )

        try:
            await self._use(insert, reads_only=False)
        except psycopg.errors.UniqueViolation as error:
            raise EmailTakenError(user.email) from error
        except psycopg.DataError as error:
            raise UnstorableValueError(str(error)) from error

    async def find_user_by_email(self, email: str) -> User | None:
        rows = await self._fetch(f'select {USER_COLUMNS} from "user" where "email" = %s', (email,))
        return user_from_row(rows[0], _iso) if rows else None

    async def find_credential_password(self, user_id: str) -> str | None:
        rows = await self._fetch(
            'select "password" from "account" where "userId" = %s and "providerId" = %s '
            'and "accountId" = %s limit 1',
            (user_id, "credential", user_id),
        )
        return rows[0][0] if rows else None

    async def create_session(self, session: Session) -> None:
        await self._run(
            'insert into "session" ("id", "token", "userId", "expiresAt", "createdAt", '
            '"updatedAt", "ipAddress", "userAgent") values (%s, %s, %s, %s, %s, %s, %s, %s)',
            (
                session.id,
                session.token,
                session.user_id,
                parse_iso(session.expires_at),
                parse_iso(session.created_at),
                parse_iso(session.updated_at),
                session.ip_address,
                session.user_agent,
            ),
        )

    async def find_session(self, token: str) -> SessionWithUser | None:
        rows = await self._fetch(f'{_JOIN} where s."token" = %s', (token,))
        return joined_from_row(rows[0], _iso) if rows else None

    async def find_sessions(
        self, tokens: Sequence[str], active_after: str | None = None
    ) -> list[SessionWithUser]:
        if active_after is None:
            rows = await self._fetch(f'{_JOIN} where s."token" = any(%s)', (list(tokens),))
        else:
            rows = await self._fetch(
                f'{_JOIN} where s."token" = any(%s) and s."expiresAt" > %s',
                (list(tokens), parse_iso(active_after)),
            )
        return [joined_from_row(row, _iso) for row in rows]

    async def refresh_session(self, token: str, expires_at: str, updated_at: str) -> None:
        await self._run(
            'update "session" set "expiresAt" = %s, "updatedAt" = %s where "token" = %s',
            (parse_iso(expires_at), parse_iso(updated_at), token),
        )

    async def delete_sessions(self, tokens: Sequence[str]) -> None:
        await self._run('delete from "session" where "token" = any(%s)', (list(tokens),))

    async def consume_rate_limit(
        self, key: str, window_ms: int, most: int, now_ms: int
    ) -> tuple[int, int]:
        """Count a request against ``key``'s row in one statement: every worker and host
        on this database counts in the same row."""

        params = {"id": generate_id(), "key": key, "now": now_ms, "window": window_ms, "max": most}

        async def consume(conn: psycopg.AsyncConnection[Any]) -> tuple[int, int]:
            if not self._rate_limit_table:
                await conn.execute(RATE_LIMIT_TABLE)
                self._rate_limit_table = True
            row = await (await conn.execute(_CONSUME, params)).fetchone()
            assert row is not None  # an upsert with RETURNING always returns its row
            count, last = int(row[0]), int(row[1])
            if count == 1:  # a window (re)started: prune the rows past theirs
                await conn.execute(
                    'delete from "rateLimit" where "lastRequest" < %s', (now_ms - window_ms,)
                )
            return count, last

        return await self._use(consume, reads_only=False)
