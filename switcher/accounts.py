"""The accounts service: the rules both front-ends (CLI, tray) drive.

A *device* per server is what a browser would hold: one signed multi-session
cookie per account plus ``session_token`` naming the active one. Each
account's cookies live in the secret store; ``session_token`` is rebuilt from
the active account's cookie (better-auth gives both the same signed value), so
switching writes the index only, never the keyring.

Every operation has the same shape: read the saved state, talk to the server
with no lock held, then take the index lock, read the index afresh and apply
the answer only to what it was about. Another process (the tray app, a second
command) may have changed the index meanwhile: an account added while a
device list was in flight is not "ended" because the list lacks it, and an
account signed in again meanwhile keeps its new session. A hung server
therefore never blocks another command or another server.
"""

from __future__ import annotations

import logging
import os
import socket
import time
import unicodedata
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from enum import Enum
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from switcher import failpoints
from switcher.bundled import LOCAL
from switcher.client.errors import (
    AuthError,
    ClientError,
    EndpointMissingError,
    NoSessionError,
    ServerTimeoutError,
    ServerUnreachableError,
    TwoFactorRequiredError,
)
from switcher.client.jar import CookieJar, Refusal, Refused
from switcher.logs import REPORTED
from switcher.protocol.cookie import Cookie
from switcher.protocol.cookies import (
    MULTI_MARKER,
    decode_value,
    is_session_cookie,
    session_name_of,
)
from switcher.protocol.dates import parse_iso, to_iso, utc_now
from switcher.protocol.email import is_username
from switcher.protocol.endpoints import COMMON_BASE_PATHS, DEFAULT_BASE_PATH
from switcher.protocol.errors import ErrorCode
from switcher.protocol.hosts import is_loopback, userinfo_host
from switcher.secrets import SecretStoreError
from switcher.session_import import FoundSession, sessions_for
from switcher.sign_in_steps import (
    Factor,
    NotALinkError,
    SignInMethod,
    TwoFactorChallenge,
    is_trust_cookie,
    magic_link_token,
    offered_factors,
    refusal_meaning,
)
from switcher.vault import Account, AccountStatus, Index, PendingAdd, Server, Vault, VaultError

if TYPE_CHECKING:
    # The client (and httpx under it) loads on the first request: a listing
    # of fresh saved state needs neither.
    import httpx

    from switcher.client.client import AuthClient, DeviceSession, RejectedCookie, SignedIn
    from switcher.client.exchange import Exchange

log = logging.getLogger("switcher.accounts")

STALE_AFTER = 60.0  # seconds before list/refresh asks the server again
# Seconds at least between two keep-alive asks for a session the site did not extend.
RETRY_FLOOR = 60.0
# A sign-in left in the index longer than this was interrupted, whatever its
# pid says (another host sharing the config dir, a reused pid): two requests
# and a few keyring calls, each with its own deadline, take far less.
ABANDONED_AFTER = 300.0


class AccountsError(Exception):
    """A failure to show as one line."""


class NoStoredSessionError(AccountsError):
    """The secret store has no session for the account (another store may have it)."""


class SessionEndedError(AccountsError):
    """The account's session has ended (revoked or expired): only signing in again helps."""

    def __init__(self, message: str, email: str) -> None:
        super().__init__(message)
        self.email = email


class ServerNotFoundError(AccountsError):
    """No better-auth answers at a URL being added; ``reachable``: something answered."""

    def __init__(self, message: str, reachable: bool = True) -> None:
        super().__init__(message)
        self.reachable = reachable


class BadLinkError(AccountsError):
    """Pasted text that is not this site's sign-in link (nothing was sent)."""


class NoSessionsFoundError(AccountsError):
    """Cookies were given, but none is a session of the server's site."""


@dataclass
class Imported:
    """What bringing sessions in did: accounts added, already here, sessions ended."""

    added: list[Account] = field(default_factory=list)
    already: list[Account] = field(default_factory=list)
    ended: int = 0


class VerificationPendingError(AccountsError):
    """The account was created; the site starts its session once the email is verified."""


class SignInRefusedError(AccountsError):
    """The server refused a sign-in or sign-up; ``code`` is better-auth's error code."""

    def __init__(self, message: str, code: str | None) -> None:
        super().__init__(message)
        self.code = code


class TwoFactorRequired(AccountsError):
    """The password was right; finish with ``Accounts.add_second_factor(challenge, …)``."""

    def __init__(self, challenge: TwoFactorChallenge) -> None:
        factors = ", ".join(f.label for f in challenge.factors)
        super().__init__(f"{challenge.email} signs in with a second factor: {factors}")
        self.challenge = challenge


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
            return _token_in(cookie.value)
    return None


def _token_in(value: str) -> str | None:
    """The token in a signed session cookie's value (``token.signature``)."""
    token, dot, _ = decode_value(value).rpartition(".")
    return token if dot else None


def _refusal(error: AuthError, email: str, origin: str) -> str:
    """A refused sign-in as one line, saying what to do where the code tells."""
    if error.code == ErrorCode.INVALID_ORIGIN.name:
        # The site's trustedOrigins (and its own baseURL) do not include the
        # address switcher reaches it at, e.g. 127.0.0.1 for a site at localhost.
        return (
            f"the site refused requests from {origin} (Invalid origin): add the server by "
            "the address the site itself is served at, or with --origin and an address "
            "the site trusts"
        )
    meaning = refusal_meaning(error.code)
    if meaning is not None:
        return meaning
    if error.code == "EMAIL_NOT_VERIFIED":
        whose = f"{email}'s email address" if is_username(email) else email
        return (
            f"{whose} is not verified yet: open the verification link the site sent, "
            "then sign in again"
        )
    return str(error)


def _no_multi_cookie(server: Server, refused: list[RejectedCookie]) -> str:
    """Why a sign-in left no multi-session cookie for the new session."""
    for cookie in refused:
        if is_session_cookie(cookie.name) or MULTI_MARKER in cookie.name:
            return (
                f"{server.url} set its session cookie {cookie.name}, which switcher cannot "
                f"keep: {cookie.reason}; {_refused_hint(cookie.reason)}"
            )
    return (
        f"{server.url} allows no more accounts on one device; revoke one first, then add this one"
    )


def _refused_hint(reason: Refused) -> str:
    if reason.refusal == Refusal.OTHER_DOMAIN:
        return (
            f"add the server by a URL on {reason.detail.lstrip('.')}, the host its cookies are for"
        )
    if reason.refusal == Refusal.INSECURE_ORIGIN:
        return "add the server by its https URL"
    return "the site's cookie settings do not fit this URL"


def _http_url(url: str) -> str:
    """``url`` stripped, if it is an http(s) URL; else an error saying what was meant."""
    text = url.strip()
    _refuse_userinfo(text, "a server's URL", " and sign in with `switcher accounts add`")
    if any(char.isspace() or unicodedata.category(char) == "Cc" for char in text):
        raise AccountsError(
            f"not an http(s) URL: {_without_userinfo(text)!r} "
            "(a URL has no spaces or control characters)"
        )
    parts = urlsplit(text)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        if "://" not in url and url.strip():
            host = url.strip().split("/")[0].split(":")[0]
            scheme = "http" if is_loopback(host) else "https"
            raise AccountsError(
                f"not an http(s) URL: {url!r} (did you mean {scheme}://{url.strip()}?)"
            )
        raise AccountsError(f"not an http(s) URL: {url!r}")
    return url.strip()


def _refuse_userinfo(text: str, what: str, then: str = "") -> None:
    """Refuse a URL naming a user or password, without repeating it (it may be a password:
    never stored, the index being a plain file, nor shown, nor logged)."""
    host = userinfo_host(text)
    if host is not None:
        scheme = text.split("://", 1)[0].lower() if "://" in text else ""
        if scheme not in ("http", "https"):
            scheme = "http" if is_loopback(host.rsplit(":", 1)[0].strip("[]")) else "https"
        raise AccountsError(f"{what} holds no user name or password: give {scheme}://{host}{then}")


def _without_userinfo(url: str) -> str:
    """``url`` without ``user:password@`` and without its path (which may hold more)."""
    parts = urlsplit(url)
    if "@" not in parts.netloc:
        return url
    return f"{parts.scheme}://{parts.netloc.rpartition('@')[2]}"


def _site_and_name(url: str, name: str | None, base_path: str | None) -> tuple[str, str, str]:
    """The site's URL, the server's name and its base path, for a server being added.

    The site's URL is what is stored: given the auth URL (ending in the base
    path), requests would go to /api/auth/api/auth/….
    """
    mounted = _clean_base_path(base_path)
    parts = urlsplit(_http_url(url))
    path = parts.path.rstrip("/").removesuffix(mounted)
    base = f"{parts.scheme}://{parts.netloc}{path}"
    return base, name or parts.hostname or base, mounted


def _free_name(index: Index, base: str, host: str) -> str:
    """A default name: the host, or with its port (then its path) when that is taken."""
    parts = urlsplit(base)
    for candidate in (host, parts.netloc, parts.netloc + parts.path):
        if candidate not in index.servers:
            return candidate
    return host  # every one taken: _refuse_taken says so


def _refuse_taken(index: Index, base: str, chosen: str) -> None:
    if chosen in index.servers:
        raise AccountsError(f"a server named {chosen!r} already exists; choose another with --name")
    same = next((s for s in index.servers.values() if s.url == base), None)
    if same is not None:
        raise AccountsError(f"{base} is already configured, as {same.name!r}")


def _clean_origin(given: str | None) -> str | None:
    """An Origin as browsers send it (``scheme://host[:port]``), from what a person typed."""
    if given is None:
        return None
    _refuse_userinfo(given, "an origin")
    parts = urlsplit(given.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise AccountsError(
            f"not an origin: {given!r} (an origin looks like https://app.example.com)"
        )
    if parts.path.strip("/") or parts.query or parts.fragment or parts.username or parts.password:
        raise AccountsError(
            f"not an origin: {given!r} (only the scheme, host and port: "
            f"{parts.scheme}://{parts.netloc.rpartition('@')[2]})"
        )
    return f"{parts.scheme}://{parts.netloc}".lower()


def _clean_page_url(given: str | None) -> str | None:
    """A web page's URL (http or https, with a host), as a person typed it."""
    if given is None:
        return None
    text = given.strip()
    _refuse_userinfo(text, "a web page's URL")
    parts = urlsplit(text)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise AccountsError(
            f"not a web page's URL: {given!r} (one looks like https://app.example.com/login)"
        )
    if parts.username or parts.password or any(c.isspace() or ord(c) < 32 for c in text):
        raise AccountsError(f"not a web page's URL: {given!r} (no user, password or spaces)")
    return text


def _clean_base_path(given: str | None) -> str:
    """``/auth`` from ``auth``, ``/auth/`` or ``/auth``; the default when none is given."""
    if given is None:
        return DEFAULT_BASE_PATH
    path = "/" + given.strip().strip("/")
    if path == "/" or any(c.isspace() or c in "?#" for c in path):
        raise AccountsError(f"not a base path: {given!r} (better-auth's default is /api/auth)")
    return path


def _server_end(account: Account) -> float | None:
    """When the server last said the account's session ends (Unix time), if it said."""
    if account.expires_at is None:
        return None
    try:
        return parse_iso(account.expires_at).timestamp()
    except ValueError:
        return None


def _span(session: DeviceSession) -> tuple[float, float] | None:
    """When the site last extended a session and when it ends (Unix times), if it said."""
    if session.updated_at is None:
        return None
    try:
        return parse_iso(session.updated_at).timestamp(), parse_iso(session.expires_at).timestamp()
    except ValueError:
        return None


def _lifetime(session: DeviceSession) -> float:
    """Seconds the site last gave the session (expiresAt - updatedAt); 0 if unknown."""
    span = _span(session)
    return max(0.0, span[1] - span[0]) if span else 0.0


def _due(session: DeviceSession, now: float) -> bool:
    """Whether a session is past half the lifetime the site last gave it (see _keep_alive)."""
    span = _span(session)
    if span is None:
        return False
    extended, ends = span
    lifetime = ends - extended
    return lifetime > 0 and extended + lifetime / 2 <= now < ends


def _signed_in(answer: DeviceSession) -> SignedIn:
    """A session the site confirmed, as its answer to a sign-in would have named it."""
    from switcher.client.client import SignedIn

    return SignedIn(answer.token, answer.user_id, answer.name, answer.email, answer.image)


def _as_session(multi: Cookie) -> Cookie:
    """An account's multi-session cookie as the ``session_token`` naming it active
    (better-auth gives both the same signed value)."""
    return replace(multi, name=session_name_of(multi.name))


def _for_request(cookie: Cookie) -> Cookie:
    """A stored cookie as a request sends it: with no end of its own.

    A site that keeps sessions alive (better-auth's updateAge) moves a
    session's end past the Max-Age its cookie came with: only the server's
    answer ends an account here, never the stored cookie's clock.
    """
    return replace(cookie, expires=None)


def _for_export(cookie: Cookie, account: Account) -> Cookie:
    """A stored cookie as a browser gets it: ending when the server last said, if later.

    A cookie stored without an end (``--no-remember``: a browser-session
    cookie) keeps none.
    """
    if cookie.expires is None:
        return cookie
    ends = _server_end(account)
    return replace(cookie, expires=max(cookie.expires, ends)) if ends else cookie


def _multi_cookie(jar: CookieJar, token: str) -> Cookie | None:
    suffix = MULTI_MARKER + token.lower()
    return next((c for c in jar if c.name.endswith(suffix)), None)


# What carries a server's requests: an exchange (the bundled server in
# process), an httpx transport (tests), or None for the network.
TransportFactory = Callable[[Server], "Exchange | httpx.BaseTransport | None"]

# Which stored version of each account's cookies a request carried: the
# server's answer is about those, and only those, sessions.
Asked = dict[str, str | None]


class Accounts:
    def __init__(
        self,
        vault: Vault,
        transport_for: TransportFactory | None = None,
        timeout: float = 10.0,
        *,
        keep_alive: bool = True,
    ) -> None:
        """``keep_alive``: each refresh asks for the sessions the site would let
        lapse soon, so it extends them (see ``_keep_alive``)."""
        self.vault = vault
        self.keep_alive = keep_alive
        # Sessions a keep-alive asked for in vain, by (site, session id): their
        # updatedAt then, and when it asked.
        self._not_extended: dict[tuple[str, str], tuple[str | None, float]] = {}
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
        """A server as this process last saw it saved (no lock, no file read)."""
        return _server_in(self.vault.index, name)

    def _prepare(self, name: str | None) -> Server:
        """The server as saved right now: what a request is prepared from."""
        return _server_in(self.vault.load(), name)

    def locate(
        self, url: str, base_path: str | None = None, ca_bundle: str | None = None
    ) -> tuple[str, str]:
        """Where better-auth answers for a URL a person gave: the site's URL and base path.

        ``GET …/ok`` must answer ``{"ok": true}``: at ``base_path`` when one is
        given; else the URL itself (a full auth URL), then better-auth's
        default mount under it, then the other common mounts. A wrong URL thus
        fails when the server is added, not at the first sign-in.
        """
        given = _http_url(url)
        parts = urlsplit(given)
        origin = f"{parts.scheme}://{parts.netloc}"
        path = parts.path.rstrip("/")
        if base_path is not None:
            mounted = _clean_base_path(base_path)
            candidates = [(origin + path.removesuffix(mounted), mounted)]
        else:
            candidates = []
            if path.endswith(DEFAULT_BASE_PATH):
                candidates.append(
                    (origin + path.removesuffix(DEFAULT_BASE_PATH), DEFAULT_BASE_PATH)
                )
            elif path:
                candidates.append((origin, path))  # e.g. https://site/auth: its basePath
            candidates += [(origin + path, mount) for mount in COMMON_BASE_PATHS]
        tried: list[str] = []
        for site, mounted in dict.fromkeys(candidates):
            found = Server("", site, ca_bundle=ca_bundle, base_path=mounted)
            tried.append(found.auth_url + "/ok")
            if self._answers_ok(found):
                log.info("found better-auth at %s", found.auth_url)
                return site, mounted
        raise ServerNotFoundError(
            f"no better-auth server answers at {given} (asked {', '.join(tried)}): "
            "give the site's URL or its auth URL, or where it mounts better-auth with --base-path"
        )

    def _new_client(self, server: Server, jar: CookieJar | None = None) -> AuthClient:
        """A client for ``server``, over the exchange or transport it is reached by."""
        from switcher.client.client import AuthClient
        from switcher.client.exchange import Exchange

        link = self._transport_for(server)
        return AuthClient(
            server.url,
            jar,
            base_path=server.base_path,
            timeout=self.timeout,
            ca_bundle=server.ca_bundle,
            exchange=link if isinstance(link, Exchange) else None,
            transport=None if isinstance(link, Exchange) else link,
            origin=server.origin,
        )

    def _answers_ok(self, server: Server) -> bool:
        """Whether ``GET {auth URL}/ok`` answers ``{"ok": true}``; an unreachable site raises."""
        from switcher.client.errors import BadResponseError

        try:
            with self._new_client(server) as client:
                return client.ok()
        except (AuthError, BadResponseError):
            return False  # something answers there, but not better-auth's health check
        except (ServerUnreachableError, ServerTimeoutError) as error:
            raise ServerNotFoundError(str(error), reachable=False) from None
        except ClientError as error:
            raise ServerNotFoundError(str(error)) from None
        except OSError as error:  # an unreadable CA bundle
            raise ServerNotFoundError(
                f"cannot use the CA bundle {server.ca_bundle}: {error}"
            ) from None

    def add_server(
        self,
        url: str,
        name: str | None = None,
        ca_bundle: str | None = None,
        base_path: str | None = None,
        *,
        ask: bool = False,
        origin: str | None = None,
        sign_in_url: str | None = None,
    ) -> Server:
        """Remember a site; ``base_path`` where it mounts better-auth (default /api/auth).

        ``ask``: find where better-auth answers first (``locate``), so a wrong
        URL fails now; a name or URL already taken fails before that.
        ``origin``: the Origin to send, for a site whose trustedOrigins leave
        out the address it is reached at. ``sign_in_url``: the page where a
        person signs in with the browser (default: the site's root).
        """
        sent = _clean_origin(origin)
        page = _clean_page_url(sign_in_url)
        if ask:
            saved = self.vault.load()
            base, chosen, _ = _site_and_name(url, name, base_path)
            _refuse_taken(saved, base, chosen if name else _free_name(saved, base, chosen))
            url, base_path = self.locate(url, base_path, ca_bundle)
        base, chosen, mounted = _site_and_name(url, name, base_path)
        with self.vault.locked() as index:
            if name is None:
                chosen = _free_name(index, base, chosen)
            _refuse_taken(index, base, chosen)
            server = index.servers[chosen] = Server(
                chosen, base, ca_bundle=ca_bundle, base_path=mounted, origin=sent, sign_in_url=page
            )
            if self.vault.directory(server):
                # The keyring still lists accounts of this URL (an index rebuilt
                # from scratch lost the server): the next list or app start
                # adopts those the server still honours.
                index.needs_reconcile = True
            log.info("added server %s (%s)", chosen, base)
            return server

    def remove_server(self, name: str) -> None:
        if name == LOCAL:
            raise AccountsError("the bundled local server cannot be removed")
        with self.vault.locked() as index:
            server = index.servers.get(name)
            if server is None:
                raise AccountsError(f"no server named {name!r}")
            self.vault.forget_cookies(server, [a.user_id for a in server.accounts])
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
    def _jar(
        self, server: Server, active: str | None = None, *, exported: bool = False
    ) -> tuple[CookieJar, Asked]:
        """The device's cookies with ``active`` (default: the server's) as the session.

        ``exported``: for a browser, each cookie ending when the server last
        said its session does; otherwise for a request (see ``_for_request``).
        """
        chosen = active if active is not None else server.active
        jar = CookieJar()
        asked: Asked = {}
        active_cookies: list[Cookie] = []
        for account in server.accounts:
            if account.status != AccountStatus.VALID:
                continue
            cookies = [
                _for_export(c, account) if exported else _for_request(c)
                for c in self.vault.cookies(server, account)
                # Kept for switcher's own sign-ins: never sent along, never exported.
                if not is_trust_cookie(c)
            ]
            if account.user_id == chosen:
                active_cookies = cookies
            multi = [c for c in cookies if MULTI_MARKER in c.name]
            for cookie in multi:
                jar.set(cookie)
            if multi:
                # Only accounts whose cookie goes along are asked about: one this
                # store does not hold (--insecure-storage beside the keyring) is
                # not "ended" because the server could not list it.
                asked[account.user_id] = account.cookie_stamp
        for cookie in active_cookies:
            if MULTI_MARKER in cookie.name:
                jar.set(_as_session(cookie))
            else:
                jar.set(cookie)  # e.g. the signed dont_remember flag
        return jar, asked

    @contextmanager
    def _client(self, server: Server, jar: CookieJar) -> Iterator[AuthClient]:
        log.debug("talking to %s (%s)", server.name, server.url)
        client = self._new_client(server, jar)
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
            message = str(error)
            if isinstance(error, EndpointMissingError):
                message += (
                    f" (does the site mount better-auth at {server.base_path}? "
                    "switcher doctor looks for it)"
                )
            self._emit(Event(EventKind.ERROR, server.name, message=message))
            raise AccountsError(message) from None
        finally:
            client.close()

    def _active_user(self, server: Server, jar: CookieJar) -> str | None:
        """Which account the jar's ``session_token`` names, after a server changed it."""
        for cookie in jar:
            if is_session_cookie(cookie.name):
                value = decode_value(cookie.value)
                token = value.rpartition(".")[0]
                for account in server.accounts:
                    if token_of(self.vault.cookies(server, account)) == token:
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
        """Sign an account in (or up) on this device and make it active.

        ``email`` may be a username (no ``@``) on a site with the username plugin.
        Raises ``TwoFactorRequired`` when the site wants a second factor: finish
        with ``add_second_factor``.
        """
        email = email.strip()
        prepared = self._prepare(server_name)

        def call(client: AuthClient) -> SignedIn:
            if sign_up:
                return client.sign_up(email, password, name or email.split("@")[0], remember)
            if not is_username(email):
                return client.sign_in(email, password, remember)
            try:
                return client.sign_in_username(email, password, remember)
            except EndpointMissingError:
                raise SignInRefusedError(
                    f"{prepared.url} does not sign in by username: "
                    "give the account's email address",
                    None,
                ) from None

        verb = "sign-up" if sign_up else "sign-in"
        return self._sign_in(prepared, email, verb, call, remember=remember, sign_up=sign_up)

    def add_second_factor(
        self,
        challenge: TwoFactorChallenge,
        factor: Factor,
        code: str,
        *,
        trust_device: bool = False,
    ) -> Account:
        """Finish a sign-in that asked for a second factor, with ``code``.

        ``trust_device`` keeps the site's signed ``trust_device`` cookie with
        the account, so its next sign-ins here skip the code (for as long as
        the site trusts it, 30 days by default).
        """
        code = "".join(code.split()) if factor != Factor.BACKUP_CODE else code.strip()
        if not code:
            raise AccountsError("the code is empty")
        prepared = self._prepare(challenge.server)

        def call(client: AuthClient) -> SignedIn:
            if factor == Factor.TOTP:
                return client.verify_totp(code, trust_device)
            if factor == Factor.EMAIL_CODE:
                return client.verify_two_factor_otp(code, trust_device)
            return client.verify_backup_code(code, trust_device)

        return self._sign_in(
            prepared,
            challenge.email,
            "two-factor sign-in",
            call,
            remember=challenge.remember,
            device=(challenge.jar, challenge.asked),
        )

    def send_second_factor_code(self, challenge: TwoFactorChallenge) -> None:
        """Ask the site to send this sign-in's one-time code (by email, or text message)."""
        prepared = self._prepare(challenge.server)
        with self._client(prepared, challenge.jar) as client:
            try:
                client.send_two_factor_otp()
            except AuthError as error:
                raise SignInRefusedError(
                    _refusal(error, challenge.email, client.sent_origin), error.code
                ) from None
        challenge.code_sent = True
        log.info("asked %s for a two-factor code for %s", prepared.name, challenge.email)

    def send_magic_link(self, email: str, server_name: str | None = None) -> None:
        """Ask the site (magicLink plugin) to email a sign-in link to ``email``."""
        self._send(email, server_name, "magic link", lambda c: c.send_magic_link(email.strip()))

    def add_by_magic_link(self, email: str, link: str, server_name: str | None = None) -> Account:
        """Sign ``email`` in with the link the site emailed, pasted by the person.

        switcher opens the link itself, asking for JSON rather than the
        browser's redirect, and keeps the session it starts. A link for
        another address is refused and its session ended.
        """
        email = email.strip()
        prepared = self._prepare(server_name)
        try:
            token = magic_link_token(link, prepared.url)
        except NotALinkError as error:
            raise BadLinkError(str(error)) from None
        # Verified with no session of this device along: the link may be another
        # account's, and the site ends the device's sessions of whichever user it
        # signs in. A session it replaces here is ended once the new one is kept.
        return self._sign_in(
            prepared,
            email,
            "magic-link sign-in",
            lambda client: client.verify_magic_link(token),
            remember=True,
            expect_email=email,
            device=(CookieJar(), {}),
        )

    def send_email_code(self, email: str, server_name: str | None = None) -> None:
        """Ask the site (emailOTP plugin) to email a one-time sign-in code to ``email``."""
        self._send(email, server_name, "emailed code", lambda c: c.send_email_otp(email.strip()))

    def add_by_email_code(self, email: str, code: str, server_name: str | None = None) -> Account:
        """Sign ``email`` in with the one-time code the site emailed."""
        email, code = email.strip(), "".join(code.split())
        if not code:
            raise AccountsError("the code is empty")
        prepared = self._prepare(server_name)
        return self._sign_in(
            prepared,
            email,
            "email-code sign-in",
            lambda client: client.sign_in_email_otp(email, code),
            remember=True,
        )

    def import_sessions(self, cookies: list[Cookie], server_name: str | None = None) -> Imported:
        """Bring in the sessions a browser (or a cookies.txt, or a Cookie header) holds.

        Every session cookie the site would be sent is asked about with
        get-session, alone: those the site still honours are kept as
        accounts, exactly as if signed in here; ended ones are counted, not
        kept. An account already signed in here keeps its own session. The
        active account stays the active one (bringing sessions in is not
        switching); with none active, the first one brought in becomes it.
        Nothing is ever signed out: these sessions are the browser's too.
        """
        prepared = self._prepare(server_name)
        found = sessions_for(prepared.url, cookies, time.time())
        if not found:
            host = (urlsplit(prepared.url).hostname or "").lower()
            raise NoSessionsFoundError(f"no signed-in session for {host} among those cookies")
        self.vault.secrets.warm()
        result = Imported()
        try:
            self._bring_in(prepared, found, result)
        finally:
            if result.added:
                self._after_import(prepared, result)
        return result

    def _bring_in(self, prepared: Server, found: list[FoundSession], result: Imported) -> None:
        for session in found:
            answer = self._confirm(prepared, session)
            if answer is None:
                result.ended += 1
                continue
            known = self._prepare(prepared.name).account(answer.user_id)
            if known is not None and known.status == AccountStatus.VALID:
                result.already.append(known)
                continue
            result.added.append(self._adopt(prepared, answer, session))

    def _confirm(self, prepared: Server, session: FoundSession) -> DeviceSession | None:
        """The site's word on one found session, sent alone: None if it has ended."""
        jar = CookieJar()
        jar.set(session.as_request_cookie((urlsplit(prepared.url).hostname or "").lower()))
        with self._client(prepared, jar) as client:
            try:
                answer = client.get_session()
            except AuthError as error:
                raise AccountsError(f"{prepared.url} refused to say: {error}") from None
        return answer if answer is not None and answer.token == session.token else None

    def add_signed_in(
        self, session: FoundSession, server_name: str | None = None
    ) -> Account | None:
        """Keep a session a person just signed in to in a browser, as the active account.

        Confirmed with get-session first (None if the site does not honour
        it). Exactly as a sign-in here: an account already here takes the new
        session and its previous one is ended; the account becomes active.
        """
        prepared = self._prepare(server_name)
        answer = self._confirm(prepared, session)
        if answer is None:
            return None
        replaced = self._replaced_session(prepared, _signed_in(answer))
        account = self._adopt(prepared, answer, session)
        if replaced is not None:
            self._end_session(prepared, replaced)
        if prepared.active != account.user_id:
            self._emit(Event(EventKind.ACTIVE_CHANGED, prepared.name, account))
        return account

    def check_answers(self, server_name: str | None = None) -> None:
        """Raise ``ServerNotFoundError`` unless the server's better-auth answers now."""
        server = self.server(server_name)
        if not self._answers_ok(server):
            raise ServerNotFoundError(f"{server.auth_url} does not answer as better-auth does")

    def sign_in_url(self, server_name: str | None = None) -> str:
        """Where a person signs in to the site in a browser: set per server, else its root."""
        server = self.server(server_name)
        return server.sign_in_url or server.url + "/"

    def _adopt(self, prepared: Server, answer: DeviceSession, session: FoundSession) -> Account:
        """Keep a session found elsewhere as an account, as a sign-in keeps its own."""
        parts = urlsplit(prepared.url)
        ends = parse_iso(answer.expires_at).timestamp()
        host = (parts.hostname or "").lower()
        cookie = session.as_device_cookie(host, parts.scheme == "https", ends)
        marker = PendingAdd(
            server=prepared.name,
            email=answer.email,
            pid=os.getpid(),
            host=socket.gethostname(),
            started_at=time.time(),
            user_id=answer.user_id,
        )
        with self.vault.locked() as index:
            _same_server(index, prepared)
            index.pending.append(marker)
        keeping = _Keeping()
        try:
            account, existing, _ = self._keep(
                prepared, _signed_in(answer), [cookie], marker, keeping
            )
        except (AccountsError, SecretStoreError, VaultError):
            if not keeping.leave_marker:
                self._forget_marker(marker)
            raise  # never signed out: the session is the browser's as much as ours
        with self.vault.locked() as index:
            current = _same_server(index, prepared).account(account.user_id)
            if current is not None:
                current.expires_at, current.signed_in_at = answer.expires_at, answer.created_at
                current.ip_address, current.user_agent = answer.ip_address, answer.user_agent
                current.last_seen = to_iso(utc_now())
                account = current
        log.info("brought in %s's session on %s", account.email, prepared.name)
        kind = EventKind.CHANGED if existing else EventKind.ADDED
        self._emit(Event(kind, prepared.name, account))
        return account

    def _after_import(self, prepared: Server, result: Imported) -> None:
        """The account active before stays active; else the first one brought in.

        Keeping each account made it active (as a sign-in does): set back, under
        the lock, unless someone chose an account meanwhile.
        """
        brought = {a.user_id for a in result.added}
        with self.vault.locked() as index:
            server = _same_server(index, prepared)
            if server.active is not None and server.active not in brought:
                return  # chosen meanwhile (the tray, another command): theirs stands
            before = server.account(prepared.active) if prepared.active else None
            if before is not None and before.status == AccountStatus.VALID:
                server.active = before.user_id
                return
            server.active = result.added[0].user_id
        self._emit(Event(EventKind.ACTIVE_CHANGED, prepared.name, result.added[0]))

    def sign_in_methods(self, server_name: str | None = None) -> frozenset[SignInMethod]:
        """Which ways of signing in the site offers besides a password (asked, not stored)."""
        prepared = self._prepare(server_name)
        found = set()
        with self._client(prepared, CookieJar()) as client:
            try:
                for method in SignInMethod:
                    if client.has_endpoint(method.probe_path):
                        found.add(method)
            except AuthError as error:
                raise AccountsError(
                    f"could not ask {prepared.url} how it signs in: {error}"
                ) from None
        return frozenset(found)

    def _send(
        self, email: str, server_name: str | None, what: str, call: Callable[[AuthClient], None]
    ) -> None:
        prepared = self._prepare(server_name)
        # A fresh jar: asking for a link or code needs no session, and sends none.
        with self._client(prepared, CookieJar()) as client:
            try:
                call(client)
            except EndpointMissingError:
                raise SignInRefusedError(
                    f"{prepared.url} does not sign in by {what}", None
                ) from None
            except AuthError as error:
                raise SignInRefusedError(
                    _refusal(error, email, client.sent_origin), error.code
                ) from None
        log.info("asked %s to send a %s to %s", prepared.name, what, email.strip())

    def _sign_in(
        self,
        prepared: Server,
        email: str,
        verb: str,
        call: Callable[[AuthClient], SignedIn],
        *,
        remember: bool,
        sign_up: bool = False,
        device: tuple[CookieJar, Asked] | None = None,
        expect_email: str | None = None,
    ) -> Account:
        """Run one sign-in request and keep the session it starts, as the active account.

        ``device``: the jar (and what it carries) of a sign-in's earlier step;
        by default the device's cookies as saved. ``expect_email``: the
        account the person asked for; a session for another is ended, not kept.
        """
        # Left in the index if this process dies before the account is saved:
        # the next `accounts list` or app start finds what it left behind.
        marker = PendingAdd(
            server=prepared.name,
            email=email,
            pid=os.getpid(),
            host=socket.gethostname(),
            started_at=time.time(),
            sign_up=sign_up,
        )
        with self.vault.locked() as index:
            _same_server(index, prepared)
            index.pending.append(marker)
        failpoints.reach("add.marked")
        saved = False
        try:
            # The keyring is opened now, before the request (its D-Bus session
            # costs tens of milliseconds): once the server has answered, the time
            # until the new session is stored, in which a crash would leave it on
            # the server only, is then a few milliseconds of writes.
            self.vault.secrets.warm()
            if device is None:
                jar, asked = self._jar(prepared)
                self._leave_out_own_session(prepared, email, jar, asked)
                trusted = self._trust_cookie(prepared, email)
                if trusted is not None:
                    jar.set(trusted)
            else:
                jar, asked = device
            device_multi = {c.name for c in jar if MULTI_MARKER in c.name}
            with self._client(prepared, jar) as client:
                try:
                    result = call(client)
                except NoSessionError:
                    log.info(
                        "%s %s on %s: no session until the email is verified",
                        verb,
                        email,
                        prepared.name,
                    )
                    # Also what a site that verifies emails answers for an address
                    # that already has an account (it does not tell which).
                    raise VerificationPendingError(
                        f"the site started no session for {email}: if the account is new, open "
                        "the verification link the site sent to that address, then sign in"
                    ) from None
                except TwoFactorRequiredError as asked_for:
                    log.info(
                        "%s %s on %s: the site asks for a second factor", verb, email, prepared.name
                    )
                    # The answer also set a _multi- cookie for the session the site
                    # then deleted: sent with the code, it would count against the
                    # site's limit of sessions per device.
                    for cookie in list(jar):
                        if MULTI_MARKER in cookie.name and cookie.name not in device_multi:
                            jar.remove(cookie.name)
                    challenge = TwoFactorChallenge(
                        server=prepared.name,
                        email=email,
                        remember=remember,
                        factors=offered_factors(asked_for.methods),
                        jar=jar,
                        asked=asked,
                    )
                    raise TwoFactorRequired(challenge) from None
                except AuthError as error:
                    log.info("%s %s on %s refused: %s", verb, email, prepared.name, error.message)
                    raise SignInRefusedError(
                        _refusal(error, email, client.sent_origin), error.code
                    ) from None
                failpoints.reach("add.answered")
                multi = _multi_cookie(jar, result.token)
                if multi is None:
                    self._sign_out_new_session(client, jar, result.token)
                    raise AccountsError(_no_multi_cookie(prepared, client.rejected))
                if expect_email is not None and result.email.casefold() != expect_email.casefold():
                    self._sign_out_new_session(client, jar, result.token)
                    raise AccountsError(
                        f"that link signs in {result.email}, not {expect_email}; nothing was added"
                    )
                cookies = [multi]
                if not remember:
                    cookies += [c for c in jar if c.name.endswith(".dont_remember")]
                # The site renews its trust_device cookie on every sign-in it skips the code for.
                cookies += [c for c in jar if is_trust_cookie(c)]
                replaced = self._replaced_session(prepared, result)
                # Saved at once: the session exists on the server, and the time
                # in which nothing here knows of it is kept as short as it can be.
                keeping = _Keeping()
                try:
                    account, existing, previous = self._keep(
                        prepared, result, cookies, marker, keeping
                    )
                except (AccountsError, SecretStoreError, VaultError):
                    if not keeping.stored:
                        # Nowhere here holds the session: it must not outlive this attempt.
                        self._sign_out_new_session(client, jar, result.token)
                    # Otherwise its cookie is in the keyring (and signing in again
                    # ended the account's previous session on the server): keep it.
                    # A new account's named marker stays, and the next accounts list
                    # or app start completes it; an existing account already names it.
                    saved = keeping.leave_marker
                    raise
                saved = True
                failpoints.reach("add.saved")
                if replaced is not None:
                    self._end_session(prepared, replaced)
                asked[account.user_id] = account.cookie_stamp
                try:
                    sessions: list[DeviceSession] | None = client.list_device_sessions()
                except ClientError as error:
                    # The account is in; names and expiry come with the next refresh.
                    log.info("device list after %s on %s failed: %s", verb, prepared.name, error)
                    sessions = None
        finally:
            if not saved:
                self._forget_marker(marker)
        if sessions is not None:
            with self.vault.locked() as index:
                server = _same_server(index, prepared)
                self._update_from_list(server, sessions, asked)
                account = server.account(account.user_id) or account
        log.info(
            "%s %s on %s (%s): %s, active",
            "signed up" if sign_up else "signed in",
            account.email,
            prepared.name,
            prepared.url,
            "again" if existing else "added",
        )
        self._emit(
            Event(EventKind.CHANGED if existing else EventKind.ADDED, prepared.name, account)
        )
        if previous != account.user_id:
            self._emit(Event(EventKind.ACTIVE_CHANGED, prepared.name, account))
        return account

    def _leave_out_own_session(
        self, server: Server, email: str, jar: CookieJar, asked: Asked
    ) -> None:
        """Keep an account's current session out of its own sign-in request.

        better-auth's multi-session plugin ends the device's other sessions of
        the same user as soon as a password is accepted: with two-factor, before
        the code is given. A sign-in given up at the code would then have cost
        the session already here. It is ended only once the new one is kept.
        """
        if is_username(email):
            # Which account a name is, only the site's answer says: none goes along.
            for cookie in list(jar):
                if MULTI_MARKER in cookie.name:
                    jar.remove(cookie.name)
            asked.clear()
            return
        account = server.find(email)
        if account is None or account.user_id not in asked:
            return
        try:
            own = self.vault.cookies(server, account)
        except SecretStoreError:
            return
        for cookie in own:
            if MULTI_MARKER in cookie.name:
                jar.remove(cookie.name)
        del asked[account.user_id]

    def _replaced_session(self, prepared: Server, result: SignedIn) -> Cookie | None:
        """The stored session a sign-in of an account already here replaces, if another."""
        account = self._prepare(prepared.name).account(result.user_id)
        if account is None:
            return None
        try:
            own = self.vault.cookies(prepared, account)
        except SecretStoreError:
            return None
        old = next((c for c in own if MULTI_MARKER in c.name), None)
        return old if old is not None and _token_in(old.value) != result.token else None

    def _end_session(self, prepared: Server, cookie: Cookie) -> None:
        """Sign out one replaced session, sent alone (best effort: it may be gone already)."""
        jar = CookieJar()
        jar.set(_for_request(_as_session(cookie)))
        try:
            with self._client(prepared, jar) as client:
                client.sign_out()
        except (AccountsError, AuthError, ClientError) as error:
            log.info("could not end the session a sign-in replaced: %s", error)

    def _trust_cookie(self, server: Server, email: str) -> Cookie | None:
        """The ``trust_device`` cookie kept with ``email``'s account, if it has one.

        Sent with a password sign-in so the site can skip the second factor:
        only the account's own, as the site checks it against the user.
        """
        account = next((a for a in server.accounts if a.email.casefold() == email.casefold()), None)
        if account is None:
            return None
        try:
            cookies = self.vault.cookies(server, account)
        except SecretStoreError:
            return None  # the sign-in asks for the code then; it fails on its own if it must
        now = time.time()
        return next((c for c in cookies if is_trust_cookie(c) and not c.expired(now)), None)

    def _keep(
        self,
        prepared: Server,
        result: SignedIn,
        cookies: list[Cookie],
        marker: PendingAdd,
        keeping: _Keeping,
    ) -> tuple[Account, Account | None, str | None]:
        """Save a signed-in account; returns it, the account it replaced, the previous active.

        ``keeping`` tells a caller whose save failed what is already in place.
        """
        with self.vault.locked() as index:
            server = _same_server(index, prepared)
            existing = server.account(result.user_id)
            if existing is None:
                # Which account this sign-in is storing, saved before the
                # keyring is touched: if the process dies now, the next command
                # knows which keyring entries are this sign-in's to clean up.
                _drop_marker(index, marker)
                marker = replace(marker, user_id=result.user_id)
                index.pending.append(marker)
                self.vault.checkpoint(index)
                keeping.leave_marker = True
                failpoints.reach("add.named")
            account = existing or Account(user_id=result.user_id, email=result.email)
            account.email, account.name = result.email, result.name
            account.image, account.status = result.image, AccountStatus.VALID
            # The cookie first: from here the session is reachable (the marker
            # names its keyring entry), which the keyring's list is not needed for.
            self.vault.store_cookies(server, account, cookies)
            keeping.stored = True
            failpoints.reach("add.stored")
            # Also for an account signing in again: a session that ended took
            # it off the keyring's list, which rebuilds a lost index.
            self.vault.add_to_directory(server, result.user_id)
            if existing is None:
                failpoints.reach("add.listed")
                server.accounts.append(account)
            previous = server.active
            server.active = account.user_id
            _drop_marker(index, marker)
        return account, existing, previous

    def _forget_marker(self, marker: PendingAdd) -> None:
        try:
            with self.vault.locked() as index:
                _drop_marker(index, marker)
        except Exception:  # the failure being reported matters more; reconciliation cleans up
            log.warning("could not clear the sign-in marker for %s", marker.email, exc_info=True)

    def _sign_out_new_session(self, client: AuthClient, jar: CookieJar, token: str) -> None:
        """Sign out the session this attempt created, found by its token, and no other.

        The jar also holds the device's other sessions (the active account's
        among them): whatever cookie is not the new session's must not be sent.
        A session cookie the jar refused (another domain, Secure over http) is
        sent back as the server set it, so that session ends too.
        """
        mine = next(
            (c for c in jar if is_session_cookie(c.name) and _token_in(c.value) == token), None
        )
        if mine is None:
            refused = next(
                (
                    r
                    for r in client.rejected
                    if is_session_cookie(r.name) and _token_in(r.value) == token
                ),
                None,
            )
            host = urlsplit(client.origin).hostname or ""
            mine = Cookie(refused.name, refused.value, host) if refused else None
        jar.clear()
        if mine is None:
            log.warning("the new session's cookie is not there to sign it out with")
            return
        jar.set(mine)
        try:
            client.sign_out()
        except ClientError:
            log.warning("could not sign out the session this attempt created")

    def _update_from_list(
        self, server: Server, sessions: list[DeviceSession], asked: Asked
    ) -> list[Account]:
        """Apply the server's device list to the accounts it was asked about.

        Returns the accounts whose sessions ended. An account added, or signed
        in again, after the request was prepared is not in ``asked`` (or has
        another cookie stamp) and is left alone.
        """
        by_user = {s.user_id: s for s in sessions}
        now = to_iso(utc_now())
        ended = []
        for account in server.accounts:
            if account.user_id not in asked or asked[account.user_id] != account.cookie_stamp:
                continue
            found = by_user.get(account.user_id)
            if found is not None:
                account.email, account.name, account.image = found.email, found.name, found.image
                account.expires_at = found.expires_at
                account.signed_in_at = found.created_at
                account.ip_address = found.ip_address or None
                account.user_agent = found.user_agent or None
                account.last_seen = now
                account.status = AccountStatus.VALID
            elif account.status == AccountStatus.VALID:
                expired = account.expires_at is not None and account.expires_at <= now
                account.status = AccountStatus.EXPIRED if expired else AccountStatus.REVOKED
                ended.append(account)
        server.refreshed_at = time.time()
        return ended

    def refresh(self, server_name: str | None = None) -> Server:
        """Ask the server which sessions still stand; switch away from a dead active one."""
        events: list[Event] = []
        prepared = self._prepare(server_name)
        if not any(a.status == AccountStatus.VALID for a in prepared.accounts):
            with self.vault.locked() as index:
                server = _same_server(index, prepared)
                server.refreshed_at = time.time()
            return server
        jar, asked = self._jar(prepared)
        with self._client(prepared, jar) as client:
            try:
                sessions = client.list_device_sessions()
            except AuthError as error:  # e.g. 429 Too many requests
                raise AccountsError(error.message) from None
            with self.vault.locked() as index:
                server = _same_server(index, prepared)
                ended = self._update_from_list(server, sessions, asked)
                if ended:
                    self.vault.forget_cookies(server, [a.user_id for a in ended])
                for account in ended:
                    log.info("%s's session on %s %s", account.email, server.name, account.status)
                    events.append(
                        Event(EventKind.CHANGED, server.name, account, f"session {account.status}")
                    )
                needs_next = server.active in {a.user_id for a in ended} or (
                    server.active is None
                    and any(a.status == AccountStatus.VALID for a in server.accounts)
                )
                if server.active in {a.user_id for a in ended}:
                    server.active = None
                after = server
            if needs_next:
                events.extend(self._switch_to_next(after, client))
        if self.keep_alive:
            self._keep_alive(prepared, sessions, asked)
        events.insert(0, Event(EventKind.ONLINE, prepared.name))
        for event in events:
            self._emit(event)
        return self.server(prepared.name)

    def _keep_alive(self, prepared: Server, sessions: list[DeviceSession], asked: Asked) -> None:
        """Ask for each session past half its lifetime, so the site extends it.

        better-auth extends a session (to expiresIn from now) when get-session
        asks for it after updateAge, which is at most expiresIn (1 of 7 days by
        default): an account the person only switches to now and then is never
        forgotten while its site would still honour it. Best effort: a failure
        here changes nothing, and the next refresh tries again.
        """
        now = time.time()
        for session in sessions:
            account = prepared.account(session.user_id)
            if account is None or session.user_id not in asked or not _due(session, now):
                continue
            key = (prepared.url, session.session_id)
            asked_before = self._not_extended.get(key)
            # Asked in vain since the site last extended it: again only after a
            # tenth of its lifetime, a minute at least (the site's updateAge may
            # not have passed yet: 16.8 h apart for a 7-day session).
            if (
                asked_before is not None
                and asked_before[0] == session.updated_at
                and now - asked_before[1] < max(_lifetime(session) / 10, RETRY_FLOOR)
            ):
                continue
            try:
                own = self.vault.cookies(prepared, account)
            except SecretStoreError:
                continue
            jar = CookieJar()
            for cookie in own:
                if MULTI_MARKER in cookie.name:
                    jar.set(_for_request(_as_session(cookie)))
                elif not is_trust_cookie(cookie):
                    jar.set(cookie)  # the dont_remember flag: a one-day session stays one day
            try:
                with self._client(prepared, jar) as client:
                    answer = client.get_session()
            except (AccountsError, AuthError, ClientError) as error:
                log.info("could not keep %s's session alive: %s", account.email, error)
                continue
            if answer is None or answer.user_id != account.user_id:
                continue  # ended meanwhile: the next device list says so
            if answer.expires_at == session.expires_at:
                # Not extended: a one-day (--no-remember) session, or an updateAge
                # past half the lifetime. Asked again once the site moves it.
                self._not_extended[key] = (session.updated_at, now)
                log.info("%s's session on %s was not extended", account.email, prepared.name)
                continue
            try:
                with self.vault.locked() as index:
                    current = _same_server(index, prepared).account(account.user_id)
                    if current is not None and current.cookie_stamp == asked[account.user_id]:
                        current.expires_at = answer.expires_at
            except (AccountsError, VaultError) as error:
                # The site extended it; the index says so at the next refresh.
                log.info("could not save %s's new session end: %s", account.email, error)
                continue
            log.info(
                "kept %s's session on %s alive, until %s", account.email, prepared.name,
                answer.expires_at,
            )  # fmt: skip

    def _switch_to_next(self, server: Server, client: AuthClient) -> list[Event]:
        """Make the first account whose session still stands active (the active one ended)."""
        for account in server.accounts:
            if account.status != AccountStatus.VALID:
                continue
            token = token_of(self.vault.cookies(server, account))
            if token is None:
                continue
            try:
                client.set_active(token)
            except AuthError:
                continue
            with self.vault.locked() as index:
                current = _same_server(index, server)
                if current.active is not None:
                    return []  # someone chose an account meanwhile: theirs stands
                chosen = current.account(account.user_id)
                if chosen is None or chosen.status != AccountStatus.VALID:
                    continue
                current.active = chosen.user_id
            log.info("switched to %s on %s: the active session ended", account.email, server.name)
            return [
                Event(EventKind.ACTIVE_CHANGED, server.name, chosen, "the active session ended")
            ]
        log.info("no signed-in account is left on %s", server.name)
        return [Event(EventKind.ACTIVE_CHANGED, server.name, None, "no signed-in account is left")]

    def is_stale(self, server: Server) -> bool:
        return time.time() - server.refreshed_at > STALE_AFTER

    def find(self, email: str, server_name: str | None = None) -> Account:
        """The account ``email`` on the server (default: the current one), or AccountsError."""
        return self._find(self.server(server_name), email)

    def _find(self, server: Server, email: str) -> Account:
        account = server.find(email)
        if account is None:
            if not email.strip():
                raise AccountsError("give the account's email address")
            raise AccountsError(
                f"no account {email} on {server.name} (give its email; see switcher accounts list)"
            )
        return account

    def use(self, email: str, server_name: str | None = None) -> Account:
        """Make an account the active one."""
        prepared = self._prepare(server_name)
        account = self._find(prepared, email)
        cookies, token = self._usable_cookies(prepared, account)
        # set-active needs only this account's own cookie: one secret read,
        # not one per account, for a process that starts just to switch.
        with self._client(prepared, CookieJar([_for_request(c) for c in cookies])) as client:
            try:
                session = client.set_active(token)
            except AuthError as error:
                if error.code != "INVALID_SESSION_TOKEN":
                    raise AccountsError(error.message) from None
                session = None
        if session is None:
            log.info("%s's session on %s has ended", account.email, prepared.name)
            message = f"{account.email}'s session has ended (revoked or expired); sign in again"
            if self._mark_ended(prepared, account):
                # It was the active one: like a refresh that finds it ended,
                # make the next account whose session stands active.
                now = self._activate_next(prepared.name)
                message += f"; active now: {now.email}" if now else "; no account is signed in"
            raise SessionEndedError(message, account.email)
        with self.vault.locked() as index:
            server = _same_server(index, prepared)
            current = server.account(account.user_id)
            if current is None or current.status != AccountStatus.VALID:
                raise AccountsError(
                    f"{account.email} was signed out by another switcher meanwhile; sign in again"
                )
            if current.cookie_stamp == account.cookie_stamp:
                current.expires_at = session.expires_at
            current.last_seen = to_iso(utc_now())
            changed = server.active != current.user_id
            server.active = current.user_id
        log.info("switched to %s on %s (%s)", current.email, prepared.name, prepared.url)
        if changed:
            self._emit(Event(EventKind.ACTIVE_CHANGED, prepared.name, current))
        return current

    def _usable_cookies(self, server: Server, account: Account) -> tuple[list[Cookie], str]:
        """The account's own cookies and session token; an error saying why they can't be used."""
        if account.status != AccountStatus.VALID:
            raise SessionEndedError(
                f"{account.email}'s session {_ENDED.get(account.status, 'has ended')}; "
                "sign in again",
                account.email,
            )
        cookies = self.vault.cookies(server, account)
        token = token_of(cookies)
        if token is None:
            raise NoStoredSessionError(f"no stored session for {account.email}; sign in again")
        return cookies, token

    def _mark_ended(self, prepared: Server, account: Account) -> bool:
        """Mark the session ended; True when it was the active account (now none is)."""
        with self.vault.locked() as index:
            server = _same_server(index, prepared)
            current = server.account(account.user_id)
            if current is None or current.cookie_stamp != account.cookie_stamp:
                return False  # signed in again meanwhile: that session is another
            current.status = AccountStatus.REVOKED
            self.vault.forget_cookies(server, [current.user_id])
            if server.active != current.user_id:
                return False
            server.active = None
            return True

    def _activate_next(self, server_name: str) -> Account | None:
        """After the active session ended: the first account still signed in becomes active."""
        prepared = self._prepare(server_name)
        events: list[Event] = []
        if any(a.status == AccountStatus.VALID for a in prepared.accounts):
            jar, _ = self._jar(prepared)
            try:
                with self._client(prepared, jar) as client:
                    events = self._switch_to_next(prepared, client)
            except (AccountsError, AuthError) as error:
                log.info("could not choose the next account on %s: %s", prepared.name, error)
        for event in events:
            self._emit(event)
        server = self.server(server_name)
        return server.account(server.active) if server.active else None

    def revoke(self, email: str, server_name: str | None = None) -> None:
        """End an account's session on the server and forget it here."""
        prepared = self._prepare(server_name)
        account = self._find(prepared, email)
        now_active = prepared.active
        if account.status == AccountStatus.VALID:
            token = token_of(self.vault.cookies(prepared, account))
            jar, _ = self._jar(prepared)
            with self._client(prepared, jar) as client:
                if token is not None:
                    self._revoke_on_server(client, token)
            others = replace(
                prepared, accounts=[a for a in prepared.accounts if a.user_id != account.user_id]
            )
            now_active = self._active_user(others, jar)
        with self.vault.locked() as index:
            server = _same_server(index, prepared)
            current = server.account(account.user_id)
            if current is not None and current.cookie_stamp != account.cookie_stamp:
                # Signed in again meanwhile: that new session was not the one revoked.
                raise AccountsError(
                    f"{account.email} was signed in again by another switcher meanwhile; "
                    "revoke it again to end that session"
                )
            if current is not None:
                server.accounts.remove(current)
                self.vault.forget_cookies(server, [current.user_id])
            if server.active == account.user_id or server.active == prepared.active:
                server.active = now_active if server.account(now_active or "") else None
        log.info("revoked %s on %s (%s)", account.email, prepared.name, prepared.url)
        self._emit(Event(EventKind.REMOVED, prepared.name, account))

    def _revoke_on_server(self, client: AuthClient, token: str) -> None:
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
        """Sign every account of this device out of the server and forget them all.

        Returns how many sessions were signed out: accounts whose session had
        already ended are forgotten too, but not counted.
        """
        prepared = self._prepare(server_name)
        if any(a.status == AccountStatus.VALID for a in prepared.accounts):
            jar, _ = self._jar(prepared)
            with self._client(prepared, jar) as client:
                try:
                    client.sign_out()
                except AuthError as error:
                    raise AccountsError(error.message) from None
        asked = {a.user_id: a.cookie_stamp for a in prepared.accounts}
        with self.vault.locked() as index:
            server = _same_server(index, prepared)
            # Accounts signed in meanwhile (by another switcher) were not signed out.
            gone = [a for a in server.accounts if asked.get(a.user_id, "") == a.cookie_stamp]
            self.vault.forget_cookies(server, [a.user_id for a in gone])
            server.accounts = [a for a in server.accounts if a not in gone]
            if server.account(server.active or "") is None:
                server.active = None
        signed_out = sum(1 for a in gone if a.status == AccountStatus.VALID)
        log.info(
            "signed out %d account%s on %s (%s)",
            signed_out,
            "" if signed_out == 1 else "s",
            prepared.name,
            prepared.url,
        )
        for account in gone:
            self._emit(Event(EventKind.REMOVED, prepared.name, account))
        return signed_out

    # -- reconciliation -----------------------------------------------------------
    def reconcile(self, server_name: str | None = None, *, everything: bool = False) -> list[str]:
        """Find what interrupted sign-ins left behind; adopt it or clean it up.

        Each abandoned sign-in marker names the account it was storing (if it
        got that far): its cookie is adopted when the server still honours it,
        else deleted. With ``everything`` (the app's start), cookies the
        server's keyring list names but the index lacks are also adopted when
        the server honours them (an index lost by an older version); they are
        never deleted, since another switcher profile may share the keyring.
        Returns one line per finding, for the person.
        """
        index = self.vault.load()
        if not self.vault.lock_path.exists():
            return []  # nothing was ever saved here: no keyring entries of ours to look at
        now = time.time()
        abandoned = [p for p in index.pending if p.is_abandoned(now, ABANDONED_AFTER)]
        names = {p.server for p in abandoned}
        rebuilt = index.needs_reconcile
        if rebuilt:
            names.update(index.servers)  # the index was rebuilt: look at every server
        elif everything:
            names.add(_server_in(index, server_name).name)
        everything = everything or rebuilt
        notices: list[str] = []
        postponed = False
        for name in sorted(names):
            server = index.servers.get(name)
            markers = [p for p in abandoned if p.server == name]
            if server is None:
                self._clear_markers(markers)
                continue
            found = self._reconcile_server(server, markers, everything)
            postponed = postponed or found is None
            notices.extend(found or [])
        if rebuilt and not postponed:
            with self.vault.locked() as saved:
                saved.needs_reconcile = False
        return notices

    def _reconcile_server(
        self, prepared: Server, markers: list[PendingAdd], everything: bool
    ) -> list[str] | None:
        """What was found on one server; None when it could not be asked (try again later)."""
        known = {a.user_id for a in prepared.accounts}
        named = {m.user_id for m in markers if m.user_id is not None and m.user_id not in known}
        candidates = set(named)
        if everything:
            candidates |= {u for u in self.vault.directory(prepared) if u not in known}
        stored = {u: self.vault.stored_cookies(prepared, u) for u in sorted(candidates)}
        verifiable = {u: c for u, c in stored.items() if token_of(c) is not None}
        listed: dict[str, DeviceSession] = {}
        if verifiable:
            jar, _ = self._jar(prepared)
            for cookies in verifiable.values():
                for cookie in cookies:
                    if MULTI_MARKER in cookie.name:
                        jar.set(_for_request(cookie))
            try:
                with self._client(prepared, jar) as client:
                    listed = {s.user_id: s for s in client.list_device_sessions()}
            except (AccountsError, AuthError) as error:
                # Cannot tell live from dead now: keep everything for next time.
                log.info("reconciling %s postponed: %s", prepared.name, error)
                return None
        notices: list[str] = []
        with self.vault.locked() as index:
            server = _same_server(index, prepared)
            dropped = []
            for user_id, cookies in stored.items():
                if server.account(user_id) is not None:
                    continue  # saved meanwhile by the process that signed it in
                found = listed.get(user_id)
                if found is not None:
                    account = Account(
                        user_id=user_id,
                        email=found.email,
                        name=found.name,
                        image=found.image,
                        expires_at=found.expires_at,
                        signed_in_at=found.created_at,
                        last_seen=to_iso(utc_now()),
                    )
                    self.vault.store_cookies(server, account, cookies)
                    self.vault.add_to_directory(server, user_id)  # if it died before that
                    server.accounts.append(account)
                    if server.active is None:
                        server.active = user_id
                    if user_id in named:
                        notices.append(
                            f"{found.email}: an interrupted sign-in on {server.name} was completed"
                        )
                    else:
                        notices.append(
                            f"{found.email}: a stored session on {server.name} was restored"
                        )
                elif user_id in named:
                    dropped.append(user_id)  # ours, and the server no longer honours it
            if dropped:
                self.vault.forget_cookies(server, dropped)
            for marker in markers:
                _drop_marker(index, marker)
                if marker.user_id is not None and server.account(marker.user_id) is not None:
                    if marker.user_id not in named:
                        continue  # it had been saved: the process died after that
                    if marker.user_id not in dropped:
                        continue  # adopted above, and said so
                what = "sign-up" if marker.sign_up else "sign-in"
                notice = (
                    f"{marker.email}: a {what} on {server.name} was interrupted before it "
                    "was saved; if the server had answered, that session ends on its own"
                )
                if marker.sign_up:
                    notice += " and the account may exist: add it without --sign-up"
                notices.append(notice)
        for notice in notices:
            log.info("%s", notice)  # the front-end shows it to the person, once
        return notices

    def _clear_markers(self, markers: list[PendingAdd]) -> None:
        if markers:
            with self.vault.locked() as index:
                for marker in markers:
                    _drop_marker(index, marker)

    # -- cookies for browsers and scripts ---------------------------------------------
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
            chosen = self._find(server, email)
        if chosen is None or chosen.status != AccountStatus.VALID:
            raise AccountsError(
                f"{email or 'the active account'} has no valid session; sign in again"
            )
        jar, _ = self._jar(server, active=chosen.user_id, exported=True)
        return list(jar)

    def active_cookies(self, server_name: str | None = None) -> list[Cookie]:
        """The cookies a browser signed in as the active account sends: for scripts."""
        server = self.server(server_name)
        active = server.account(server.active) if server.active else None
        if active is None:
            raise AccountsError(f"no active account on {server.name}")
        own, _ = self._usable_cookies(server, active)
        jar, _ = self._jar(server, exported=True)
        names = {c.name for c in own}
        session = [c for c in jar if is_session_cookie(c.name)]
        return session + [c for c in jar if c.name in names]


def _server_in(index: Index, name: str | None) -> Server:
    chosen = name or index.current
    if chosen not in index.servers:
        known = ", ".join(sorted(index.servers))
        raise AccountsError(f"no server named {chosen!r} (known: {known})")
    return index.servers[chosen]


def _same_server(index: Index, prepared: Server) -> Server:
    """``prepared``'s server in a fresh read of the index, if it is still the same server."""
    server = index.servers.get(prepared.name)
    if server is None or server.url != prepared.url:
        raise AccountsError(
            f"the server {prepared.name!r} was removed or changed by another switcher meanwhile"
        )
    return server


# How a status reads in a sentence about a session.
_ENDED = {AccountStatus.REVOKED: "was revoked", AccountStatus.EXPIRED: "has expired"}


class _Keeping:
    """What ``Accounts._keep`` had done before it failed, for the caller's cleanup."""

    def __init__(self) -> None:
        self.stored = False  # the account's cookies are in the keyring
        self.leave_marker = False  # a named marker is saved: reconciliation finishes the job


def _drop_marker(index: Index, marker: PendingAdd) -> None:
    """Remove this sign-in's marker (whether or not it names its account yet)."""
    same = replace(marker, user_id=None)
    index.pending = [p for p in index.pending if replace(p, user_id=None) != same]
