"""Firefox cookie stores as each schema version made them, for the export tests."""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path

from switcher.browsers import firefox
from switcher.protocol.cookie import Cookie

WEEK = 604800


# Column sets per schema, from the reference's version history (11 dropped
# baseDomain, 12 added schemeMap, 13 isPartitionedAttributeSet, 15 dropped
# rawSameSite, 16 switched expiry to ms, 17 added updateTime).
_V14_COLUMNS = (
    "id INTEGER PRIMARY KEY, originAttributes TEXT NOT NULL DEFAULT '', name TEXT, value TEXT, "
    "host TEXT, path TEXT, expiry INTEGER, lastAccessed INTEGER, creationTime INTEGER, "
    "isSecure INTEGER, isHttpOnly INTEGER, inBrowserElement INTEGER DEFAULT 0, "
    "sameSite INTEGER DEFAULT 0, rawSameSite INTEGER DEFAULT 0, schemeMap INTEGER DEFAULT 0, "
    "isPartitionedAttributeSet INTEGER DEFAULT 0"
)


_V15_COLUMNS = _V14_COLUMNS.replace("rawSameSite INTEGER DEFAULT 0, ", "")


_UNIQUE = ", CONSTRAINT moz_uniqueid UNIQUE (name, host, path, originAttributes)"


def cookie_db(profile: Path, version: int) -> Path:
    """A ``cookies.sqlite`` of schema ``version`` holding one cookie of another site."""
    db = profile / "cookies.sqlite"
    if version >= 17:
        schema = firefox.SCHEMA_17
    else:
        columns = _V14_COLUMNS if version <= 14 else _V15_COLUMNS
        schema = f"CREATE TABLE moz_cookies ({columns}{_UNIQUE})"
    with sqlite3.connect(db) as connection:
        connection.execute(schema)
        connection.execute(f"PRAGMA user_version = {version}")
        connection.execute(
            "INSERT INTO moz_cookies (name, value, host, path, expiry, lastAccessed, creationTime,"
            " isSecure, isHttpOnly) VALUES ('native', 'kept', 'example.org', '/', 1, 1, 1, 0, 0)"
        )
    connection.close()
    return db


def cookie_rows(db: Path) -> list[dict[str, object]]:
    """Every row of ``moz_cookies``, in insertion order."""
    with sqlite3.connect(db) as connection:
        connection.row_factory = sqlite3.Row
        found = [dict(row) for row in connection.execute("SELECT * FROM moz_cookies ORDER BY id")]
    connection.close()
    return found


def profile_files(profile: Path) -> dict[str, bytes]:
    """Every file directly in ``profile`` and its bytes: what a refused export must leave as is."""
    return {p.name: p.read_bytes() for p in sorted(profile.iterdir()) if p.is_file()}


def a_cookie(name: str = "sid", value: str = "v1", **extra: object) -> Cookie:
    """A cookie for 127.0.0.1 that expires in a week; ``extra`` sets other fields."""
    fields: dict[str, object] = {"domain": "127.0.0.1", "expires": time.time() + WEEK, **extra}
    return Cookie(name, value, **fields)  # type: ignore[arg-type]
