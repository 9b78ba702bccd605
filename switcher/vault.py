"""The account index (a plain JSON file) and each account's cookies (the secret store).

The index holds nothing secret: servers, accounts (id, name, email, image,
expiry, last seen, status) and the active account per server. Every change is
made under a lock held across processes, on a fresh read of the file, and
saved crash-safe (``private_files.write_atomic``): readers never see a
missing, empty or half-written index. A missing or corrupt index is recovered
from its backup and the recovery is saved at once, with a notice for the
person; accounts only the keyring still holds come back through
``Accounts.reconcile`` once their server confirms them.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any

from switcher.bundled import LOCAL, LOCAL_URL
from switcher.display_text import who
from switcher.paths import private_dir
from switcher.private_files import (
    FileLock,
    LockTimeoutError,
    make_private,
    replace,
    write_atomic,
)
from switcher.protocol.cookie import Cookie
from switcher.protocol.dates import parse_iso
from switcher.protocol.endpoints import DEFAULT_BASE_PATH
from switcher.secrets import SecretStore

log = logging.getLogger("switcher.vault")

# Version 2 is version 1 plus servers' base_path; version 3 adds their
# origin, version 4 their sign-in page. Each is written only when a server
# needs it (a base path other than the default, an origin or a sign-in page
# of its own), so that an older switcher (one still running after an
# upgrade) stops with "written by a newer switcher" instead of saving the
# index back without it.
INDEX_VERSION = 4
_ORIGIN_INDEX_VERSION = 3
_BASE_PATH_INDEX_VERSION = 2
_PLAIN_INDEX_VERSION = 1
_KNOWN_VERSIONS = (
    _PLAIN_INDEX_VERSION, _BASE_PATH_INDEX_VERSION, _ORIGIN_INDEX_VERSION, INDEX_VERSION
)  # fmt: skip
# Seconds to wait for the index lock. Its holders never wait on the network,
# but may on the keyring (up to its own timeout per call, an unlock prompt).
LOCK_TIMEOUT = 60.0
_DIRECTORY_KEY = "__accounts__"  # per server: the user ids it holds, for rebuilding
CORRUPT_PREFIX = "accounts.json.corrupt-"  # damaged copies moved aside, newest last by name
KEEP_CORRUPT_COPIES = 5


class VaultError(Exception):
    """The index cannot be read or written; the message says why."""


class NewerIndexError(ValueError):
    """The index was written by a newer switcher: never rebuild or overwrite it."""


class AccountStatus(StrEnum):
    """Whether an account's session stands; saved in the index as its value."""

    VALID = "valid"
    EXPIRED = "expired"
    REVOKED = "revoked"

    @property
    def ended(self) -> str | None:
        """How an ended session reads in a list (the tray, the window, the command line)."""
        return {AccountStatus.REVOKED: "revoked elsewhere", AccountStatus.EXPIRED: "expired"}.get(
            self
        )

    @classmethod
    def parse(cls, value: object) -> AccountStatus:
        # A status a newer version invented is not a session to use.
        return cls(str(value)) if value in cls._value2member_map_ else cls.REVOKED


@dataclass
class Account:
    user_id: str
    email: str
    name: str = ""
    image: str | None = None
    expires_at: str | None = None
    last_seen: str | None = None
    status: AccountStatus = AccountStatus.VALID
    signed_in_at: str | None = None  # the session's createdAt
    ip_address: str | None = None
    user_agent: str | None = None
    # Changes whenever the account's cookies are stored anew, so another
    # process's cached copy of the old cookies is known to be stale.
    cookie_stamp: str | None = None

    @property
    def label(self) -> str:
        """One short line: a server's name for a user may hold newlines, tabs, or a novel."""
        return who(self.name, self.email)


@dataclass
class Server:
    name: str
    url: str  # the site, e.g. https://app.example.com
    ca_bundle: str | None = None
    accounts: list[Account] = field(default_factory=list)
    active: str | None = None  # user id
    refreshed_at: float = 0.0
    base_path: str = DEFAULT_BASE_PATH  # where the site mounts better-auth
    # The Origin to send, for a site that trusts another address than the one
    # it is reached at (None: the site's own URL's origin).
    origin: str | None = None
    # Where a person signs in to the site in a browser (None: the site's root).
    sign_in_url: str | None = None

    @property
    def auth_url(self) -> str:
        return self.url + self.base_path

    @property
    def shown_url(self) -> str:
        """The site's URL, with its base path where that is not the default."""
        return self.url if self.base_path == DEFAULT_BASE_PATH else self.auth_url

    def account(self, user_id: str) -> Account | None:
        return next((a for a in self.accounts if a.user_id == user_id), None)

    def find(self, email: str) -> Account | None:
        wanted = email.strip().lower()
        return next((a for a in self.accounts if a.email.lower() == wanted), None)


@dataclass(frozen=True)
class PendingAdd:
    """A sign-in in progress; left behind when its process died, for reconciliation."""

    server: str
    email: str
    pid: int
    host: str
    started_at: float
    user_id: str | None = None  # known once the server answered, saved before any keyring write
    sign_up: bool = False  # a new account: it may exist on the server even if unsaved here

    def is_abandoned(self, now: float, grace: float) -> bool:
        """Its process is gone (same host), or it is older than any sign-in can take."""
        if now - self.started_at > grace:
            return True
        if self.host != socket.gethostname():
            return False
        return not _process_alive(self.pid)


@dataclass
class Index:
    current: str = LOCAL
    servers: dict[str, Server] = field(default_factory=dict)
    # Grows with every save (at least by one; otherwise the time in microseconds,
    # so that an index rebuilt from an older backup still counts as the newest):
    # the newest state wins in memory, in every process that watches the file.
    generation: int = 0
    pending: list[PendingAdd] = field(default_factory=list)
    # Set when the index was rebuilt: the keyring's lists are to be looked at.
    needs_reconcile: bool = False

    @classmethod
    def empty(cls) -> Index:
        return cls(current=LOCAL, servers={LOCAL: Server(LOCAL, LOCAL_URL)})

    def to_json(self) -> dict[str, Any]:
        return {
            "version": self._version(),
            "generation": self.generation,
            "current": self.current,
            "servers": {name: asdict(server) for name, server in self.servers.items()},
            "pending": [asdict(p) for p in self.pending],
            "needs_reconcile": self.needs_reconcile,
        }

    def _version(self) -> int:
        """The oldest version that holds everything in this index."""
        servers = self.servers.values()
        if any(s.sign_in_url is not None for s in servers):
            return INDEX_VERSION
        if any(s.origin is not None for s in servers):
            return _ORIGIN_INDEX_VERSION
        if any(s.base_path != DEFAULT_BASE_PATH for s in servers):
            return _BASE_PATH_INDEX_VERSION
        return _PLAIN_INDEX_VERSION

    @classmethod
    def from_json(cls, data: Any) -> Index:
        if not isinstance(data, dict):
            raise ValueError("not a switcher index")
        version = data.get("version")
        if isinstance(version, int) and version > INDEX_VERSION:
            raise NewerIndexError(version)
        if version not in _KNOWN_VERSIONS:
            raise ValueError("not a switcher index of a known version")
        servers = {}
        for name, raw in data["servers"].items():
            if not isinstance(raw, dict) or not isinstance(raw.get("accounts", []), list):
                raise ValueError("a server is not an object with a list of accounts")
            servers[name] = Server(
                name=name,
                url=_text(raw["url"]),
                ca_bundle=_optional_text(raw.get("ca_bundle")),
                accounts=[_account_from_json(a) for a in raw.get("accounts", [])],
                active=_optional_text(raw.get("active")),
                refreshed_at=float(raw.get("refreshed_at", 0.0)),
                base_path=_base_path(raw.get("base_path", DEFAULT_BASE_PATH)),
                origin=_optional_text(raw.get("origin")),
                sign_in_url=_optional_text(raw.get("sign_in_url")),
            )
        servers.setdefault(LOCAL, Server(LOCAL, LOCAL_URL))
        current = str(data.get("current", LOCAL))
        pending = [
            PendingAdd(
                server=str(p["server"]),
                email=str(p["email"]),
                pid=int(p["pid"]),
                host=str(p["host"]),
                started_at=float(p["started_at"]),
                user_id=p.get("user_id"),
                sign_up=bool(p.get("sign_up", False)),
            )
            for p in data.get("pending", [])
        ]
        return cls(
            current=current if current in servers else LOCAL,
            servers=servers,
            generation=int(data.get("generation", 0)),
            pending=pending,
            needs_reconcile=bool(data.get("needs_reconcile", False)),
        )


# Account fields by kind: what a hand edit or a damaged disk may have changed
# into something else, which would surface later as a crash far from the file.
_ACCOUNT_DATES = ("expires_at", "last_seen", "signed_in_at")
_ACCOUNT_OPTIONAL_TEXT = ("image", "ip_address", "user_agent", "cookie_stamp")


def _text(value: object) -> str:
    if not isinstance(value, str) or not value:
        raise ValueError("expected text")
    return value


def _base_path(value: object) -> str:
    text = _text(value)
    if not text.startswith("/"):
        raise ValueError("a base path starts with /")
    return text


def _optional_text(value: object) -> str | None:
    if value is not None and not isinstance(value, str):
        raise ValueError("expected text or nothing")
    return value


def _account_from_json(raw: object) -> Account:
    if not isinstance(raw, dict):
        raise ValueError("an account is not an object")
    # Fields a newer version added are dropped, not a reason to distrust the file.
    known = {k: v for k, v in raw.items() if k in Account.__dataclass_fields__ and k != "status"}
    _text(known.get("user_id"))
    _text(known.get("email"))
    if not isinstance(known.get("name", ""), str):
        raise ValueError("an account's name is not text")
    for key in _ACCOUNT_OPTIONAL_TEXT:
        _optional_text(known.get(key))
    for key in _ACCOUNT_DATES:
        if known.get(key) is not None:
            parse_iso(_text(known[key]))  # ValueError when it is not a date
    return Account(**known, status=AccountStatus.parse(raw.get("status", AccountStatus.VALID)))


def _process_alive(pid: int) -> bool:
    if os.name == "nt":
        return True  # no cheap check; the age limit decides there
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone else's process has that pid now: not ours, but alive
    return True


def service_name(url: str) -> str:
    """The keyring service for one server: its origin."""
    return f"switcher {url.rstrip('/')}"


def parse_index(raw: bytes) -> Index | None:
    """The index saved in ``raw``, or None when it is not one (corrupt, truncated, foreign).

    Raises ``NewerIndexError`` for an index a newer switcher wrote.
    """
    try:
        return Index.from_json(json.loads(raw))
    except NewerIndexError:
        raise
    except (ValueError, KeyError, TypeError, AttributeError):
        return None


def index_path(config_dir: Path) -> Path:
    """Where the account index is kept in ``config_dir``."""
    return config_dir / "accounts.json"


def backup_path(config_dir: Path) -> Path:
    """Where the account index's last good copy is kept in ``config_dir``."""
    return config_dir / "accounts.json.bak"


class _Missing:
    """The index file is not there."""


class _Corrupt:
    """The index file is there but is not an index."""


class Vault:
    def __init__(self, config_dir: Path, secrets: SecretStore) -> None:
        self.config_dir = config_dir
        self.path = index_path(config_dir)
        self.backup = backup_path(config_dir)
        self.lock_path = config_dir / "accounts.lock"
        self.secrets = secrets
        self.notices: list[str] = []  # things the person should be told (a recovered index)
        self._cookies: dict[tuple[str, str], tuple[str | None, list[Cookie]]] = {}
        self._publishing = threading.Lock()
        self.index = Index.empty()  # the newest saved state this process has seen
        self.index = self.load()

    # -- reading ----------------------------------------------------------------
    def _read_file(self) -> Index | _Missing | _Corrupt:
        try:
            raw = self.path.read_bytes()
        except FileNotFoundError:
            return _Missing()
        except OSError as error:
            raise VaultError(f"cannot read {self.path}: {error.strerror}") from None
        try:
            index = parse_index(raw)
        except NewerIndexError as newer:
            raise VaultError(
                f"{self.path} was written by a newer switcher (index version {newer}); "
                "update switcher to use it (nothing was changed)"
            ) from None
        return index if index is not None else _Corrupt()

    def read_saved(self) -> Index | None:
        """The index as saved now, without a lock and without repairing anything."""
        state = self._read_file()
        return state if isinstance(state, Index) else None

    def load(self) -> Index:
        """The saved index; a missing or corrupt one is recovered, and the recovery saved."""
        state = self._read_file()
        if isinstance(state, Index):
            return self.publish(state)
        # No index and no backup: a first run (or one whose first command failed
        # before saving anything; every save leaves a backup). Both deleted by
        # hand is taken for the same; the app's start still adopts the accounts
        # the keyring holds and their server confirms.
        if isinstance(state, _Missing) and not self.backup.exists():
            return Index.empty()
        with self._lock():
            return self.publish(self._read_or_recover())

    def publish(self, index: Index) -> Index:
        """Make ``index`` the state in memory unless a newer one is there; returns the newest."""
        with self._publishing:
            if index.generation >= self.index.generation:
                self.index = index
            return self.index

    # -- changing ---------------------------------------------------------------
    @contextlib.contextmanager
    def _lock(self) -> Iterator[None]:
        try:
            private_dir(self.config_dir)
        except OSError as error:
            raise VaultError(f"cannot create {self.config_dir}: {error.strerror}") from None
        try:
            lock = FileLock(self.lock_path, timeout=LOCK_TIMEOUT).__enter__()
        except LockTimeoutError:
            raise VaultError(
                f"another switcher has kept the account index busy for over {LOCK_TIMEOUT:.0f} s "
                "(waiting for the keyring to be unlocked?); try again"
            ) from None
        try:
            yield
        finally:
            lock.__exit__(None, None, None)

    @contextlib.contextmanager
    def locked(self) -> Iterator[Index]:
        """Hold the index lock, read the index afresh, and save it if the block succeeds.

        The block gets its own copy: a failure leaves the saved and the
        published state as they were. Never hold this across a network call.
        """
        with self._lock():
            index = self._read_or_recover()
            yield index
            self._save(index)

    def _save(self, index: Index, *, publish: bool = True) -> None:
        previous = index.generation
        index.generation = max(
            max(index.generation, self.index.generation) + 1, time.time_ns() // 1000
        )
        data = json.dumps(index.to_json(), indent=2).encode()
        try:
            write_atomic(self.path, data, backup=self.backup)
            if not self.backup.exists():
                # The first save has a backup too: from now on a missing index
                # with its backup is a lost index, never mistaken for a first run.
                # Its own bytes, not a link: a link would share the index's
                # inode, and an edit in place would damage both.
                write_atomic(self.backup, data)
        except OSError as error:
            index.generation = previous
            raise VaultError(f"cannot write {self.path}: {error.strerror}") from None
        if publish:
            self.publish(index)

    def checkpoint(self, index: Index) -> None:
        """Save ``index`` within a ``locked()`` block (which saves it again at its end).

        Not published: the block goes on changing it, and memory must show only
        what the block's end saves.
        """
        self._save(index, publish=False)

    # -- recovery (under the lock) ----------------------------------------------------
    def _read_or_recover(self) -> Index:
        state = self._read_file()
        if isinstance(state, Index):
            return state
        if isinstance(state, _Missing) and not self.backup.exists():
            return Index.empty()
        if isinstance(state, _Corrupt):
            # A new name each time (a second damage within a second must not
            # overwrite the first copy); the oldest beyond a few are let go.
            stamp = time.strftime("%Y%m%d-%H%M%S") + f".{time.time_ns() % 10**9:09d}"
            aside = self.path.with_name(f"{CORRUPT_PREFIX}{stamp}")
            try:
                replace(self.path, aside)
                make_private(aside)
            except OSError as error:
                raise VaultError(
                    f"{self.path} is corrupt and cannot be moved aside: {error.strerror}"
                ) from None
            self._prune_corrupt_copies()
            what = f"was corrupt; it was moved to {aside.name}"
        else:
            what = "was missing"
        try:
            saved = parse_index(self.backup.read_bytes())
        except (OSError, NewerIndexError):
            saved = None
        index = saved if saved is not None else Index.empty()
        if saved is not None:
            source = "its backup (the last change before that may be missing)"
        else:
            source = "scratch (add your other servers again with switcher server add URL)"
        # Accounts the keyring still holds but the backup lacks are not put back
        # blindly (another switcher profile may share the keyring): the next
        # `accounts list` or app start adopts those the server still honours.
        index.needs_reconcile = True
        notice = (
            f"the account index {self.path} {what}; it was rebuilt from {source}; "
            "accounts the keyring still holds come back once their server confirms them"
        )
        self._save(index)
        self.notices.append(notice)
        log.info("%s", notice)  # the front-end shows it to the person, once
        return index

    def _prune_corrupt_copies(self) -> None:
        copies = sorted(self.path.parent.glob(CORRUPT_PREFIX + "*"))
        for old in copies[:-KEEP_CORRUPT_COPIES]:
            with contextlib.suppress(OSError):
                old.unlink()

    # -- secrets ----------------------------------------------------------------
    def cookies(self, server: Server, account: Account) -> list[Cookie]:
        """An account's cookies: read from the secret store once per stored version."""
        key = (server.url, account.user_id)
        cached = self._cookies.get(key)
        if cached is not None and cached[0] == account.cookie_stamp:
            return cached[1]
        cookies = _decode_cookies(self.secrets.get(service_name(server.url), account.user_id))
        self._cookies[key] = (account.cookie_stamp, cookies)
        return cookies

    def stored_cookies(self, server: Server, user_id: str) -> list[Cookie]:
        """What the secret store holds for a user id the index may not list (uncached)."""
        return _decode_cookies(self.secrets.get(service_name(server.url), user_id))

    def store_cookies(self, server: Server, account: Account, cookies: list[Cookie]) -> None:
        payload = json.dumps({"v": 1, "cookies": [c.to_dict() for c in cookies]})
        self.secrets.set(service_name(server.url), account.user_id, payload)
        account.cookie_stamp = os.urandom(8).hex()  # a version mark, not a secret
        self._cookies[(server.url, account.user_id)] = (account.cookie_stamp, cookies)

    def forget_cookies(self, server: Server, user_ids: list[str]) -> None:
        """Delete these users' cookies, and their names from the keyring's list."""
        for user_id in user_ids:
            self.secrets.delete(service_name(server.url), user_id)
            self._cookies.pop((server.url, user_id), None)
        gone = set(user_ids)
        ids = self.directory(server)
        if gone & set(ids):
            self._store_directory(server, [i for i in ids if i not in gone])

    # -- the keyring's list of each server's accounts ------------------------------------
    # The keyring cannot list its entries, so each server has one entry naming
    # the user ids it holds cookies for: the index can be rebuilt from it, and
    # cookies an interrupted sign-in stored can be found again. Changed only
    # under the index lock, read-modify-write: it may name accounts the index
    # does not (yet) hold, which must not be lost by another change.
    def directory(self, server: Server) -> list[str]:
        raw = self.secrets.get(service_name(server.url), _DIRECTORY_KEY)
        try:
            ids = json.loads(raw) if raw else []
        except ValueError:
            return []
        return [str(i) for i in ids] if isinstance(ids, list) else []

    def add_to_directory(self, server: Server, user_id: str) -> None:
        ids = self.directory(server)
        if user_id not in ids:
            self._store_directory(server, [*ids, user_id])

    def _store_directory(self, server: Server, user_ids: list[str]) -> None:
        service = service_name(server.url)
        if user_ids:
            self.secrets.set(service, _DIRECTORY_KEY, json.dumps(sorted(set(user_ids))))
        else:
            self.secrets.delete(service, _DIRECTORY_KEY)


def _decode_cookies(raw: str | None) -> list[Cookie]:
    if not raw:
        return []
    try:
        data = json.loads(raw)
        return [Cookie.from_dict(item) for item in data["cookies"]]
    except (ValueError, KeyError, TypeError):
        return []
