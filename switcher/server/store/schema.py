"""better-auth 1.7.25's default schema, as its own migrations create it.

Column names are camelCase and quoted; the DDL text is what
``getMigrations().compileMigrations()`` emits, so a database created by either
server is exactly what the other expects.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from switcher.server.rows import Session, SessionWithUser, User

TABLES = ("user", "session", "account", "verification")

SQLITE_TABLES: dict[str, str] = {
    "user": 'create table "user" ("id" text not null primary key, "name" text not null, '
    '"email" text not null unique, "emailVerified" integer not null, "image" text, '
    '"createdAt" date not null, "updatedAt" date not null)',
    "session": 'create table "session" ("id" text not null primary key, '
    '"expiresAt" date not null, "token" text not null unique, "createdAt" date not null, '
    '"updatedAt" date not null, "ipAddress" text, "userAgent" text, '
    '"userId" text not null references "user" ("id") on delete cascade)',
    "account": 'create table "account" ("id" text not null primary key, '
    '"accountId" text not null, "providerId" text not null, '
    '"userId" text not null references "user" ("id") on delete cascade, '
    '"accessToken" text, "refreshToken" text, "idToken" text, '
    '"accessTokenExpiresAt" date, "refreshTokenExpiresAt" date, "scope" text, '
    '"password" text, "createdAt" date not null, "updatedAt" date not null)',
    "verification": 'create table "verification" ("id" text not null primary key, '
    '"identifier" text not null, "value" text not null, "expiresAt" date not null, '
    '"createdAt" date not null, "updatedAt" date not null)',
}

INDEXES: dict[str, str] = {
    "session_userId_idx": 'create index "session_userId_idx" on "session" ("userId")',
    "account_userId_idx": 'create index "account_userId_idx" on "account" ("userId")',
    "verification_identifier_idx": 'create index "verification_identifier_idx" '
    'on "verification" ("identifier")',
}

USER_COLUMNS = '"id", "name", "email", "emailVerified", "image", "createdAt", "updatedAt"'
SESSION_COLUMNS = (
    '"id", "token", "userId", "expiresAt", "createdAt", "updatedAt", "ipAddress", "userAgent"'
)
JOINED_COLUMNS = (
    's."id", s."token", s."userId", s."expiresAt", s."createdAt", s."updatedAt", '
    's."ipAddress", s."userAgent", u."id", u."name", u."email", u."emailVerified", '
    'u."image", u."createdAt", u."updatedAt"'
)


def user_from_row(row: Sequence[Any], iso: Callable[[Any], str], at: int = 0) -> User:
    """A ``USER_COLUMNS`` row (starting at ``at``); ``iso`` turns a stored date into wire form."""
    return User(
        id=row[at],
        name=row[at + 1],
        email=row[at + 2],
        email_verified=bool(row[at + 3]),
        image=row[at + 4],
        created_at=iso(row[at + 5]),
        updated_at=iso(row[at + 6]),
    )


def joined_from_row(row: Sequence[Any], iso: Callable[[Any], str]) -> SessionWithUser:
    """A ``JOINED_COLUMNS`` row: the session's eight columns, then the user's."""
    session = Session(
        id=row[0],
        token=row[1],
        user_id=row[2],
        expires_at=iso(row[3]),
        created_at=iso(row[4]),
        updated_at=iso(row[5]),
        ip_address=row[6],
        user_agent=row[7],
    )
    return SessionWithUser(session, user_from_row(row, iso, 8))


# better-auth's rateLimit table (rateLimit.storage: "database"), made only when
# that storage is chosen, as its migrations do. One row per client and path.
# The same text for SQLite and PostgreSQL.
RATE_LIMIT_TABLE = (
    'create table if not exists "rateLimit" ("id" text not null primary key, '
    '"key" text not null unique, "count" integer not null, "lastRequest" bigint not null)'
)


def consume_rate_limit_sql(mark: Callable[[str], str]) -> str:
    """One request counted against its row, atomically; returns the row's ``count`` and
    ``lastRequest`` afterwards. Allowed requests leave ``count`` at most the maximum (a new
    row, a new window, or one more); a refused one marks it ``max + 1``, so that two
    requests in one millisecond can never both read as allowed. better-auth reads any
    ``count >= max`` in the window as full, so it refuses exactly as switcher does.
    ``mark(name)`` is the driver's placeholder for a named parameter."""
    now, window, most = mark("now"), mark("window"), mark("max")
    stale = f'{now} - "rateLimit"."lastRequest" >= {window}'
    full = f'"rateLimit"."count" >= {most}'
    return (
        'insert into "rateLimit" ("id", "key", "count", "lastRequest") '
        f"values ({mark('id')}, {mark('key')}, 1, {now}) "
        'on conflict ("key") do update set '
        f'"count" = case when {stale} then 1 when {full} then {most} + 1 '
        'else "rateLimit"."count" + 1 end, '
        f'"lastRequest" = case when {stale} then {now} when {full} '
        f'then "rateLimit"."lastRequest" else {now} end '
        'returning "count", "lastRequest"'
    )
