"""Reading one site's cookies out of a Chromium-family profile, also while it runs.

The cookie database is read from a copy (``snapshot.read_from_copy``): the
profile is never opened, locked or written. Only rows whose host the site would be sent are
selected. Values are decrypted as Chromium does on load (the same keys export
uses: Linux's fixed v10 key, the v11 key in the Secret Service or KWallet,
the Keychain on macOS, DPAPI on Windows); each key store is asked only when
a row needs it.
"""

from __future__ import annotations

import sqlite3
import sys
from collections.abc import Callable
from contextlib import closing
from pathlib import Path
from typing import Any

from switcher.browsers import CookieReadError
from switcher.browsers.chromium import SUPPORTED_META_VERSION, cookie_db, unix_time
from switcher.browsers.chromium_crypto import (
    MAC_ITERATIONS,
    V10,
    V11,
    CookieCryptoError,
    decrypt_value,
    derive_key,
)
from switcher.browsers.chromium_keys import dpapi_key, keychain_password, keyring_password
from switcher.browsers.snapshot import read_from_copy
from switcher.protocol.cookie import Cookie
from switcher.protocol.hosts import stored_cookie_hosts

APP_BOUND = b"v20"


def read_cookies(profile: Path, host: str, browser: str = "chromium") -> list[Cookie]:
    """The cookies ``host`` would be sent, from ``profile`` (a ``Default``-like directory).

    A user-data directory (what ``--user-data-dir`` names) stands for its
    ``Default`` profile: people point at the folder they gave the browser.
    """
    if not cookie_db(profile).is_file() and cookie_db(profile / "Default").is_file():
        profile = profile / "Default"
    db = cookie_db(profile)
    if not db.is_file():
        raise CookieReadError(
            f"{profile} has no cookie database (has the browser used it? a profile is a "
            "folder such as …/Default in the browser's user-data folder)"
        )
    try:
        version, rows = read_from_copy(
            db, lambda copy: _rows(copy, host), "a Chromium cookie database"
        )
    except (TypeError, ValueError) as error:  # a row of unexpected types
        raise CookieReadError(f"{db} has a cookie row switcher cannot read") from error
    return _decrypted(rows, version, _Keys(browser, profile.parent))


Row = tuple[str, str, str, bytes, str, int, int, int, int]
# Unpartitioned rows only: a partitioned cookie belongs to another top-level site.
_SELECT = (
    "SELECT host_key, name, value, encrypted_value, path, expires_utc, has_expires, is_secure, "
    "is_httponly FROM cookies WHERE host_key = ? AND top_frame_site_key = ''"
)


def _rows(db: Path, host: str) -> tuple[int, list[Row]]:
    with closing(sqlite3.connect(db)) as connection:
        meta = dict(connection.execute("SELECT key, value FROM meta").fetchall())
        version = int(str(meta.get("version", "0")) or 0)
        if version > SUPPORTED_META_VERSION:
            raise CookieReadError(
                f"the cookie database has version {version}, newer than the "
                f"{SUPPORTED_META_VERSION} switcher knows; update switcher"
            )
        rows: list[Row] = []
        for stored in stored_cookie_hosts(host):
            rows += [_row(found) for found in connection.execute(_SELECT, (stored,))]
    return version, rows


def _row(found: Any) -> Row:
    """One row as typed values (SQLite hands back whatever the column held)."""
    host_key, name, value, encrypted, path, expires, has_expires, secure, http_only = found
    return (
        str(host_key), str(name), str(value), bytes(encrypted or b""),
        str(path), int(expires), int(has_expires), int(secure), int(http_only),
    )  # fmt: skip


class _Keys:
    """The profile's cookie keys by prefix, each fetched once, when a row first needs it."""

    def __init__(self, browser: str, user_data_dir: Path) -> None:
        self._browser, self._user_data_dir = browser, user_data_dir
        self._known: dict[bytes, bytes | None] = {}

    def for_prefix(self, prefix: bytes) -> bytes | None:
        if prefix not in self._known:
            self._known[prefix] = self._fetch(prefix)
        return self._known[prefix]

    def _fetch(self, prefix: bytes) -> bytes | None:
        fetch: Callable[[], bytes | None]
        if sys.platform == "darwin":

            def fetch() -> bytes | None:
                password = keychain_password(self._browser)
                return None if password is None else derive_key(password, MAC_ITERATIONS)

        elif sys.platform == "win32":

            def fetch() -> bytes | None:
                return dpapi_key(self._user_data_dir)

        elif prefix == V11:

            def fetch() -> bytes | None:
                password = keyring_password(self._browser)
                return None if password is None else derive_key(password)

        else:
            return None  # v10 on Linux: decrypt_value's fixed key
        return fetch()


def _decrypted(rows: list[Row], version: int, keys: _Keys) -> list[Cookie]:
    cookies, failed = [], 0
    for host_key, name, value, encrypted, path, expires, has_expires, secure, http_only in rows:
        if encrypted:
            prefix = encrypted[:3]
            if prefix == APP_BOUND:
                raise CookieReadError(
                    "the browser encrypts its cookies with an app-bound key (Chrome 127 and later "
                    "on Windows), which only the browser can unwrap; export a cookies.txt from "
                    "it instead"
                )
            key = keys.for_prefix(prefix) if prefix in (V10, V11) else None
            try:
                value = decrypt_value(
                    encrypted, host_key, meta_version=version, keys={prefix: key} if key else None
                )
            except CookieCryptoError:
                failed += 1
                continue
        cookies.append(
            Cookie(
                name,
                value,
                host_key.lstrip("."),
                host_only=not host_key.startswith("."),
                path=path or "/",
                secure=bool(secure),
                http_only=bool(http_only),
                expires=unix_time(expires) if has_expires else None,
            )
        )
    if failed and not cookies:
        raise CookieReadError(
            f"none of the site's {failed} cookies could be decrypted: the browser's key is not "
            "available here (a locked keyring, or another user's profile)"
        )
    return cookies
