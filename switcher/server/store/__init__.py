"""Storage for the bundled server: better-auth's own schema on SQLite or PostgreSQL."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from switcher.server.rows import Account, Session, SessionWithUser, User


class EmailTakenError(Exception):
    """A user with this (lower-cased) email already exists."""


class UnstorableValueError(Exception):
    """The database cannot hold a value it was given (PostgreSQL text cannot hold NUL)."""


class StoreError(Exception):
    """The database cannot be used (unreachable, read-only, not a database).

    Never a bug of ours: the app answers 503 with one log line, no traceback.
    """


class StoreBusyError(StoreError):
    """Another connection held the write lock for longer than the busy timeout."""


class StoreUnavailableError(StoreError):
    """The database server cannot be reached now (restarting, down, connection lost)."""


class StoreReadOnlyError(StoreError):
    """The database, or the file system it is on, cannot be written."""


class StoreFullError(StoreError):
    """The disk (or the database's own size limit) is full."""


class StoreIOError(StoreError):
    """The disk failed a read or a write, or the file is damaged."""


class Store(Protocol):
    """What the endpoints need from a database; every method is one round trip.

    Failures of the database itself raise ``StoreError`` (or a subclass).
    """

    async def open(self) -> None:
        """Connect and create better-auth's tables where they are missing."""

    async def close(self) -> None: ...

    async def create_user(self, user: User, account: Account) -> None:
        """Insert the user and its credential account together or not at all."""

    async def find_user_by_email(self, email: str) -> User | None: ...

    async def find_credential_password(self, user_id: str) -> str | None:
        """The password hash of the user's ``credential`` account, if any."""

    async def create_session(self, session: Session) -> None: ...

    async def find_session(self, token: str) -> SessionWithUser | None: ...

    async def find_sessions(
        self, tokens: Sequence[str], active_after: str | None = None
    ) -> list[SessionWithUser]:
        """Sessions for these tokens (unordered), optionally only those expiring after a date."""

    async def refresh_session(self, token: str, expires_at: str, updated_at: str) -> None: ...

    async def delete_sessions(self, tokens: Sequence[str]) -> None: ...

    async def consume_rate_limit(
        self, key: str, window_ms: int, most: int, now_ms: int
    ) -> tuple[int, int]:
        """Count one request in ``key``'s row of better-auth's ``rateLimit`` table, atomically;
        the row's ``count`` and ``lastRequest`` afterwards: allowed when ``count <= most``."""


def open_store(database_url: str) -> Store:
    """A store for ``sqlite:///path``, ``sqlite://:memory:`` or ``postgresql://…``."""
    if database_url.startswith("sqlite:"):
        from switcher.server.store.sqlite import SQLiteStore, sqlite_path

        return SQLiteStore(sqlite_path(database_url))
    if database_url.startswith(("postgresql://", "postgres://")):
        from switcher.server.store.postgres import PostgresStore

        return PostgresStore(database_url)
    raise ValueError(
        "database URL must start with sqlite:/// (a file) or postgresql:// "
        f"(got {database_url.split(':', 1)[0]!r})"
    )
