"""The account index (a plain JSON file) and each account's cookies (the secret store).

The index holds nothing secret: servers, accounts (id, name, email, image,
expiry, last seen, status) and the active account per server. It is written
atomically (temp file, fsync, rename) while holding a lock file, so two
processes cannot interleave. A corrupt index is moved aside and rebuilt from
the last good copy and from the keyring's own list of accounts.
"""

from __future__ import annotations

import contextlib
import json
import os
import time
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from switcher.client.jar import Cookie
from switcher.secrets import SecretStore

INDEX_VERSION = 1
LOCAL = "local"
LOCAL_URL = "http://127.0.0.1:3000"
_DIRECTORY_KEY = "__accounts__"  # per server: the user ids it holds, for rebuilding


class VaultError(Exception):
    """The index cannot be read or written; the message says why."""


@dataclass
class Account:
    user_id: str
    email: str
    name: str = ""
    image: str | None = None
    expires_at: str | None = None
    last_seen: str | None = None
    status: str = "valid"  # valid | expired | revoked
    signed_in_at: str | None = None  # the session's createdAt
    ip_address: str | None = None
    user_agent: str | None = None


@dataclass
class Server:
    name: str
    url: str
    ca_bundle: str | None = None
    accounts: list[Account] = field(default_factory=list)
    active: str | None = None  # user id
    refreshed_at: float = 0.0

    def account(self, user_id: str) -> Account | None:
        return next((a for a in self.accounts if a.user_id == user_id), None)

    def find(self, email: str) -> Account | None:
        wanted = email.strip().lower()
        return next((a for a in self.accounts if a.email.lower() == wanted), None)


@dataclass
class Index:
    current: str = LOCAL
    servers: dict[str, Server] = field(default_factory=dict)

    @classmethod
    def empty(cls) -> Index:
        return cls(current=LOCAL, servers={LOCAL: Server(LOCAL, LOCAL_URL)})

    def to_json(self) -> dict[str, Any]:
        return {
            "version": INDEX_VERSION,
            "current": self.current,
            "servers": {name: asdict(server) for name, server in self.servers.items()},
        }

    @classmethod
    def from_json(cls, data: Any) -> Index:
        if not isinstance(data, dict) or data.get("version") != INDEX_VERSION:
            raise ValueError("not a switcher index of a known version")
        servers = {}
        for name, raw in data["servers"].items():
            known = Account.__dataclass_fields__
            # Fields a newer version added are dropped, not a reason to distrust the file.
            accounts = [
                Account(**{k: v for k, v in a.items() if k in known})
                for a in raw.get("accounts", [])
            ]
            servers[name] = Server(
                name=name,
                url=str(raw["url"]),
                ca_bundle=raw.get("ca_bundle"),
                accounts=accounts,
                active=raw.get("active"),
                refreshed_at=float(raw.get("refreshed_at", 0.0)),
            )
        servers.setdefault(LOCAL, Server(LOCAL, LOCAL_URL))
        current = str(data.get("current", LOCAL))
        return cls(current=current if current in servers else LOCAL, servers=servers)


def service_name(url: str) -> str:
    """The keyring service for one server: its origin."""
    return f"switcher {url.rstrip('/')}"


def parse_index(raw: bytes) -> Index | None:
    """The index saved in ``raw``, or None when it is not one (corrupt, truncated, foreign)."""
    try:
        return Index.from_json(json.loads(raw))
    except (ValueError, KeyError, TypeError, AttributeError):
        return None


class Vault:
    def __init__(self, config_dir: Path, secrets: SecretStore) -> None:
        self.config_dir = config_dir
        self.path = config_dir / "accounts.json"
        self.backup = config_dir / "accounts.json.bak"
        self.secrets = secrets
        self.notices: list[str] = []  # things the user should be told (a rebuilt index)
        self._cookies: dict[tuple[str, str], list[Cookie]] = {}
        self.index = self._read()

    # -- the index ------------------------------------------------------------
    def _read(self) -> Index:
        try:
            raw = self.path.read_bytes()
        except FileNotFoundError:
            return Index.empty()
        except OSError as error:
            raise VaultError(f"cannot read {self.path}: {error.strerror}") from None
        index = parse_index(raw)
        return index if index is not None else self._rebuild()

    def _rebuild(self) -> Index:
        aside = self.path.with_name(f"accounts.json.corrupt-{int(time.time())}")
        with contextlib.suppress(OSError):
            os.replace(self.path, aside)
        try:
            saved = parse_index(self.backup.read_bytes())
        except OSError:
            saved = None
        index = saved if saved is not None else Index.empty()
        source = "its last good copy" if saved is not None else "scratch"
        # Accounts the keyring knows about but the copy lacks come back too;
        # their names and emails return with the next refresh.
        for server in index.servers.values():
            for user_id in self._directory(server.url):
                if server.account(user_id) is None:
                    server.accounts.append(Account(user_id=user_id, email="", status="valid"))
        self.notices.append(
            f"the account index {self.path} was corrupt; it was moved to {aside.name} "
            f"and rebuilt from {source} and the keyring"
        )
        return index

    def _directory(self, url: str) -> list[str]:
        raw = self.secrets.get(service_name(url), _DIRECTORY_KEY)
        try:
            ids = json.loads(raw) if raw else []
        except ValueError:
            return []
        return [str(i) for i in ids] if isinstance(ids, list) else []

    def save(self) -> None:
        """Write the index atomically; the previous version becomes the backup."""
        text = json.dumps(self.index.to_json(), indent=2)
        temp = self.path.with_name(f".accounts.json.{os.getpid()}.tmp")
        try:
            self.config_dir.mkdir(parents=True, exist_ok=True)
            with open(temp, "w") as handle:
                handle.write(text)
                handle.flush()
                os.fsync(handle.fileno())
            if self.path.exists():
                os.replace(self.path, self.backup)
            os.replace(temp, self.path)
        except OSError as error:
            with contextlib.suppress(OSError):
                temp.unlink()
            raise VaultError(f"cannot write {self.path}: {error.strerror}") from None

    @contextlib.contextmanager
    def locked(self) -> Iterator[Index]:
        """Hold the index lock, re-read the index, and save it if the block succeeds."""
        try:
            self.config_dir.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            raise VaultError(f"cannot create {self.config_dir}: {error.strerror}") from None
        with _FileLock(self.config_dir / "accounts.lock"):
            self.index = self._read()
            yield self.index
            self.save()

    # -- secrets ----------------------------------------------------------------
    def cookies(self, server: Server, user_id: str) -> list[Cookie]:
        """An account's cookies: read from the secret store once, then from memory."""
        key = (server.url, user_id)
        if key not in self._cookies:
            raw = self.secrets.get(service_name(server.url), user_id)
            self._cookies[key] = _decode_cookies(raw)
        return self._cookies[key]

    def store_cookies(self, server: Server, user_id: str, cookies: list[Cookie]) -> None:
        payload = json.dumps({"v": 1, "cookies": [c.to_dict() for c in cookies]})
        self.secrets.set(service_name(server.url), user_id, payload)
        self._cookies[(server.url, user_id)] = cookies
        self._store_directory(server)

    def forget_cookies(self, server: Server, user_id: str) -> None:
        self.secrets.delete(service_name(server.url), user_id)
        self._cookies.pop((server.url, user_id), None)
        self._store_directory(server)

    def _store_directory(self, server: Server) -> None:
        ids = sorted({a.user_id for a in server.accounts})
        self.secrets.set(service_name(server.url), _DIRECTORY_KEY, json.dumps(ids))


def _decode_cookies(raw: str | None) -> list[Cookie]:
    if not raw:
        return []
    try:
        data = json.loads(raw)
        return [Cookie.from_dict(item) for item in data["cookies"]]
    except (ValueError, KeyError, TypeError):
        return []


class _FileLock:
    """An exclusive lock on a file, held across processes (fcntl, or msvcrt on Windows)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._handle: Any = None

    def __enter__(self) -> _FileLock:
        self._handle = open(self.path, "a+")
        if os.name == "nt":
            import msvcrt

            while True:
                try:
                    msvcrt.locking(self._handle.fileno(), msvcrt.LK_LOCK, 1)  # type: ignore[attr-defined]
                    break
                except OSError:
                    continue
        else:
            import fcntl

            fcntl.flock(self._handle.fileno(), fcntl.LOCK_EX)
        return self

    def __exit__(self, *exc: object) -> None:
        if os.name != "nt":
            import fcntl

            fcntl.flock(self._handle.fileno(), fcntl.LOCK_UN)
        self._handle.close()
