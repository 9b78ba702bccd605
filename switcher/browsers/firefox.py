"""Writing a session into a Firefox profile's ``cookies.sqlite``.

Facts this relies on (verified against firefox-esr 153, schema 17):
the DB is only safe to touch while Firefox is closed; ``expiry`` is in
milliseconds from schema 16 on and in seconds before; the other times are
microseconds; a container's cookies carry ``^userContextId=N``; session cookies
never live on disk, so a row always needs a real future expiry.
"""

from __future__ import annotations

import configparser
import contextlib
import json
import os
import socket
import sqlite3
import sys
import time
from collections.abc import Iterator, Sequence
from contextlib import closing, contextmanager
from pathlib import Path

from switcher.browsers import BrowserRunningError, ExportError, Profile
from switcher.browsers.lock_owner import owner_may_run
from switcher.browsers.safety import ensure_writable, guarded
from switcher.paths import host_config_home
from switcher.protocol.cookie import Cookie

COOKIES = "cookies.sqlite"
# The highest schema verified end to end; a newer Firefox may change units again.
MAX_SCHEMA = 17
# From 11 on, rows are unique per (name, host, path, originAttributes) and there
# is no baseDomain column; older layouts are from long-unsupported Firefox versions.
MIN_SCHEMA = 11

# Exactly what firefox-esr 153 creates (reference section 1.1).
SCHEMA_17 = (
    "CREATE TABLE moz_cookies (id INTEGER PRIMARY KEY, originAttributes TEXT NOT NULL DEFAULT '', "
    "name TEXT, value TEXT, host TEXT, path TEXT, expiry INTEGER, lastAccessed INTEGER, "
    "creationTime INTEGER, isSecure INTEGER, isHttpOnly INTEGER, "
    "inBrowserElement INTEGER DEFAULT 0, "
    "sameSite INTEGER DEFAULT 0, schemeMap INTEGER DEFAULT 0, "
    "isPartitionedAttributeSet INTEGER DEFAULT 0, updateTime INTEGER, "
    "CONSTRAINT moz_uniqueid UNIQUE (name, host, path, originAttributes))"
)

# nsICookie SAMESITE_* constants.
_SAME_SITE = {"none": 0, "lax": 1, "strict": 2}
SAME_SITE_UNSET = 256
# schemeMap bits: the scheme the cookie was set from.
_SCHEME_HTTP = 1
_SCHEME_HTTPS = 2

# Firefox's built-in containers, used when containers.json was never written
# (Firefox creates these same defaults on first use).
_BUILTIN_CONTAINERS = {
    "user-context-personal": ("Personal", 1),
    "user-context-work": ("Work", 2),
    "user-context-banking": ("Banking", 3),
    "user-context-shopping": ("Shopping", 4),
}

_REQUIRED_COLUMNS = frozenset(
    {
        "originAttributes",
        "name",
        "value",
        "host",
        "path",
        "expiry",
        "lastAccessed",
        "creationTime",
        "isSecure",
        "isHttpOnly",
    }
)


# --- finding profiles ------------------------------------------------------------


def _roots(home: Path, platform: str, environ: dict[str, str]) -> list[Path]:
    if platform == "darwin":
        return [home / "Library" / "Application Support" / "Firefox"]
    if platform == "win32":
        roaming = Path(environ["APPDATA"]) if "APPDATA" in environ else home / "AppData" / "Roaming"
        local = (
            Path(environ["LOCALAPPDATA"])
            if "LOCALAPPDATA" in environ
            else home / "AppData" / "Local"
        )
        store = local / "Packages" / "Mozilla.Firefox_n80bbvh6b1yt2" / "LocalCache" / "Roaming"
        return [roaming / "Mozilla" / "Firefox", store / "Mozilla" / "Firefox"]
    config = Path(environ.get("XDG_CONFIG_HOME") or home / ".config")
    flatpak = home / ".var" / "app" / "org.mozilla.firefox"
    # Firefox 147+ creates new installs under XDG config; older ones keep ~/.mozilla.
    return [
        config / "mozilla" / "firefox",
        home / ".mozilla" / "firefox",
        flatpak / "config" / "mozilla" / "firefox",
        flatpak / ".mozilla" / "firefox",
        home / "snap" / "firefox" / "common" / ".mozilla" / "firefox",
    ]


def _read_ini(path: Path) -> configparser.ConfigParser:
    parser = configparser.ConfigParser(interpolation=None, strict=False)
    parser.optionxform = str  # type: ignore[assignment,method-assign]  # keys are case-sensitive
    try:
        parser.read(path, encoding="utf-8")
    except (configparser.Error, UnicodeDecodeError, OSError):
        # A damaged ini must not hide the other roots' profiles.
        return configparser.ConfigParser(interpolation=None)
    return parser


def _resolve(root: Path, value: str, relative: bool) -> Path:
    # profiles.ini always writes "/" separators, even on Windows.
    return root.joinpath(*value.split("/")) if relative else Path(value)


def _profiles_in(root: Path) -> list[Profile]:
    profiles_ini = _read_ini(root / "profiles.ini")
    installs_ini = _read_ini(root / "installs.ini")
    # Since Firefox 67 each installation has its own default ([Install<hash>] /
    # installs.ini [<hash>]), and that wins over the legacy Default=1.
    install_defaults: set[str] = set()
    for parser in (profiles_ini, installs_ini):
        for section in parser.sections():
            if parser is installs_ini or section.startswith("Install"):
                default = parser.get(section, "Default", fallback="")
                if default:
                    install_defaults.add(default)
    found: list[tuple[Profile, str, bool]] = []
    for section in profiles_ini.sections():
        if not section.startswith("Profile"):
            continue
        raw = profiles_ini.get(section, "Path", fallback="")
        if not raw:
            continue
        relative = profiles_ini.get(section, "IsRelative", fallback="1").strip() == "1"
        path = _resolve(root, raw, relative)
        name = profiles_ini.get(section, "Name", fallback="") or path.name
        legacy = profiles_ini.get(section, "Default", fallback="0").strip() == "1"
        found.append((Profile("firefox", name, path), raw, legacy))
    result: list[Profile] = []
    for profile, raw, legacy in found:
        is_default = raw in install_defaults if install_defaults else legacy
        result.append(Profile(profile.browser, profile.name, profile.path, is_default=is_default))
    return result


def find_profiles(home: Path | None = None) -> list[Profile]:
    """Every Firefox profile in the usual places (default ones flagged).

    Profiles whose directory is gone are left out; each directory is listed once
    even if two roots lead to it (e.g. a ~/.mozilla symlink to ~/.config).
    """
    environ = dict(os.environ)
    if home is not None:
        # A given home stands for a whole user: don't mix in this user's XDG/APPDATA.
        for key in ("XDG_CONFIG_HOME", "APPDATA", "LOCALAPPDATA"):
            environ.pop(key, None)
    else:
        # The host's ~/.config even from inside a Flatpak sandbox.
        environ["XDG_CONFIG_HOME"] = str(host_config_home())
    base = home if home is not None else Path.home()
    seen: set[Path] = set()
    profiles: list[Profile] = []
    for root in _roots(base, sys.platform, environ):
        if not (root / "profiles.ini").is_file():
            continue
        for profile in _profiles_in(root):
            if not profile.path.is_dir():
                continue
            real = profile.path.resolve()
            if real in seen:
                continue
            seen.add(real)
            profiles.append(profile)
    return profiles


# --- is Firefox running? -----------------------------------------------------------


def _parentlock_held(profile: Path) -> bool:
    import fcntl  # POSIX only; Windows is handled by the caller

    lock = profile / ".parentlock"
    try:
        fd = os.open(lock, os.O_RDWR)
    except FileNotFoundError:
        return False  # no lock file: nothing to probe
    except OSError:
        return True  # there but unreadable: cannot tell, so it counts (lock_owner's rule)
    try:
        try:
            fcntl.lockf(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            return True  # EAGAIN/EACCES: another process holds it
        fcntl.lockf(fd, fcntl.LOCK_UN)
        return False
    finally:
        os.close(fd)


def _this_host_addresses() -> set[str]:
    addresses = {"127.0.0.1", "127.0.1.1"}
    # No resolvable hostname: the loopback addresses are still checked.
    with contextlib.suppress(OSError):
        addresses.add(socket.gethostbyname(socket.gethostname()))
    return addresses


def _lock_link_alive(profile: Path) -> bool:
    # Linux's "lock" symlink reads "IP:+PID". --screenshot leaves it behind
    # with a dead PID, so only a live PID on this host counts.
    try:
        target = os.readlink(profile / "lock")
    except OSError:
        return False
    address, _, pid_text = target.rpartition(":+")
    return owner_may_run(address in _this_host_addresses(), pid_text)


def is_running(profile: Path) -> bool:
    """True if a Firefox has ``profile`` open (lock held, or a live ``lock`` link)."""
    if sys.platform == "win32":
        # Firefox opens parent.lock without sharing; opening it fails while it runs.
        lock = profile / "parent.lock"
        if not lock.exists():
            return False
        try:
            with lock.open("ab"):
                return False
        except PermissionError:
            return True
    return _parentlock_held(profile) or _lock_link_alive(profile)


# --- containers -------------------------------------------------------------------


def _container_names(profile: Path) -> dict[str, int]:
    path = profile / "containers.json"
    if not path.exists():
        return dict(_BUILTIN_CONTAINERS.values())
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        identities = data["identities"]
    except (OSError, ValueError, KeyError, TypeError) as error:
        raise ExportError(f"{path} can't be read ({type(error).__name__})") from error
    names: dict[str, int] = {}
    for identity in identities if isinstance(identities, list) else []:
        if not isinstance(identity, dict) or not identity.get("public", True):
            continue  # internal ids (thumbnails, extension storage) are not containers
        context = identity.get("userContextId")
        if not isinstance(context, int):
            continue
        name = identity.get("name")
        if not isinstance(name, str):
            # Built-ins store a localisation id; show the English name people see.
            name = _BUILTIN_CONTAINERS.get(str(identity.get("l10nId")), (None, 0))[0]
        if name:
            names[name] = context
    return names


def _user_context_id(profile: Path, container: str) -> int:
    names = _container_names(profile)
    if container in names:
        return names[container]
    folded = {name.casefold(): context for name, context in names.items()}
    if container.casefold() in folded:
        return folded[container.casefold()]
    listed = ", ".join(sorted(names)) or "none"
    raise ExportError(f"Firefox has no container named {container!r}; its containers: {listed}")


# --- writing ----------------------------------------------------------------------


def _validate(cookie: Cookie) -> None:
    # Messages name the cookie, never its value.
    if not cookie.name or not cookie.domain:
        raise ExportError("A cookie without a name or host can't be written")
    if not cookie.path.startswith("/"):
        raise ExportError(f"Cookie {cookie.name}: path must start with '/'")
    if cookie.expires is None:
        raise ExportError(
            f"Cookie {cookie.name} is a session cookie; Firefox keeps those only in memory, "
            "so it can't be written into the profile"
        )
    if cookie.expires <= time.time():
        raise ExportError(f"Cookie {cookie.name} has already expired")
    if cookie.same_site is not None and cookie.same_site.lower() not in _SAME_SITE:
        raise ExportError(f"Cookie {cookie.name}: unknown SameSite value {cookie.same_site!r}")


@contextmanager
def _connect(db: Path) -> Iterator[sqlite3.Connection]:
    try:
        connection = sqlite3.connect(db, timeout=1.0, isolation_level=None)
    except sqlite3.Error as error:
        raise ExportError(f"{db} can't be opened ({type(error).__name__})") from error
    with closing(connection):
        yield connection


def _is_locked(error: sqlite3.Error) -> bool:
    """Another connection (the running Firefox) holds the database."""
    code = getattr(error, "sqlite_errorcode", None)
    return code is not None and code & 0xFF in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED)


def _create(db: Path) -> None:
    # A profile that never ran has no cookies.sqlite; build the one Firefox would.
    with _connect(db) as connection:
        connection.execute("PRAGMA journal_mode = WAL")
        connection.execute("BEGIN")
        connection.execute(SCHEMA_17)
        connection.execute(f"PRAGMA user_version = {MAX_SCHEMA}")
        connection.execute("COMMIT")


def _row(
    cookie: Cookie, columns: set[str], version: int, origin: str, now_us: int
) -> dict[str, object]:
    assert cookie.expires is not None  # _validate refused session cookies
    same_site = _SAME_SITE[cookie.same_site.lower()] if cookie.same_site is not None else None
    row: dict[str, object] = {
        "originAttributes": origin,
        "name": cookie.name,
        "value": cookie.value,
        "host": cookie.domain if cookie.host_only else "." + cookie.domain.lstrip("."),
        "path": cookie.path,
        # The unit changed in schema 16 (Firefox 142); seconds there read as 1970.
        "expiry": int(cookie.expires * 1000) if version >= 16 else int(cookie.expires),
        "lastAccessed": now_us,
        "creationTime": now_us,
        "isSecure": int(cookie.secure),
        "isHttpOnly": int(cookie.http_only),
        "inBrowserElement": 0,
        "schemeMap": _SCHEME_HTTPS if cookie.secure else _SCHEME_HTTP,
        "isPartitionedAttributeSet": 0,
        "updateTime": now_us,
    }
    if "rawSameSite" in columns:
        # Before schema 15 an absent attribute was sameSite 0 with rawSameSite 0.
        row["sameSite"] = same_site if same_site is not None else 0
        row["rawSameSite"] = same_site if same_site is not None else 0
    else:
        row["sameSite"] = same_site if same_site is not None else SAME_SITE_UNSET
    return {key: value for key, value in row.items() if key in columns}


def _write(db: Path, cookies: Sequence[Cookie], origin: str) -> list[tuple[str, ...]]:
    with _connect(db) as connection:
        try:
            version = int(connection.execute("PRAGMA user_version").fetchone()[0])
        except sqlite3.OperationalError as error:
            if _is_locked(error):
                raise BrowserRunningError(
                    f"Firefox is using {db}; close it and try again"
                ) from error
            raise
        if version > MAX_SCHEMA:
            raise ExportError(
                f"{db} uses cookie schema {version}, newer than the {MAX_SCHEMA} switcher knows; "
                "update switcher to write into this Firefox"
            )
        has_table = connection.execute(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'moz_cookies'"
        ).fetchone()
        if has_table is None:
            raise ExportError(
                f"{db} is not a Firefox cookie database; start Firefox once with this profile"
            )
        if version < MIN_SCHEMA:
            raise ExportError(
                f"{db} uses cookie schema {version}, from a Firefox too old for switcher; "
                "update Firefox and start it once"
            )
        columns = {str(info[1]) for info in connection.execute("PRAGMA table_info(moz_cookies)")}
        if not columns >= _REQUIRED_COLUMNS:
            raise ExportError(f"{db} does not have the cookie table switcher expects")
        now_us = time.time_ns() // 1000
        keys: list[tuple[str, ...]] = []
        connection.execute("BEGIN IMMEDIATE")
        try:
            for cookie in cookies:
                row = _row(cookie, columns, version, origin, now_us)
                key = (str(row["name"]), str(row["host"]), str(row["path"]), origin)
                # DELETE + INSERT replaces even in a table that lost its unique constraint.
                connection.execute(
                    "DELETE FROM moz_cookies"
                    " WHERE name = ? AND host = ? AND path = ? AND originAttributes = ?",
                    key,
                )
                names = ", ".join(row)
                marks = ", ".join("?" for _ in row)
                connection.execute(
                    f"INSERT INTO moz_cookies ({names}) VALUES ({marks})",  # noqa: S608 - column names come from PRAGMA table_info
                    tuple(row.values()),
                )
                keys.append((*key, cookie.value, str(row["expiry"])))
            connection.execute("COMMIT")
        except BaseException:
            if connection.in_transaction:
                connection.execute("ROLLBACK")
            raise
    return keys


def _verify(db: Path, expected: Sequence[tuple[str, ...]]) -> None:
    # A fresh connection proves the rows reached the file, not just our cache.
    with _connect(db) as connection:
        for name, host, path, origin, value, expiry in expected:
            found = connection.execute(
                "SELECT value, expiry FROM moz_cookies"
                " WHERE name = ? AND host = ? AND path = ? AND originAttributes = ?",
                (name, host, path, origin),
            ).fetchall()
            if len(found) != 1 or found[0][0] != value or str(found[0][1]) != expiry:
                raise ExportError(f"Cookie {name} did not read back as written")


def export(
    profile: Path,
    cookies: Sequence[Cookie],
    *,
    backup_dir: Path,
    browser: str = "firefox",
    container: str | None = None,
    encryption: str = "auto",
) -> None:
    """Write ``cookies`` into ``profile``'s cookie store (in ``container`` if given).

    The family interface every browser family's module has (``chromium.export``
    takes the same). Refuses while Firefox has the profile open. On any
    failure the profile's cookie files are restored from ``backup_dir`` and
    ``ExportError`` is raised.
    """
    if encryption != "auto":
        raise ExportError("Firefox stores cookie values as they are: --encryption is for Chromium")
    if not profile.is_dir():
        raise ExportError(f"The Firefox profile folder {profile} does not exist")
    if is_running(profile):
        raise BrowserRunningError(
            f"Firefox is running with profile {profile}; close it and try again"
        )
    for cookie in cookies:
        _validate(cookie)
    origin = "" if container is None else f"^userContextId={_user_context_id(profile, container)}"
    db = profile / COOKIES
    ensure_writable(profile)
    files = [db, *(db.with_name(COOKIES + suffix) for suffix in ("-wal", "-shm", "-journal"))]
    for path in files:
        if path.exists():
            ensure_writable(path)
    with guarded(files, backup_dir):
        try:
            if not db.exists():
                _create(db)
            expected = _write(db, cookies, origin)
            _verify(db, expected)
        except sqlite3.Error as error:
            if _is_locked(error):
                raise BrowserRunningError(
                    f"Firefox is running with profile {profile}; close it and try again"
                ) from error
            raise ExportError(
                f"Writing {db} failed ({type(error).__name__}: {error.sqlite_errorname})"
            ) from error
