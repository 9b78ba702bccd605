"""``AuthClient``: better-auth's email/password and multi-session calls.

One client is one device: it sends the jar's cookies like a browser, stores
every ``Set-Cookie`` back into the jar, and sends the server's ``Origin`` on
every POST (better-auth answers 403 without one once cookies are involved).

The bytes travel through an ``Exchange`` (``exchange.py``): httpx over the
network (``http.py``: one overall deadline per request, a cap on the answer's
size), or a direct call into the bundled server in process. An answer that
misses the deadline or the cap changes nothing, its cookies included. A
client is used by one thread at a time.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, urlencode, urlsplit

from switcher.client.body import ACCEPT_ENCODING, MAX_ANSWER_BYTES
from switcher.client.errors import (
    AuthError,
    BadResponseError,
    EndpointMissingError,
    NoSessionError,
    ResponseTooLargeError,
    ServerBusyError,
    ServerFailingError,
    TwoFactorRequiredError,
)
from switcher.client.exchange import Answer, Exchange
from switcher.client.jar import CookieJar, Refused
from switcher.display_text import server_text
from switcher.protocol.cookies import is_session_cookie
from switcher.protocol.dates import parse_iso
from switcher.protocol.endpoints import DEFAULT_BASE_PATH
from switcher.protocol.setcookie import parse_set_cookie

if TYPE_CHECKING:
    import httpx

log = logging.getLogger("switcher.client")

# Seconds one request may take, all of it. Generous for a sign-in on a slow
# server (password hashing is the slow part, well under a second), short
# enough that a hung server shows as offline while someone still waits.
DEFAULT_TIMEOUT = 15.0


@dataclass(frozen=True, slots=True)
class DeviceSession:
    """One ``{session, user}`` entry as get-session and the multi-session list answer it."""

    token: str
    session_id: str
    expires_at: str
    created_at: str
    updated_at: str | None  # when the site last extended it (better-auth's updatedAt)
    ip_address: str | None
    user_agent: str | None
    user_id: str
    name: str
    email: str
    image: str | None

    @classmethod
    def from_json(cls, data: Any) -> DeviceSession:
        try:
            session, user = data["session"], data["user"]
            found = cls(
                token=str(session["token"]),
                session_id=str(session["id"]),
                expires_at=str(session["expiresAt"]),
                created_at=str(session["createdAt"]),
                updated_at=_text_or_none(session.get("updatedAt")),
                ip_address=_text_or_none(session.get("ipAddress")),
                user_agent=_text_or_none(session.get("userAgent")),
                user_id=str(user["id"]),
                name=str(user.get("name") or ""),
                email=str(user["email"]),
                image=_text_or_none(user.get("image")),
            )
            # What is kept in the account index must read back as valid there.
            parse_iso(found.expires_at)
            parse_iso(found.created_at)
            if found.updated_at is not None:
                parse_iso(found.updated_at)
        except (KeyError, TypeError, ValueError) as error:
            raise BadResponseError("the server's session answer is missing fields") from error
        if not (found.token and found.user_id and found.email):
            raise BadResponseError("the server's session answer has an empty id, token or email")
        return found


@dataclass(frozen=True, slots=True)
class RejectedCookie:
    """A cookie the server set that the jar refused, and why (kept to explain, or to undo)."""

    name: str
    value: str
    reason: Refused


@dataclass(frozen=True, slots=True)
class SignedIn:
    token: str
    user_id: str
    name: str
    email: str
    image: str | None


def session_cookie_names(jar: CookieJar) -> list[str]:
    """Names of session-token cookies in the jar (prefix and ``__Secure-`` as the server chose)."""
    return [c.name for c in jar if is_session_cookie(c.name)]


class AuthClient:
    def __init__(
        self,
        base_url: str,
        jar: CookieJar | None = None,
        *,
        base_path: str = DEFAULT_BASE_PATH,
        timeout: float = DEFAULT_TIMEOUT,
        ca_bundle: str | None = None,
        transport: httpx.BaseTransport | None = None,
        exchange: Exchange | None = None,
        user_agent: str = "switcher",
        max_answer_bytes: int = MAX_ANSWER_BYTES,
        origin: str | None = None,
    ) -> None:
        """``timeout`` is each request's overall deadline in seconds: connecting,
        sending, and the whole answer. ``max_answer_bytes`` caps an answer's body.
        ``exchange`` (e.g. the bundled server in process) replaces the network;
        else httpx carries the requests, through ``transport`` if one is given.
        ``origin``: the Origin POSTs carry, where the site trusts another
        address than ``base_url``'s (default: ``base_url``'s origin)."""
        if timeout <= 0:
            raise ValueError(f"timeout must be positive, not {timeout!r}")
        parts = urlsplit(base_url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(f"not an http(s) URL: {base_url!r}")
        self.base_url = base_url.rstrip("/")
        self.origin = f"{parts.scheme}://{parts.netloc}"  # the site's, as messages name it
        self.sent_origin = origin or self.origin
        self.api = self.base_url + base_path
        self.jar = jar if jar is not None else CookieJar()
        # The cookies the last answer set that the jar refused.
        self.rejected: list[RejectedCookie] = []
        self.timeout = timeout
        self.max_answer_bytes = max_answer_bytes
        self.user_agent = user_agent
        self._owns_exchange = exchange is None
        if exchange is None:
            from switcher.client.http import HttpxExchange

            exchange = HttpxExchange(
                self.origin,
                max_answer_bytes=max_answer_bytes,
                ca_bundle=ca_bundle,
                transport=transport,
            )
        self._exchange = exchange

    def close(self) -> None:
        if self._owns_exchange:
            self._exchange.close()

    def __enter__(self) -> AuthClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- transport -------------------------------------------------------------
    def _request(self, method: str, path: str, body: Any = None) -> Any:
        url = self.api + path
        headers = {
            "accept": "application/json",
            "accept-encoding": ACCEPT_ENCODING,
            "user-agent": self.user_agent,
        }
        cookie = self.jar.header_for(url)
        if cookie:
            headers["cookie"] = cookie
        payload = None
        if method == "POST":
            headers["origin"] = self.sent_origin
            headers["content-type"] = "application/json"
            # As a browser's fetch (and httpx's json=) would send it.
            payload = json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode()
        answer = self._exchange.exchange(method, url, headers, payload, self.timeout)
        if len(answer.body) > self.max_answer_bytes:  # an exchange that read it whole
            raise ResponseTooLargeError(self.origin, self.max_answer_bytes)
        self.rejected = []
        for line in answer.header_list("set-cookie"):
            reason = self.jar.store(url, line)
            if reason:
                log.warning("ignored a cookie from %s: %s", self.origin, reason)
                parsed = parse_set_cookie(line)
                if parsed is not None:
                    self.rejected.append(RejectedCookie(parsed.name, parsed.value, reason))
        return self._decode(answer, path)

    def _decode(self, answer: Answer, path: str) -> Any:
        status = answer.status
        kind = (answer.header("content-type") or "").split(";")[0].strip()
        if 300 <= status < 400:
            _raise_redirect(self.origin, status, answer.header("location"))
        if status == 404 and not answer.body:
            raise EndpointMissingError(
                f"{self.origin} has no better-auth endpoint at {urlsplit(self.api + path).path}"
            )
        if kind != "application/json":
            shown = kind or "no content type"
            raise BadResponseError(
                f"{self.origin} answered HTTP {status} with {shown}, not better-auth's JSON "
                "(is this the right URL?)"
            )
        try:
            data = json.loads(answer.body)
        except (json.JSONDecodeError, UnicodeDecodeError):
            raise BadResponseError(f"{self.origin} sent malformed JSON (HTTP {status})") from None
        if status == 503 and isinstance(data, dict) and isinstance(data.get("message"), str):
            # better-auth's body shape, saying why (switcher's server: DATABASE_BUSY).
            said = server_text(data["message"])
            raise ServerBusyError(f"{self.origin} cannot answer now: {said} (HTTP 503)")
        if status >= 500:
            raise ServerFailingError(f"{self.origin} had an internal error (HTTP {status})")
        if status >= 400:
            message = data.get("message") if isinstance(data, dict) else None
            code = data.get("code") if isinstance(data, dict) else None
            wait = _seconds(answer.header("x-retry-after") or answer.header("retry-after"))
            raise AuthError(status, code, str(message or f"HTTP {status}"), wait)
        return data

    # -- better-auth calls -------------------------------------------------------
    def sign_up(self, email: str, password: str, name: str, remember: bool = True) -> SignedIn:
        body: dict[str, Any] = {"email": email, "password": password, "name": name}
        if not remember:
            body["rememberMe"] = False
        data = self._request("POST", "/sign-up/email", body)
        if isinstance(data, dict) and "token" in data and data["token"] is None:
            # requireEmailVerification: the user exists, the session waits for the link.
            raise NoSessionError(f"{email} was created, but the site starts no session yet")
        return _signed_in(data)

    def sign_in(self, email: str, password: str, remember: bool = True) -> SignedIn:
        body: dict[str, Any] = {"email": email, "password": password}
        if not remember:
            body["rememberMe"] = False
        return _signed_in(self._request("POST", "/sign-in/email", body))

    def sign_in_username(self, username: str, password: str, remember: bool = True) -> SignedIn:
        """The username plugin's sign-in (``POST /sign-in/username``)."""
        body: dict[str, Any] = {"username": username, "password": password}
        if not remember:
            body["rememberMe"] = False
        return _signed_in(self._request("POST", "/sign-in/username", body))

    # -- the twoFactor plugin: after a sign-in raised TwoFactorRequiredError,
    # with the same jar (it holds the signed two_factor cookie) ----------------
    def verify_totp(self, code: str, trust_device: bool = False) -> SignedIn:
        body = {"code": code, "trustDevice": trust_device}
        return _signed_in(self._request("POST", "/two-factor/verify-totp", body))

    def send_two_factor_otp(self) -> None:
        """Ask the site to email (or text) a one-time code for this sign-in."""
        self._request("POST", "/two-factor/send-otp", {})

    def verify_two_factor_otp(self, code: str, trust_device: bool = False) -> SignedIn:
        body = {"code": code, "trustDevice": trust_device}
        return _signed_in(self._request("POST", "/two-factor/verify-otp", body))

    def verify_backup_code(self, code: str, trust_device: bool = False) -> SignedIn:
        body = {"code": code, "trustDevice": trust_device}
        return _signed_in(self._request("POST", "/two-factor/verify-backup-code", body))

    # -- passwordless: the magicLink and emailOTP plugins -------------------------
    def send_magic_link(self, email: str) -> None:
        self._request("POST", "/sign-in/magic-link", {"email": email})

    def verify_magic_link(self, token: str) -> SignedIn:
        """Open a magic link's token as switcher: without a callbackURL the site
        answers ``{token, user}`` and sets the cookies, instead of redirecting."""
        return _signed_in(self._request("GET", "/magic-link/verify?" + urlencode({"token": token})))

    def send_email_otp(self, email: str) -> None:
        body = {"email": email, "type": "sign-in"}
        self._request("POST", "/email-otp/send-verification-otp", body)

    def sign_in_email_otp(self, email: str, otp: str) -> SignedIn:
        return _signed_in(self._request("POST", "/sign-in/email-otp", {"email": email, "otp": otp}))

    def has_endpoint(self, path: str) -> bool:
        """Whether the site serves ``POST path`` (a plugin's), asked without side effects.

        An empty body fails the endpoint's validation (400) before it does
        anything; a site without the plugin answers an empty 404. Any other
        refusal (a rate limit, an untrusted origin) says nothing either way and
        is raised.
        """
        try:
            self._request("POST", path, {})
        except EndpointMissingError:
            return False
        except AuthError as error:
            if error.status in (400, 422):
                return True
            raise
        return True

    def get_session(self) -> DeviceSession | None:
        data = self._request("GET", "/get-session")
        return None if data is None else DeviceSession.from_json(data)

    def list_device_sessions(self) -> list[DeviceSession]:
        data = self._request("GET", "/multi-session/list-device-sessions")
        if not isinstance(data, list):
            raise BadResponseError("the server's device-session list is not a list")
        return [DeviceSession.from_json(item) for item in data]

    def set_active(self, token: str) -> DeviceSession:
        data = self._request("POST", "/multi-session/set-active", {"sessionToken": token})
        return DeviceSession.from_json(data)

    def revoke(self, token: str) -> None:
        self._request("POST", "/multi-session/revoke", {"sessionToken": token})

    def sign_out(self) -> None:
        self._request("POST", "/sign-out", {})

    def ok(self) -> bool:
        """better-auth's health check: True when ``GET /ok`` answers ``{"ok": true}``."""
        data = self._request("GET", "/ok")
        return isinstance(data, dict) and data.get("ok") is True


def _signed_in(data: Any) -> SignedIn:
    if isinstance(data, dict) and data.get("twoFactorRedirect") is True:
        listed = data.get("twoFactorMethods")
        methods = tuple(str(m) for m in listed) if isinstance(listed, list) else ()
        raise TwoFactorRequiredError(methods)
    try:
        user = data["user"]
        return SignedIn(
            token=str(data["token"]),
            user_id=str(user["id"]),
            name=str(user.get("name") or ""),
            email=str(user["email"]),
            image=user.get("image"),
        )
    except (KeyError, TypeError) as error:
        raise BadResponseError("the server's sign-in answer is missing fields") from error


def _raise_redirect(origin: str, status: int, location: str | None) -> None:
    """A redirect is how better-auth's link endpoints report failure (``?error=CODE``)."""
    query = parse_qs(urlsplit(location or "").query)
    code = (query.get("error") or [""])[0]
    if code:
        described = (query.get("error_description") or [code])[0]
        raise AuthError(status, code, described)
    where = server_text(location) if location else "nowhere"
    raise BadResponseError(f"{origin} redirected to {where} instead of answering")


def _seconds(value: str | None) -> int | None:
    """A wait in whole seconds (``Retry-After`` may also be an HTTP date: not used here)."""
    if value is None or not value.strip().isdigit():
        return None
    return int(value.strip())


def _text_or_none(value: object) -> str | None:
    if value is not None and not isinstance(value, str):
        raise TypeError("expected text or null")
    return value
