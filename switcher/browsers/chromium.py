"""Writing a session into a Chromium-family profile (Chromium, Chrome, Brave, Edge, Vivaldi).

The cookie DB (``<profile>/Cookies``, on Windows ``<profile>/Network/Cookies``)
is an SQLite file with meta version 24 on current browsers. Chromium deletes
every cookie of a site when one of its rows fails to load (undecryptable,
wrong SHA-256 prefix, both ``value`` and ``encrypted_value`` set), so each row
is written exactly as Chromium writes its own, read back and decrypted before
the backup is let go, and any doubt restores the files.
"""

from __future__ import annotations

import contextlib
import os
import socket
import sqlite3
import sys
import time
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from switcher.browsers import BrowserRunningError, ExportError, Profile, registry
from switcher.browsers.chromium_crypto import (
    MAC_ITERATIONS,
    V10,
    V10_KEY,
    V11,
    CookieCryptoError,
    decrypt_value,
    derive_key,
    encrypt_value,
)
from switcher.browsers.chromium_keys import (
    dpapi_key,
    keychain_password,
    keyring_password,
    local_state_section,
    uses_app_bound_key,
)
from switcher.browsers.lock_owner import owner_may_run
from switcher.browsers.registry import CHROMIUM_ENCRYPTIONS, Family
from switcher.browsers.safety import ensure_writable, guarded
from switcher.paths import host_config_home
from switcher.protocol.cookie import Cookie

SUPPORTED_META_VERSION = 24
ENCRYPTIONS = CHROMIUM_ENCRYPTIONS
RUNNING_MESSAGE = "Chromium is running; close it and try again"

# Chromium caps cookie lifetimes at 400 days (meta version 19 on).
MAX_LIFETIME = 400 * 24 * 3600
# Seconds between 1601-01-01 (Chromium's epoch) and 1970-01-01.
_EPOCH_DELTA = 11_644_473_600
_SAME_SITE = {"none": 0, "lax": 1, "strict": 2}
_PRIORITY_MEDIUM = 1
_SOURCE_TYPE_HTTP = 1
_SCHEME_HTTP, _SCHEME_HTTPS = 1, 2
_PORT_UNSPECIFIED = -1

# Exactly what Chromium 156 creates (meta version 24); compared column by
# column before a write so a changed layout is refused rather than guessed.
_SCHEMA_24 = (
    "CREATE TABLE meta(key LONGVARCHAR NOT NULL UNIQUE PRIMARY KEY, value LONGVARCHAR)",
    "CREATE TABLE cookies(creation_utc INTEGER NOT NULL,host_key TEXT NOT NULL,"
    "top_frame_site_key TEXT NOT NULL,name TEXT NOT NULL,value TEXT NOT NULL,"
    "encrypted_value BLOB NOT NULL,path TEXT NOT NULL,expires_utc INTEGER NOT NULL,"
    "is_secure INTEGER NOT NULL,is_httponly INTEGER NOT NULL,last_access_utc INTEGER NOT NULL,"
    "has_expires INTEGER NOT NULL,is_persistent INTEGER NOT NULL,priority INTEGER NOT NULL,"
    "samesite INTEGER NOT NULL,source_scheme INTEGER NOT NULL,source_port INTEGER NOT NULL,"
    "last_update_utc INTEGER NOT NULL,source_type INTEGER NOT NULL,"
    "has_cross_site_ancestor INTEGER NOT NULL)",
    "CREATE UNIQUE INDEX cookies_unique_index ON cookies(host_key, top_frame_site_key, "
    "has_cross_site_ancestor, name, path, source_scheme, source_port)",
)
_COLUMNS_24 = (
    "creation_utc",
    "host_key",
    "top_frame_site_key",
    "name",
    "value",
    "encrypted_value",
    "path",
    "expires_utc",
    "is_secure",
    "is_httponly",
    "last_access_utc",
    "has_expires",
    "is_persistent",
    "priority",
    "samesite",
    "source_scheme",
    "source_port",
    "last_update_utc",
    "source_type",
    "has_cross_site_ancestor",
)
_INSERT = (
    f"INSERT INTO cookies ({', '.join(_COLUMNS_24)}) "  # noqa: S608 -- constant column list
    f"VALUES ({', '.join('?' for _ in _COLUMNS_24)})"
)

# -- finding profiles --------------------------------------------------------


def user_data_dirs(home: Path | None = None, platform: str | None = None) -> list[tuple[str, Path]]:
    """Candidate (browser, user-data dir) pairs for this platform, existing or not.

    With an explicit ``home`` the environment (XDG_CONFIG_HOME, LOCALAPPDATA)
    is ignored, so tests can point at a fake home.
    """
    platform = platform or sys.platform
    base = home or Path.home()
    result: list[tuple[str, Path]] = []
    for entry in registry.BROWSERS:  # read at each call: the registry is the one list
        if entry.family != Family.CHROMIUM:
            continue
        browser = entry.id
        if platform == "darwin":
            result.append((browser, base / "Library" / "Application Support" / entry.mac_dir))
        elif platform == "win32":
            local = os.environ.get("LOCALAPPDATA") if home is None else None
            root = Path(local) if local else base / "AppData" / "Local"
            result.append((browser, root / entry.windows_dir))
        else:
            config = host_config_home() if home is None else base / ".config"
            for pattern in entry.linux_dirs:
                if pattern.startswith("{config}/"):
                    result.append((browser, config / pattern.removeprefix("{config}/")))
                else:
                    result.append((browser, base / pattern))
    return result


def profiles_in(browser: str, user_data_dir: Path) -> list[Profile]:
    """The profiles of one user-data dir, in the browser's own order."""
    state = local_state_section(user_data_dir, "profile")
    cache = state.get("info_cache")
    cache = cache if isinstance(cache, dict) else {}
    order = [d for d in state.get("profiles_order") or [] if isinstance(d, str)]
    names = order + sorted(d for d in cache if d not in order)
    if not names and (user_data_dir / "Default").is_dir():
        names = ["Default"]  # never ran far enough to write Local State
    last_used = state.get("last_used")
    default = last_used if isinstance(last_used, str) and last_used in names else "Default"
    profiles = []
    for directory in names:
        path = user_data_dir / directory
        if not path.is_dir():
            continue  # a deleted profile can linger in Local State
        info = cache.get(directory)
        name = info.get("name") if isinstance(info, dict) else None
        profiles.append(
            Profile(
                browser=browser,
                name=name if isinstance(name, str) and name else directory,
                path=path,
                is_default=directory == default,
            )
        )
    return profiles


def find_profiles(home: Path | None = None) -> list[Profile]:
    """Every Chromium-family profile found under ``home`` (default: the user's)."""
    found: list[Profile] = []
    seen: set[Path] = set()
    for browser, directory in user_data_dirs(home):
        if directory in seen or not directory.is_dir():
            continue
        seen.add(directory)
        found.extend(profiles_in(browser, directory))
    return found


# -- the running browser -----------------------------------------------------


def is_running(profile: Path) -> bool:
    """Whether a browser has ``profile`` (e.g. ``User Data/Default``) open.

    Chromium keeps its lock in the user-data dir above the profile (Opera in
    the profile itself): a ``SingletonLock`` symlink to ``hostname-pid``,
    judged by ``lock_owner``'s one rule (stale only when proven stale, as
    Chromium itself does after a crash). On Windows the sign is ``lockfile``,
    which the browser keeps open without sharing.
    """
    return any(_lock_held(directory) for directory in (profile.parent, profile))


def _lock_held(directory: Path) -> bool:
    if sys.platform == "win32":
        return _windows_lock_held(directory / "lockfile")
    lock = directory / "SingletonLock"
    try:
        target = os.readlink(lock)
    except FileNotFoundError:
        return False
    except OSError:
        return lock.exists()  # exists but is no symlink (or unreadable): cannot tell
    host, _, pid_text = target.rpartition("-")
    return owner_may_run(host == socket.gethostname(), pid_text)


def _windows_lock_held(lockfile: Path) -> bool:
    """Chromium on Windows holds ``User Data\\lockfile`` open without sharing while it runs."""
    if not lockfile.exists():
        return False
    try:
        with lockfile.open("rb"):
            return False  # a stale file left by a crash: nobody holds it
    except PermissionError:
        return True
    except OSError:
        return True  # can't tell: assume the worst


# -- the cookie database -----------------------------------------------------


def cookie_db(profile_dir: Path) -> Path:
    """``Network/Cookies`` where the browser has migrated (Windows), else ``Cookies``."""
    network = profile_dir / "Network" / "Cookies"
    return network if network.exists() else profile_dir / "Cookies"


def create_cookie_db(path: Path) -> None:
    """A new, empty cookie DB with the meta version 24 schema, as Chromium 156 creates it."""
    with contextlib.closing(sqlite3.connect(path, isolation_level=None)) as db:
        db.execute("BEGIN")
        for statement in _SCHEMA_24:
            db.execute(statement)
        db.executemany(
            "INSERT INTO meta (key, value) VALUES (?, ?)",
            [
                ("mmap_status", "-1"),
                ("version", str(SUPPORTED_META_VERSION)),
                ("last_compatible_version", str(SUPPORTED_META_VERSION)),
            ],
        )
        db.execute("COMMIT")
    with contextlib.suppress(OSError):
        path.chmod(0o600)  # as private as the browser keeps it


def _meta(db: sqlite3.Connection) -> dict[str, str]:
    try:
        return {str(k): str(v) for k, v in db.execute("SELECT key, value FROM meta")}
    except sqlite3.DatabaseError as error:
        raise ExportError(
            "The Chromium cookie database can't be read (it is not a cookie database or is "
            "damaged); open the profile in the browser once and try again"
        ) from error


def read_meta_version(path: Path) -> int:
    """The DB's meta version, after checking it and the table layout are what we know.

    Opened read-only so a refusal leaves the files byte-identical.
    """
    try:
        with contextlib.closing(sqlite3.connect(f"{path.as_uri()}?mode=ro", uri=True)) as db:
            meta = _meta(db)
            columns = tuple(str(row[1]) for row in db.execute("PRAGMA table_info(cookies)"))
    except sqlite3.DatabaseError as error:
        raise ExportError(
            f"The Chromium cookie database {path} can't be opened ({error.__class__.__name__})"
        ) from error
    version_text = meta.get("version", "")
    compatible_text = meta.get("last_compatible_version", version_text)
    if not version_text.isdigit() or not compatible_text.isdigit():
        raise ExportError("The Chromium cookie database has no usable version; refusing to write")
    version = int(version_text)
    if version != SUPPORTED_META_VERSION or int(compatible_text) > SUPPORTED_META_VERSION:
        hint = (
            "open the profile in a current browser once so it upgrades the database"
            if version < SUPPORTED_META_VERSION
            else "this browser is newer than switcher knows; update switcher"
        )
        raise ExportError(
            f"The Chromium cookie database has version {version}, but switcher can only write "
            f"version {SUPPORTED_META_VERSION}: {hint}"
        )
    if columns != _COLUMNS_24:
        raise ExportError(
            "The Chromium cookie database has an unexpected table layout for version "
            f"{version}; refusing to write"
        )
    return version


# -- rows --------------------------------------------------------------------


def _chrome_time(unix_seconds: float) -> int:
    return int((unix_seconds + _EPOCH_DELTA) * 1_000_000)


def unix_time(chrome_micros: int) -> float:
    """A Chromium time (microseconds since 1601) as Unix seconds."""
    return chrome_micros / 1_000_000 - _EPOCH_DELTA


def _host_key(cookie: Cookie) -> str:
    host = cookie.domain.strip().lower()
    return host if cookie.host_only else "." + host.lstrip(".")


def _check(cookie: Cookie) -> None:
    """Refuse what Chromium would drop on load (only the name goes into messages)."""
    label = f"cookie {cookie.name!r} for {cookie.domain}"
    if not cookie.name or not cookie.domain.strip(". "):
        raise ExportError(f"{label} has no name or host")
    if not cookie.path.startswith("/"):
        raise ExportError(f"{label} has a path that does not start with '/'")
    for text in (cookie.name, cookie.value, cookie.path):
        if any(ord(ch) < 0x20 or ord(ch) == 0x7F for ch in text):
            raise ExportError(f"{label} contains control characters Chromium rejects")
    if cookie.name.startswith(("__Secure-", "__Host-")) and not cookie.secure:
        raise ExportError(f"{label} needs the Secure attribute for its name prefix")
    if cookie.name.startswith("__Host-") and (not cookie.host_only or cookie.path != "/"):
        raise ExportError(f"{label} must be host-only with path '/' for its name prefix")


@dataclass(frozen=True)
class _Row:
    cookie: Cookie
    host_key: str
    values: tuple[object, ...]


def _rows(
    cookies: Sequence[Cookie],
    encode: Encoding,
    meta_version: int,
    now: float,
) -> list[_Row]:
    by_key: dict[tuple[str, str, str], _Row] = {}
    base = _chrome_time(now)
    for index, cookie in enumerate(cookies):
        _check(cookie)
        if cookie.expires is not None and cookie.expires <= now:
            raise ExportError(
                f"cookie {cookie.name!r} for {cookie.domain} has already expired; sign in again"
            )
        host_key = _host_key(cookie)
        # Chromium deletes non-persistent rows at startup, so a session cookie
        # is stored persistent; the server's own session expiry still applies.
        expires = now + MAX_LIFETIME if cookie.expires is None else cookie.expires
        expires = min(expires, now + MAX_LIFETIME)
        if encode.prefix is None or encode.key is None:
            value, encrypted = cookie.value, b""
        else:
            value = ""
            encrypted = encrypt_value(
                cookie.value,
                host_key,
                meta_version=meta_version,
                key=encode.key,
                prefix=encode.prefix,
            )
        scheme, port = (_SCHEME_HTTPS, 443) if cookie.secure else (_SCHEME_HTTP, _PORT_UNSPECIFIED)
        created = base + index  # distinct creation times keep the jar's order
        same_site = _SAME_SITE.get((cookie.same_site or "").lower(), -1)
        values: tuple[object, ...] = (
            created,
            host_key,
            "",  # top_frame_site_key: unpartitioned
            cookie.name,
            value,
            encrypted,
            cookie.path,
            _chrome_time(expires),
            int(cookie.secure),
            int(cookie.http_only),
            created,
            1,  # has_expires
            1,  # is_persistent
            _PRIORITY_MEDIUM,
            same_site,
            scheme,
            port,
            created,
            _SOURCE_TYPE_HTTP,
            1,  # has_cross_site_ancestor: what Chromium writes for unpartitioned cookies
        )
        by_key[(host_key, cookie.name, cookie.path)] = _Row(cookie, host_key, values)
    return list(by_key.values())


@dataclass(frozen=True)
class Encoding:
    """How cookie values are written: encrypted with ``prefix`` and ``key``, or plain (None)."""

    prefix: bytes | None
    key: bytes | None
    # The keys the read-back decrypts with, by prefix, beyond the fixed v10 key.
    keys: Mapping[bytes, bytes] = field(default_factory=dict)


_PLAINTEXT = Encoding(prefix=None, key=None)
_V10 = Encoding(prefix=V10, key=V10_KEY)


def _with_key(prefix: bytes, key: bytes) -> Encoding:
    return Encoding(prefix=prefix, key=key, keys={prefix: key})


def _auto_encoding(browser: str, user_data_dir: Path, platform: str) -> Encoding:
    """What the platform's browser reads, asking each key store at most once."""
    if platform == "darwin":
        # Reading the Keychain asks the person first; if they say no, the
        # plaintext column still signs the browser in.
        password = keychain_password(browser)
        if password is None:
            return _PLAINTEXT
        return _with_key(V10, derive_key(password, MAC_ITERATIONS))
    if platform == "win32":
        # An app-bound (v20) browser may no longer read DPAPI-keyed v10 rows
        # (untested), and only Chrome can unwrap its v20 key: plaintext is the
        # route it certainly reads.
        if uses_app_bound_key(user_data_dir):
            return _PLAINTEXT
        key = dpapi_key(user_data_dir)
        return _PLAINTEXT if key is None else _with_key(V10, key)
    # v10 is accepted by basic and keyring profiles alike on Linux and the BSDs.
    return _V10


def _encoding(encryption: str, browser: str, user_data_dir: Path, platform: str) -> Encoding:
    if encryption not in ENCRYPTIONS:
        raise ValueError(f"encryption must be one of {', '.join(ENCRYPTIONS)}")
    if encryption == "auto":
        return _auto_encoding(browser, user_data_dir, platform)
    if encryption == "plaintext":
        return _PLAINTEXT
    if encryption == "v10":
        return _V10
    if encryption == "keychain":
        password = keychain_password(browser)
        if password is None:
            raise ExportError(
                "The browser's Safe Storage password could not be read from the Keychain "
                "(access denied, or the browser never ran); allow the access or export "
                "with the default encryption"
            )
        return _with_key(V10, derive_key(password, MAC_ITERATIONS))
    if encryption == "dpapi":
        aes_key = dpapi_key(user_data_dir)
        if aes_key is None:
            raise ExportError(
                "The browser's cookie key could not be unwrapped with DPAPI (Local State has "
                "none, or it belongs to another user); export with the default encryption"
            )
        return _with_key(V10, aes_key)
    password = keyring_password(browser)
    if password is None:
        raise ExportError(
            "The browser's key is not in the Secret Service (keyring locked or never used); "
            "export with the default encryption instead"
        )
    return _with_key(V11, derive_key(password))


def _write(db_path: Path, rows: Sequence[_Row]) -> None:
    with contextlib.closing(sqlite3.connect(db_path, isolation_level=None, timeout=2)) as db:
        # TRUNCATE leaves an empty -journal behind, as Chromium does, instead
        # of deleting the file; both are fine for Chromium.
        db.execute("PRAGMA journal_mode=TRUNCATE")
        db.execute("BEGIN IMMEDIATE")
        try:
            for row in rows:
                # Any scheme/port: an older row for the same cookie would
                # otherwise be loaded next to ours.
                db.execute(
                    "DELETE FROM cookies WHERE host_key = ? AND name = ? AND path = ? "
                    "AND top_frame_site_key = ''",
                    (row.host_key, row.cookie.name, row.cookie.path),
                )
                db.execute(_INSERT, row.values)
            db.execute("COMMIT")
        except BaseException:
            db.execute("ROLLBACK")
            raise


def _verify(
    db_path: Path, rows: Sequence[_Row], meta_version: int, keys: Mapping[bytes, bytes]
) -> None:
    """Re-read every written row and decrypt it as Chromium will."""
    with contextlib.closing(sqlite3.connect(f"{db_path.as_uri()}?mode=ro", uri=True)) as db:
        for row in rows:
            label = f"cookie {row.cookie.name!r} for {row.cookie.domain}"
            found = db.execute(
                "SELECT value, encrypted_value, is_persistent FROM cookies "
                "WHERE host_key = ? AND name = ? AND path = ? AND top_frame_site_key = ''",
                (row.host_key, row.cookie.name, row.cookie.path),
            ).fetchall()
            if len(found) != 1:
                raise ExportError(f"Read-back of {label} found {len(found)} rows; restored")
            value, encrypted, persistent = found[0]
            if persistent != 1:
                raise ExportError(f"Read-back of {label} found a session row; restored")
            if encrypted:
                if value:
                    raise ExportError(f"Read-back of {label} found both value columns; restored")
                try:
                    stored = decrypt_value(
                        bytes(encrypted), row.host_key, meta_version=meta_version, keys=keys
                    )
                except CookieCryptoError as error:
                    raise ExportError(f"Read-back of {label} did not decrypt: {error}") from None
            else:
                stored = value
            if stored != row.cookie.value:
                raise ExportError(f"Read-back of {label} did not match what was written")


@contextlib.contextmanager
def _new_db_removed_on_failure(db_path: Path) -> Iterator[None]:
    """Create the DB if missing; remove it again if the export then fails."""
    if db_path.exists():
        yield
        return
    try:
        create_cookie_db(db_path)
    except (OSError, sqlite3.Error) as error:
        db_path.unlink(missing_ok=True)
        raise ExportError(f"Could not create the cookie database {db_path}") from error
    try:
        yield
    except BaseException:
        db_path.unlink(missing_ok=True)
        db_path.with_name(db_path.name + "-journal").unlink(missing_ok=True)
        raise


def export(
    profile_dir: Path,
    cookies: Sequence[Cookie],
    *,
    backup_dir: Path,
    browser: str = "chromium",
    container: str | None = None,
    encryption: str = "auto",
    platform: str | None = None,
) -> None:
    """Write ``cookies`` into the Chromium-family profile at ``profile_dir``.

    ``encryption``: "auto" picks what the platform's browser reads: Linux
    v10 (accepted by basic and keyring profiles); macOS the Keychain key if
    the person allows it; Windows the DPAPI key unless the browser uses an
    app-bound key; otherwise "plaintext" (the ``value`` column, no crypto).
    Or one of them by name: "v10", "v11" (the Secret Service key; only for a
    profile that runs with the keyring, since a basic-store browser deletes
    the site's cookies on a v11 row), "keychain", "dpapi", "plaintext".
    ``browser`` picks the keyring or Keychain item; ``platform`` (default
    ``sys.platform``) whose conventions to follow.

    Raises ``BrowserRunningError`` while the browser has the profile open and
    ``ExportError`` for everything else; the files are then as they were.
    """
    if container is not None:
        raise ExportError("containers are a Firefox feature")
    if not profile_dir.is_dir():
        raise ExportError(f"The Chromium profile {profile_dir} does not exist")
    if is_running(profile_dir):
        raise BrowserRunningError(RUNNING_MESSAGE)
    encode = _encoding(encryption, browser, profile_dir.parent, platform or sys.platform)
    db_path = cookie_db(profile_dir)
    ensure_writable(db_path.parent)
    if db_path.exists():
        ensure_writable(db_path)
    journal = db_path.with_name(db_path.name + "-journal")
    with _new_db_removed_on_failure(db_path):
        meta_version = read_meta_version(db_path)
        rows = _rows(cookies, encode, meta_version, time.time())
        with guarded([db_path, journal], backup_dir):
            _write(db_path, rows)
            _verify(db_path, rows, meta_version, encode.keys)
