"""The accounts service: the rules both front-ends (CLI, tray) drive.

A *device* per server is what a browser would hold: one signed multi-session
cookie per account plus ``session_token`` naming the active one. Each
account's cookies live in the secret store; ``session_token`` is rebuilt from
the active account's cookie (better-auth gives both the same signed value), so
switching writes the index only, never the keyring.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from enum import Enum
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from switcher.client.errors import (
    AuthError,
    ClientError,
    ServerTimeoutError,
    ServerUnreachableError,
)
from switcher.client.jar import Cookie, CookieJar
from switcher.logs import REPORTED
from switcher.protocol.cookies import MULTI_MARKER, decode_value
from switcher.protocol.dates import to_iso, utc_now
from switcher.vault import LOCAL, Account, Server, Vault

if TYPE_CHECKING:
    # The client (and httpx under it) loads on the first request: a listing
    # of fresh saved state needs neither.
    import httpx

    from switcher.client.client import AuthClient, DeviceSession

log = logging.getLogger("switcher.accounts")

STALE_AFTER = 60.0  # seconds before list/refresh asks the server again


class AccountsError(Exception):
    """A failure to show as one line."""


class EventKind(Enum):
    ADDED = "added"
    REMOVED = "removed"
    CHANGED = "changed"
    ACTIVE_CHANGED = "active-changed"
    OFFLINE = "offline"
    ONLINE = "online"
    ERROR = "error"


@dataclass(frozen=True)
class Event:
    kind: EventKind
    server: str
    account: Account | None = None
    message: str | None = None


def token_of(cookies: list[Cookie]) -> str | None:
    """The session token inside an account's signed multi-session cookie."""
    for cookie in cookies:
        if MULTI_MARKER in cookie.name:
            value = decode_value(cookie.value)
            token, dot, _ = value.rpartition(".")
            return token if dot else None
    return None


def _multi_cookie(jar: CookieJar, token: str) -> Cookie | None:
    suffix = MULTI_MARKER + token.lower()
    return next((c for c in jar if c.name.endswith(suffix)), None)


TransportFactory = Callable[[Server], "httpx.BaseTransport | None"]


class Accounts:
    def __init__(
        self,
        vault: Vault,
        transport_for: TransportFactory | None = None,
        timeout: float = 10.0,
    ) -> None:
        self.vault = vault
        self._transport_for = transport_for or (lambda server: None)
        self.timeout = timeout
        self._listeners: list[Callable[[Event], None]] = []

    # -- events ---------------------------------------------------------------
    def subscribe(self, listener: Callable[[Event], None]) -> None:
        self._listeners.append(listener)

    def _emit(self, event: Event) -> None:
        for listener in list(self._listeners):
            listener(event)

    # -- servers ----------------------------------------------------------------
    def server(self, name: str | None = None) -> Server:
        index = self.vault.index
        chosen = name or index.current
        if chosen not in index.servers:
            known = ", ".join(sorted(index.servers))
            raise AccountsError(f"no server named {chosen!r} (known: {known})")
        return index.servers[chosen]

    def add_server(self, url: str, name: str | None = None, ca_bundle: str | None = None) -> Server:
        parts = urlsplit(url.strip())
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise AccountsError(f"not an http(s) URL: {url!r}")
        base = f"{parts.scheme}://{parts.netloc}{parts.path.rstrip('/')}"
        chosen = name or parts.hostname
        with self.vault.locked() as index:
            if chosen in index.servers:
                raise AccountsError(f"a server named {chosen!r} already exists")
            if any(s.url == base for s in index.servers.values()):
                raise AccountsError(f"{base} is already configured")
            index.servers[chosen] = Server(chosen, base, ca_bundle=ca_bundle)
            log.info("added server %s (%s)", chosen, base)
            return index.servers[chosen]

    def remove_server(self, name: str) -> None:
        if name == LOCAL:
            raise AccountsError("the bundled local server cannot be removed")
        with self.vault.locked() as index:
            server = index.servers.get(name)
            if server is None:
                raise AccountsError(f"no server named {name!r}")
            for account in server.accounts:
                self.vault.forget_cookies(server, account.user_id)
            server.accounts.clear()
            del index.servers[name]
            if index.current == name:
                index.current = LOCAL
        log.info("removed server %s", name)

    def use_server(self, name: str) -> Server:
        with self.vault.locked() as index:
            if name not in index.servers:
                raise AccountsError(f"no server named {name!r}")
            index.current = name
            log.info("now using server %s (%s)", name, index.servers[name].url)
            return index.servers[name]

    # -- the device's cookies ---------------------------------------------------
    def _jar(self, server: Server) -> CookieJar:
        jar = CookieJar()
        active_cookies: list[Cookie] = []
        for account in server.accounts:
            if account.status != "valid":
                continue
            cookies = self.vault.cookies(server, account.user_id)
            if account.user_id == server.active:
                active_cookies = cookies
            for cookie in cookies:
                if MULTI_MARKER in cookie.name:
                    jar.set(cookie)
        for cookie in active_cookies:
            if MULTI_MARKER in cookie.name:
                session_name = cookie.name.split(MULTI_MARKER, 1)[0]
                jar.set(replace(cookie, name=session_name))
            else:
                jar.set(cookie)  # e.g. the signed dont_remember flag
        return jar

    @contextmanager
    def _client(self, server: Server, jar: CookieJar) -> Iterator[AuthClient]:
        from switcher.client.client import AuthClient

        log.debug("talking to %s (%s)", server.name, server.url)
        client = AuthClient(
            server.url,
            jar,
            timeout=self.timeout,
            ca_bundle=server.ca_bundle,
            transport=self._transport_for(server),
        )
        try:
            yield client
        except (ServerUnreachableError, ServerTimeoutError) as error:
            log.info("server %s offline: %s", server.name, error)
            self._emit(Event(EventKind.OFFLINE, server.name, message=str(error)))
            raise AccountsError(str(error)) from None
        except AuthError:
            raise
        except ClientError as error:
            log.warning("server %s answered badly: %s", server.name, error, extra=REPORTED)
            self._emit(Event(EventKind.ERROR, server.name, message=str(error)))
            raise AccountsError(str(error)) from None
        finally:
            client.close()

    def _active_user(self, server: Server, jar: CookieJar) -> str | None:
        """Which account the jar's ``session_token`` names, after a server changed it."""
        for cookie in jar:
            if cookie.name.endswith(".session_token"):
                value = decode_value(cookie.value)
                token = value.rpartition(".")[0]
                for account in server.accounts:
                    if token_of(self.vault.cookies(server, account.user_id)) == token:
                        return account.user_id
        return None

    # -- operations ---------------------------------------------------------------
    def add(
        self,
        email: str,
        password: str,
        *,
        sign_up: bool = False,
        name: str | None = None,
        remember: bool = True,
        server_name: str | None = None,
    ) -> Account:
        """Sign an account in (or up) on this device and make it active."""
        verb = "sign-up" if sign_up else "sign-in"
        with self.vault.locked():
            server = self.server(server_name)
            jar = self._jar(server)
            with self._client(server, jar) as client:
                try:
                    if sign_up:
                        result = client.sign_up(
                            email, password, name or email.split("@")[0], remember
                        )
                    else:
                        result = client.sign_in(email, password, remember)
                except AuthError as error:
                    log.info("%s %s on %s refused: %s", verb, email, server.name, error.message)
                    raise AccountsError(error.message) from None
                multi = _multi_cookie(jar, result.token)
                if multi is None:
                    self._drop_unlisted_session(client, jar)
                    raise AccountsError(
                        f"{server.url} allows no more accounts on one device; "
                        "revoke one first, then add this one"
                    )
                cookies = [multi]
                if not remember:
                    cookies += [c for c in jar if c.name.endswith(".dont_remember")]
                existing = server.account(result.user_id)
                account = existing or Account(user_id=result.user_id, email=result.email)
                account.email, account.name, account.image = result.email, result.name, result.image
                account.status = "valid"
                if existing is None:
                    server.accounts.append(account)
                self.vault.store_cookies(server, account.user_id, cookies)
                previous = server.active
                server.active = account.user_id
                self._update_from_list(server, client.list_device_sessions())
        log.info(
            "%s %s on %s (%s): %s, active",
            "signed up" if sign_up else "signed in",
            account.email,
            server.name,
            server.url,
            "again" if existing else "added",
        )
        self._emit(Event(EventKind.CHANGED if existing else EventKind.ADDED, server.name, account))
        if previous != account.user_id:
            self._emit(Event(EventKind.ACTIVE_CHANGED, server.name, account))
        return account

    def _drop_unlisted_session(self, client: AuthClient, jar: CookieJar) -> None:
        """Sign out the session the server would not list, and only that one."""
        session_cookie = next((c for c in jar if c.name.endswith(".session_token")), None)
        jar.clear()
        if session_cookie is not None:
            jar.set(session_cookie)
            try:
                client.sign_out()
            except ClientError:
                log.warning("could not sign out a session beyond the server's maximum")

    def _update_from_list(self, server: Server, sessions: list[DeviceSession]) -> list[Account]:
        """Apply the server's device list; returns accounts whose sessions ended."""
        by_user = {s.user_id: s for s in sessions}
        now = to_iso(utc_now())
        ended = []
        for account in server.accounts:
            found = by_user.get(account.user_id)
            if found is not None:
                account.email, account.name, account.image = found.email, found.name, found.image
                account.expires_at = found.expires_at
                account.signed_in_at = found.created_at
                account.ip_address = found.ip_address or None
                account.user_agent = found.user_agent or None
                account.last_seen = now
                account.status = "valid"
            elif account.status == "valid":
                expired = account.expires_at is not None and account.expires_at <= now
                account.status = "expired" if expired else "revoked"
                ended.append(account)
        server.refreshed_at = time.time()
        return ended

    def refresh(self, server_name: str | None = None) -> Server:
        """Ask the server which sessions still stand; switch away from a dead active one."""
        events: list[Event] = []
        with self.vault.locked():
            server = self.server(server_name)
            if not any(a.status == "valid" for a in server.accounts):
                server.refreshed_at = time.time()
                return server
            jar = self._jar(server)
            with self._client(server, jar) as client:
                ended = self._update_from_list(server, client.list_device_sessions())
                for account in ended:
                    log.info("%s's session on %s %s", account.email, server.name, account.status)
                    self.vault.forget_cookies(server, account.user_id)
                    events.append(
                        Event(EventKind.CHANGED, server.name, account, f"session {account.status}")
                    )
                if server.active in {a.user_id for a in ended} or (
                    server.active is None and any(a.status == "valid" for a in server.accounts)
                ):
                    events.extend(self._switch_to_next(server, client, jar))
        events.insert(0, Event(EventKind.ONLINE, server.name))
        for event in events:
            self._emit(event)
        return server

    def _switch_to_next(self, server: Server, client: AuthClient, jar: CookieJar) -> list[Event]:
        for account in server.accounts:
            if account.status != "valid":
                continue
            token = token_of(self.vault.cookies(server, account.user_id))
            if token is None:
                continue
            try:
                client.set_active(token)
            except AuthError:
                continue
            server.active = account.user_id
            log.info("switched to %s on %s: the active session ended", account.email, server.name)
            return [
                Event(EventKind.ACTIVE_CHANGED, server.name, account, "the active session ended")
            ]
        log.info("no signed-in account is left on %s", server.name)
        server.active = None
        return [Event(EventKind.ACTIVE_CHANGED, server.name, None, "no signed-in account is left")]

    def is_stale(self, server: Server) -> bool:
        return time.time() - server.refreshed_at > STALE_AFTER

    def _valid(self, server: Server, email: str) -> Account:
        account = server.find(email)
        if account is None:
            raise AccountsError(f"no account {email} on {server.name}")
        return account

    def use(self, email: str, server_name: str | None = None) -> Account:
        """Make an account the active one."""
        with self.vault.locked():
            server = self.server(server_name)
            account = self._valid(server, email)
            if account.status != "valid":
                raise AccountsError(
                    f"{account.email}'s session has {account.status}; sign in again"
                )
            cookies = self.vault.cookies(server, account.user_id)
            token = token_of(cookies)
            if token is None:
                raise AccountsError(f"no stored session for {account.email}; sign in again")
            # set-active needs only this account's own cookie: one secret read,
            # not one per account, for a process that starts just to switch.
            jar = CookieJar(cookies)
            with self._client(server, jar) as client:
                try:
                    session = client.set_active(token)
                except AuthError as error:
                    if error.code == "INVALID_SESSION_TOKEN":
                        log.info("%s's session on %s has ended", account.email, server.name)
                        account.status = "revoked"
                        self.vault.forget_cookies(server, account.user_id)
                        raise AccountsError(
                            f"{account.email}'s session has ended (revoked or expired); "
                            "sign in again"
                        ) from None
                    raise AccountsError(error.message) from None
            account.expires_at = session.expires_at
            account.last_seen = to_iso(utc_now())
            changed = server.active != account.user_id
            server.active = account.user_id
        log.info("switched to %s on %s (%s)", account.email, server.name, server.url)
        if changed:
            self._emit(Event(EventKind.ACTIVE_CHANGED, server.name, account))
        return account

    def revoke(self, email: str, server_name: str | None = None) -> None:
        """End an account's session on the server and forget it here."""
        with self.vault.locked():
            server = self.server(server_name)
            account = self._valid(server, email)
            if account.status == "valid":
                token = token_of(self.vault.cookies(server, account.user_id))
                jar = self._jar(server)
                with self._client(server, jar) as client:
                    if token is not None:
                        self._revoke_on_server(server, client, jar, token)
                server.accounts.remove(account)
                server.active = self._active_user(server, jar)
            else:
                server.accounts.remove(account)
            self.vault.forget_cookies(server, account.user_id)
        log.info("revoked %s on %s (%s)", account.email, server.name, server.url)
        self._emit(Event(EventKind.REMOVED, server.name, account))

    def _revoke_on_server(
        self, server: Server, client: AuthClient, jar: CookieJar, token: str
    ) -> None:
        try:
            client.revoke(token)
        except AuthError as error:
            if error.code == "UNAUTHORIZED":
                # Revoke needs an active session: the active one ended elsewhere.
                # Make this very account active (set-active needs no session), retry.
                try:
                    client.set_active(token)
                    client.revoke(token)
                    return
                except AuthError:
                    pass
            if error.code in ("UNAUTHORIZED", "INVALID_SESSION_TOKEN"):
                return  # already gone on the server: forgetting it here is all that is left
            raise AccountsError(error.message) from None

    def sign_out(self, server_name: str | None = None) -> int:
        """Sign every account of this device out of the server; returns how many."""
        with self.vault.locked():
            server = self.server(server_name)
            accounts = list(server.accounts)
            valid = [a for a in accounts if a.status == "valid"]
            if valid:
                jar = self._jar(server)
                with self._client(server, jar) as client:
                    try:
                        client.sign_out()
                    except AuthError as error:
                        raise AccountsError(error.message) from None
            for account in accounts:
                self.vault.forget_cookies(server, account.user_id)
            server.accounts.clear()
            server.active = None
        log.info(
            "signed out %d account%s on %s (%s)",
            len(accounts),
            "" if len(accounts) == 1 else "s",
            server.name,
            server.url,
        )
        for account in accounts:
            self._emit(Event(EventKind.REMOVED, server.name, account))
        return len(accounts)

    def device_cookies(
        self, email: str | None = None, server_name: str | None = None
    ) -> list[Cookie]:
        """What a browser signed in as ``email`` (default: the active account) holds.

        The chosen account's session cookie plus every account's signed
        multi-session cookie, so the site's own account switcher works too.
        """
        server = self.server(server_name)
        if email is None:
            if server.active is None:
                raise AccountsError(f"no active account on {server.name}")
            chosen = server.account(server.active)
        else:
            chosen = self._valid(server, email)
        if chosen is None or chosen.status != "valid":
            raise AccountsError(
                f"{email or 'the active account'} has no valid session; sign in again"
            )
        previous = server.active
        server.active = chosen.user_id  # only to build the jar; not saved
        try:
            return list(self._jar(server))
        finally:
            server.active = previous

    def active_cookies(self, server_name: str | None = None) -> list[Cookie]:
        """The cookies a browser signed in as the active account sends: for scripts."""
        server = self.server(server_name)
        if server.active is None:
            raise AccountsError(f"no active account on {server.name}")
        jar = self._jar(server)
        mine = self.vault.cookies(server, server.active)
        names = {c.name for c in mine}
        session = [c for c in jar if c.name.endswith(".session_token")]
        return session + [c for c in jar if c.name in names]
