"""A small OAuth 2.0 provider for tests: the single sign-on service of an SSO-only site.

Sites that sign people in only through an identity provider (better-auth's
genericOAuth plugin) send the browser to that provider and back. Testing that
flow end to end, with a real browser and the real better-auth peer, needs a
provider on 127.0.0.1 that approves at once, as whichever identity the test
chooses, while checking what a real one checks: the client, the redirect URI,
single-use codes and the PKCE (S256) verifier. ``running_provider()`` starts one.

The userinfo answer carries ``id`` as well as ``sub``: genericOAuth without a
discovery document treats the provider as plain OAuth 2.0 and keys the account
on ``id`` (``userinfo_id = False`` leaves it out, and the sign-in then fails).
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, unquote, urlencode, urlsplit

CLIENT_ID = "switcher-test"
CLIENT_SECRET = "switcher-test-secret"
SCOPE = "openid email profile"


@dataclass(frozen=True)
class Identity:
    email: str
    name: str

    @property
    def sub(self) -> str:
        """Stable per address, as a provider's subject identifier is."""
        return "sub-" + hashlib.sha256(self.email.lower().encode()).hexdigest()[:16]


@dataclass(frozen=True)
class Seen:
    """One request answered: query or form fields, how the client authenticated."""

    method: str
    path: str
    params: dict[str, str]
    client_auth: str | None  # "basic", "post" or None
    status: int


@dataclass(frozen=True)
class _Grant:
    identity: Identity
    redirect_uri: str
    challenge: str


@dataclass
class Provider:
    """The running provider: its ``url``, whom it approves as, every request it answered."""

    url: str = ""
    identity: Identity = Identity("sso-user@example.test", "SSO User")
    denying: bool = False  # the next authorizations answer error=access_denied
    userinfo_id: bool = True
    requests: list[Seen] = field(default_factory=list)
    _codes: dict[str, _Grant] = field(default_factory=dict)
    _tokens: dict[str, Identity] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def approve_as(self, email: str, name: str | None = None) -> Identity:
        """The identity the next authorizations approve as."""
        self.identity = Identity(email, name or email.split("@")[0])
        return self.identity

    def authorize(self, q: dict[str, str]) -> tuple[int, dict[str, Any] | str]:
        if q.get("client_id") != CLIENT_ID or not q.get("redirect_uri"):
            return 400, {"error": "invalid_request"}  # never redirect to an unchecked URI
        back = {"state": q["state"]} if "state" in q else {}
        challenge = q.get("code_challenge", "")
        if q.get("response_type") != "code":
            back["error"] = "unsupported_response_type"
        elif not challenge or q.get("code_challenge_method") != "S256":
            back["error"] = "invalid_request"
        elif self.denying:
            back["error"] = "access_denied"
        else:
            code = secrets.token_urlsafe(24)
            with self._lock:
                self._codes[code] = _Grant(self.identity, q["redirect_uri"], challenge)
            back = {"code": code, **back}
        sep = "&" if "?" in q["redirect_uri"] else "?"
        return 302, q["redirect_uri"] + sep + urlencode(back)

    def token(self, form: dict[str, str], auth: tuple[str, str] | None) -> tuple[int, Any]:
        client = auth or (form.get("client_id", ""), form.get("client_secret", ""))
        if client != (CLIENT_ID, CLIENT_SECRET) or (auth and "client_secret" in form):
            return 401, {"error": "invalid_client"}
        with self._lock:
            grant = self._codes.pop(form.get("code", ""), None)  # single use, even if refused
        verifier = form.get("code_verifier", "").encode()
        digest = base64.urlsafe_b64encode(hashlib.sha256(verifier).digest()).rstrip(b"=")
        if (
            form.get("grant_type") != "authorization_code"
            or grant is None
            or form.get("redirect_uri") != grant.redirect_uri
            or not verifier
            or digest.decode() != grant.challenge
        ):
            return 400, {"error": "invalid_grant"}
        access = secrets.token_urlsafe(24)
        with self._lock:
            self._tokens[access] = grant.identity
        answer = {"access_token": access, "token_type": "Bearer", "expires_in": 3600}
        return 200, answer | {"scope": SCOPE}

    def userinfo(self, authorization: str) -> tuple[int, Any]:
        scheme, _, access = authorization.partition(" ")
        who = self._tokens.get(access) if scheme.lower() == "bearer" else None
        if who is None:
            return 401, {"error": "invalid_token"}
        info = {"sub": who.sub, "email": who.email, "name": who.name, "email_verified": True}
        return 200, ({"id": who.sub} | info) if self.userinfo_id else info


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_GET(self) -> None:
        parts = urlsplit(self.path)
        q = dict(parse_qsl(parts.query))
        provider = self.server.provider
        if parts.path == "/authorize":
            self._answer(parts.path, q, None, *provider.authorize(q))
        elif parts.path == "/userinfo":
            found = provider.userinfo(self.headers.get("authorization", ""))
            self._answer(parts.path, q, None, *found)
        else:
            self._answer(parts.path, q, None, 404, {"error": "not_found"})

    def do_POST(self) -> None:
        size = int(self.headers.get("content-length") or 0)
        form = dict(parse_qsl(self.rfile.read(size).decode()))
        path = urlsplit(self.path).path
        scheme, _, encoded = self.headers.get("authorization", "").partition(" ")
        auth = None
        if scheme.lower() == "basic":
            try:
                user, _, password = base64.b64decode(encoded).decode().partition(":")
            except ValueError:
                user = password = ""
            auth = (unquote(user), unquote(password))  # RFC 6749 2.3.1: form-encoded first
        how = "basic" if auth else "post" if "client_secret" in form else None
        if path == "/token":
            self._answer(path, form, how, *self.server.provider.token(form, auth))
        else:
            self._answer(path, form, how, 404, {"error": "not_found"})

    def _answer(
        self, path: str, params: dict[str, str], how: str | None, status: int, body: Any
    ) -> None:
        seen = Seen(self.command, path, params, how, status)
        self.server.provider.requests.append(seen)
        self.send_response(status)
        if status == 302:
            self.send_header("location", body)
            body = ""
        data = json.dumps(body).encode() if body else b""
        self.send_header("content-type", "application/json")
        self.send_header("cache-control", "no-store")
        self.send_header("content-length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    provider: Provider


@contextmanager
def running_provider() -> Iterator[Provider]:
    """A provider on 127.0.0.1 (a free port), served from a daemon thread."""
    server = _Server(("127.0.0.1", 0), _Handler)
    server.provider = Provider(url=f"http://127.0.0.1:{server.server_address[1]}")
    thread = threading.Thread(target=server.serve_forever, name="oauth-provider", daemon=True)
    thread.start()
    try:
        yield server.provider
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)
