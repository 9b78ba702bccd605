"""Reading one site's cookies out of a Firefox profile, also while Firefox runs.

Firefox keeps ``cookies.sqlite`` in WAL mode and holds it open: it is read
from a copy (``snapshot.read_from_copy``), never opened, locked or written.
Only rows whose host the site would be sent are read: cookies for other
sites never leave the profile.
"""

from __future__ import annotations

import sqlite3
from contextlib import closing
from pathlib import Path

from switcher.browsers import CookieReadError
from switcher.browsers.firefox import COOKIES, MAX_SCHEMA, MIN_SCHEMA
from switcher.browsers.snapshot import read_from_copy
from switcher.protocol.cookie import Cookie
from switcher.protocol.hosts import stored_cookie_hosts


def read_cookies(profile: Path, host: str, browser: str = "firefox") -> list[Cookie]:
    """The cookies ``host`` would be sent, from every container of ``profile``.

    ``browser`` is the registry's id (every Firefox-family browser reads alike).
    """
    db = profile / COOKIES
    if not db.is_file():
        raise CookieReadError(f"{profile} has no {COOKIES} (has Firefox run with this profile?)")
    return read_from_copy(db, lambda copy: _rows(copy, host), "Firefox's cookie store")


def _rows(db: Path, host: str) -> list[Cookie]:
    with closing(sqlite3.connect(db)) as connection:
        version = int(connection.execute("PRAGMA user_version").fetchone()[0])
        if version > MAX_SCHEMA:
            raise CookieReadError(
                f"{db.name} uses cookie schema {version}, newer than the {MAX_SCHEMA} switcher "
                "knows; update switcher"
            )
        if version < MIN_SCHEMA:
            raise CookieReadError(f"{db.name} is from a Firefox too old for switcher")
        # One query per host value: parameters only, no SQL built from strings.
        rows = [
            row
            for stored in stored_cookie_hosts(host)
            for row in connection.execute(
                "SELECT name, value, host, path, expiry, isSecure, isHttpOnly FROM moz_cookies "
                "WHERE host = ?",
                (stored,),
            )
        ]
    # Schema 16 (Firefox 142) moved expiry from seconds to milliseconds.
    scale = 1000.0 if version >= 16 else 1.0
    return [
        Cookie(
            str(name),
            str(value),
            str(stored).lstrip("."),
            host_only=not str(stored).startswith("."),
            path=str(path or "/"),
            secure=bool(secure),
            http_only=bool(http_only),
            expires=int(expiry) / scale if expiry else None,
        )
        for name, value, stored, path, expiry, secure, http_only in rows
    ]
