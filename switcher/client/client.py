"""``AuthClient``: better-auth's email/password and multi-session calls over httpx.

One client is one device: it sends the jar's cookies like a browser, stores
every ``Set-Cookie`` back into the jar, and sends the server's ``Origin`` on
every POST (better-auth answers 403 without one once cookies are involved).

Every request has an overall deadline (``deadline.py``) and every answer a
size cap (``body.py``); an answer that misses either changes nothing, its
cookies included. A client is used by one thread at a time.
"""

from __future__ import annotations

import json
import logging
import ssl
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import httpx

from switcher.client.body import ACCEPT_ENCODING, MAX_ANSWER_BYTES, CappedBody, declared_length
from switcher.client.deadline import Deadline, Sockets
from switcher.client.errors import (
    AuthError,
    BadResponseError,
    ClientError,
    ResponseTooLargeError,
    ServerBusyError,
    ServerTimeoutError,
    ServerUnreachableError,
)
from switcher.client.jar import CookieJar
from switcher.protocol.cookies import MULTI_MARKER

log = logging.getLogger("switcher.client")

SESSION_TOKEN_SUFFIX = ".session_token"  # noqa: S105 - a cookie name, not a secret
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
            return cls(
                token=str(session["token"]),
                session_id=str(session["id"]),
                expires_at=str(session["expiresAt"]),
                created_at=str(session["createdAt"]),
                ip_address=session.get("ipAddress"),
                user_agent=session.get("userAgent"),
                user_id=str(user["id"]),
                name=str(user.get("name") or ""),
                email=str(user["email"]),
                image=user.get("image"),
            )
        except (KeyError, TypeError) as error:
            raise BadResponseError("the server's session answer is missing fields") from error


@dataclass(frozen=True, slots=True)
class SignedIn:
    token: str
    user_id: str
    name: str
    email: str
    image: str | None


def session_cookie_names(jar: CookieJar) -> list[str]:
    """Names of session-token cookies in the jar (prefix and ``__Secure-`` as the server chose)."""
    return [
        c.name for c in jar if c.name.endswith(SESSION_TOKEN_SUFFIX) and MULTI_MARKER not in c.name
    ]


class AuthClient:
    def __init__(
        self,
        base_url: str,
        jar: CookieJar | None = None,
        *,
        base_path: str = "/api/auth",
        timeout: float = DEFAULT_TIMEOUT,
        ca_bundle: str | None = None,
        transport: httpx.BaseTransport | None = None,
        user_agent: str = "switcher",
        max_answer_bytes: int = MAX_ANSWER_BYTES,
    ) -> None:
        """``timeout`` is each request's overall deadline in seconds: connecting,
        sending, and the whole answer. ``max_answer_bytes`` caps an answer's body."""
        if timeout <= 0:
            raise ValueError(f"timeout must be positive, not {timeout!r}")
        parts = urlsplit(base_url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(f"not an http(s) URL: {base_url!r}")
        self.base_url = base_url.rstrip("/")
        self.origin = f"{parts.scheme}://{parts.netloc}"
        self.api = self.base_url + base_path
        self.jar = jar if jar is not None else CookieJar()
        self.timeout = timeout
        self.max_answer_bytes = max_answer_bytes
        self._sockets = Sockets()
        verify: ssl.SSLContext | bool = True
        if ca_bundle:
            verify = ssl.create_default_context(cafile=ca_bundle)
        # trust_env: proxies from HTTP(S)_PROXY/NO_PROXY, as people configure them.
        self._http = httpx.Client(
            timeout=timeout,  # each request sets its own, to what is left of its deadline
            verify=verify,
            transport=transport,
            trust_env=True,
            headers={"user-agent": user_agent},
            follow_redirects=False,
        )

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> AuthClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- transport -------------------------------------------------------------
    def _request(self, method: str, path: str, body: Any = None) -> Any:
        url = self.api + path
        headers = {"accept": "application/json", "accept-encoding": ACCEPT_ENCODING}
        cookie = self.jar.header_for(url)
        if cookie:
            headers["cookie"] = cookie
        if method == "POST":
            headers["origin"] = self.origin
        deadline = Deadline(self.timeout, self._sockets)
        request = self._http.build_request(
            method,
            url,
            headers=headers,
            json=body if method == "POST" else None,
            # extensions["timeout"]: every transport's per-operation timeouts, the
            # in-process one's included, get the whole budget, never more. Connecting
            # gets half: ssl bounds a TLS handshake by the connect timeout counted from
            # when TCP connected, and the watchdog cannot reach a socket inside the
            # handshake, so connect and handshake at half each keep the deadline.
            timeout=httpx.Timeout(deadline.remaining(), connect=deadline.remaining() / 2),
            extensions={"trace": deadline.trace},
        )
        try:
            with deadline:
                response = self._http.send(request, stream=True)
                try:
                    content = self._read(response, deadline)
                finally:
                    deadline.stop()
                    response.close()
        except httpx.TransportError as error:
            if deadline.fired or isinstance(error, httpx.TimeoutException):
                raise self._timed_out() from None
            raise self._transport_failure(error) from None
        finally:
            self._http.cookies.clear()  # our jar is the only cookie store
        for line in response.headers.get_list("set-cookie"):
            reason = self.jar.store(url, line)
            if reason:
                log.warning("ignored a cookie from %s: %s", self.origin, reason)
        return self._decode(response, content)

    def _read(self, response: httpx.Response, deadline: Deadline) -> bytes | bytearray:
        """The whole body, within the size cap and the deadline."""
        if response.is_stream_consumed:
            # The transport read the whole answer itself (the in-process server's
            # does): it is in memory already, and only its size is left to judge.
            if len(response.content) > self.max_answer_bytes:
                raise ResponseTooLargeError(self.origin, self.max_answer_bytes)
            return response.content
        body = CappedBody(
            self.origin, self.max_answer_bytes, response.headers.get("content-encoding", "")
        )
        body.check_declared(declared_length(response.headers.get("content-length")))
        for chunk in response.iter_raw():
            if deadline.fired:  # bytes still buffered from a connection already cut
                raise self._timed_out()
            body.feed(chunk)
        if deadline.fired:
            # Without a length, the end of the body is the connection's end, and
            # the watchdog's cut looks just like it: a short body, not an answer.
            raise self._timed_out()
        return body.finish()

    def _timed_out(self) -> ClientError:
        return ServerTimeoutError(f"{self.origin} did not answer within {self.timeout:g} s")

    def _transport_failure(self, error: httpx.TransportError) -> ClientError:
        if isinstance(error, httpx.ConnectError):
            return ServerUnreachableError(_connect_message(self.origin, error))
        if isinstance(error, httpx.RemoteProtocolError):
            if "disconnected" in str(error).lower():
                return ServerUnreachableError(
                    f"{self.origin} closed the connection without answering"
                )
            return BadResponseError(
                f"{self.origin} answered with something that is not HTTP (is this the right port?)"
            )
        return ServerUnreachableError(f"lost the connection to {self.origin}")

    def _decode(self, response: httpx.Response, content: bytes | bytearray) -> Any:
        status = response.status_code
        kind = response.headers.get("content-type", "").split(";")[0].strip()
        if status == 404 and not content:
            raise BadResponseError(
                f"{self.origin} has no better-auth endpoint at {response.request.url.path}"
            )
        if kind != "application/json":
            shown = kind or "no content type"
            raise BadResponseError(
                f"{self.origin} answered HTTP {status} with {shown}, not better-auth's JSON "
                "(is this the right URL?)"
            )
        try:
            data = json.loads(content)
        except (json.JSONDecodeError, UnicodeDecodeError):
            raise BadResponseError(f"{self.origin} sent malformed JSON (HTTP {status})") from None
        if status == 503 and isinstance(data, dict) and isinstance(data.get("message"), str):
            # better-auth's body shape, saying why (switcher's server: DATABASE_BUSY).
            raise ServerBusyError(f"{self.origin} cannot answer now: {data['message']} (HTTP 503)")
        if status >= 500:
            raise BadResponseError(f"{self.origin} had an internal error (HTTP {status})")
        if status >= 400:
            message = data.get("message") if isinstance(data, dict) else None
            code = data.get("code") if isinstance(data, dict) else None
            raise AuthError(status, code, str(message or f"HTTP {status}"))
        return data

    # -- better-auth calls -------------------------------------------------------
    def sign_up(self, email: str, password: str, name: str, remember: bool = True) -> SignedIn:
        body: dict[str, Any] = {"email": email, "password": password, "name": name}
        if not remember:
            body["rememberMe"] = False
        return _signed_in(self._request("POST", "/sign-up/email", body))

    def sign_in(self, email: str, password: str, remember: bool = True) -> SignedIn:
        body: dict[str, Any] = {"email": email, "password": password}
        if not remember:
            body["rememberMe"] = False
        return _signed_in(self._request("POST", "/sign-in/email", body))

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


def _connect_message(origin: str, error: Exception) -> str:
    text = str(error)
    if "CERTIFICATE_VERIFY_FAILED" in text or "certificate" in text.lower():
        return f"{origin}: the TLS certificate is not trusted (pass a CA bundle if it is yours)"
    if "Name or service not known" in text or "nodename nor servname" in text:
        return f"{origin}: no such host"
    return f"cannot connect to {origin} (is the server running?)"
