"""The ASGI application: routing, body parsing, the request pipeline and hooks."""

from __future__ import annotations

import asyncio
import json
import logging
import threading
from collections.abc import Awaitable, Callable
from concurrent.futures import Future
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl

from switcher.protocol.errors import RATE_LIMIT_MESSAGE, ErrorCode
from switcher.protocol.signing import Signer
from switcher.server.config import ServerConfig
from switcher.server.context import Context, Services
from switcher.server.errors import APIError, RateLimitedError
from switcher.server.http import (
    BodyTooLargeError,
    Receive,
    Request,
    Response,
    Scope,
    Send,
    json_response,
)
from switcher.server.origin import TrustedOrigins, check_callbacks, check_request
from switcher.server.page import render_page, sign_in_with_form
from switcher.server.ratelimit import rate_limiter
from switcher.server.routes import email_password, multi_session, session
from switcher.server.store import (
    Store,
    StoreBusyError,
    StoreError,
    StoreFullError,
    StoreReadOnlyError,
    StoreUnavailableError,
    open_store,
)
from switcher.server.validation import MISSING

log = logging.getLogger("switcher.server")

Handler = Callable[[Context], Awaitable[Any]]
Hook = Callable[[Context], Awaitable[None]]

_JSON = "application/json"
_FORM = "application/x-www-form-urlencoded"


@dataclass(frozen=True, slots=True)
class Route:
    handler: Handler
    forms: bool = False  # accepts form-urlencoded bodies besides JSON
    credential: bool = False  # sign-in/up: CSRF rules apply even without cookies
    after: Hook | None = None  # a plugin's after-hook for this path
    body: bool = True  # a POST's body is read (and its type judged) before the handler


_ROUTES: dict[tuple[str, str], Route] = {
    ("POST", "/sign-up/email"): Route(email_password.sign_up, forms=True, credential=True),
    ("POST", "/sign-in/email"): Route(email_password.sign_in, forms=True, credential=True),
    ("GET", "/get-session"): Route(session.get_session),
    # Refused (deferSessionRefresh is off) before any body is read, as better-auth does.
    ("POST", "/get-session"): Route(session.post_get_session, body=False),
    ("POST", "/sign-out"): Route(session.sign_out, after=multi_session.after_sign_out),
    ("GET", "/ok"): Route(session.ok),
    ("GET", "/multi-session/list-device-sessions"): Route(multi_session.list_device_sessions),
    ("POST", "/multi-session/set-active"): Route(multi_session.set_active),
    ("POST", "/multi-session/revoke"): Route(multi_session.revoke),
}

_NOT_FOUND = Response(404)
_INTERNAL = {"message": "Internal Server Error", "code": "INTERNAL_SERVER_ERROR"}

# What a client is told when the database cannot answer, and whether to retry:
# a held lock or a restarting server passes, a full disk does not.
_STORE_ERRORS: tuple[tuple[type[StoreError], ErrorCode, bool], ...] = (
    (StoreBusyError, ErrorCode.DATABASE_BUSY, True),
    (StoreUnavailableError, ErrorCode.DATABASE_UNAVAILABLE, True),
    (StoreReadOnlyError, ErrorCode.DATABASE_READ_ONLY, False),
    (StoreFullError, ErrorCode.DATABASE_FULL, False),
)
RETRY_AFTER_S = 1


def _failed(future: Future[None]) -> bool:
    return future.done() and (future.cancelled() or future.exception() is not None)


def store_failed(error: StoreError, what: str) -> Response:
    """503 with a ``{"message", "code"}`` body; one log line, no traceback (not a bug)."""
    code, passes = next(
        ((code, passes) for kind, code, passes in _STORE_ERRORS if isinstance(error, kind)),
        (ErrorCode.DATABASE_ERROR, False),
    )
    if passes:
        log.warning("%s answered %d: %s", what, code.status, error)
    else:
        log.error("%s answered %d: %s", what, code.status, error)
    headers = [(b"retry-after", str(RETRY_AFTER_S).encode())] if passes else []
    return json_response(code.status, {"message": code.message, "code": code.name}, headers)


class AuthApp:
    """better-auth's email/password and multi-session endpoints as one ASGI app."""

    def __init__(self, config: ServerConfig, store: Store | None = None) -> None:
        self.config = config
        self.store = store if store is not None else open_store(config.database_url)
        self.services = Services(
            config=config,
            store=self.store,
            signer=Signer(config.secret),
            names=config.cookie_names,
            attributes=config.cookie_attributes,
        )
        self.trusted = TrustedOrigins(config.origin, config.trusted_origins)
        self.limiter = rate_limiter(config.rate_limit, self.store)
        # One opening shared by every caller, whichever event loop it runs on
        # (the app's in-process transport and its HTTP server share one app);
        # a failed opening is tried again by the next request.
        self._opening: Future[None] | None = None
        self._opening_lock = threading.Lock()

    async def open(self) -> None:
        """Connect to the database (idempotent; also done lazily on the first request)."""
        with self._opening_lock:
            opening = self._opening
            if opening is None or _failed(opening):
                opening = asyncio.run_coroutine_threadsafe(
                    self.store.open(), asyncio.get_running_loop()
                )
                self._opening = opening
        await asyncio.shield(asyncio.wrap_future(opening))

    async def close(self) -> None:
        with self._opening_lock:
            opening, self._opening = self._opening, None
        if opening is not None:
            try:
                await asyncio.wrap_future(opening)
            except (Exception, asyncio.CancelledError):
                return  # it never opened (its failure was answered or logged then)
            await self.store.close()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        kind = scope["type"]
        if kind == "http":
            response = await self._respond(scope, receive)
            if response.status == 413:
                # The body was refused unread: end the connection rather than read it
                # all to keep the connection alive for another request.
                response.headers.append((b"connection", b"close"))
            await response.send(send)
        elif kind == "lifespan":
            await self._lifespan(receive, send)

    async def _lifespan(self, receive: Receive, send: Send) -> None:
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                try:
                    await self.open()
                except StoreError as error:
                    await send({"type": "lifespan.startup.failed", "message": str(error)})
                    return
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                await self.close()
                await send({"type": "lifespan.shutdown.complete"})
                return

    async def _respond(self, scope: Scope, receive: Receive) -> Response:
        path = route_path(scope)
        root = scope.get("root_path", "")
        if root and path.startswith(root):
            path = path[len(root) :]
        base = self.config.base_path
        if not path.startswith(base + "/"):
            if path in ("/", "") and scope["method"] in ("GET", "HEAD", "POST"):
                return await self._page(scope, receive, path)
            return _NOT_FOUND
        sub = path[len(base) :]
        route = _ROUTES.get((scope["method"], sub))
        if route is None:
            return _NOT_FOUND
        ctx = Context(self.services, Request(scope, receive, sub))
        try:
            await self.open()
            data = await self._run(route, ctx)
        except APIError as error:
            # Cookies set before the error (an expired device cookie) still go out.
            return self._with_cookies(json_response(error.status, error.body(), ctx.headers), ctx)
        except RateLimitedError as limited:
            return json_response(
                429,
                {"message": RATE_LIMIT_MESSAGE},
                [(b"x-retry-after", str(limited.retry_after).encode())],
            )
        except StoreError as error:
            return store_failed(error, f"{scope['method']} {path}")
        except Exception:
            # A bug, not the client's fault: log it, answer without internals.
            log.exception("%s %s failed", scope["method"], path)
            return json_response(500, _INTERNAL)
        return self._with_cookies(json_response(200, data, ctx.headers), ctx)

    async def _page(self, scope: Scope, receive: Receive, path: str) -> Response:
        request = Request(scope, receive, path)
        cookie_header = request.headers.get("cookie", "")
        if len(cookie_header) > self.config.max_cookie_header_bytes:
            error = APIError(ErrorCode.REQUEST_HEADER_FIELDS_TOO_LARGE)
            return json_response(error.status, error.body())
        root = scope.get("root_path", "")
        what = f"{request.method} /"
        try:
            await self.open()
            if request.method == "POST":
                return await sign_in_with_form(
                    self.services, request, self.trusted, self.limiter, root
                )
            return await render_page(self.services, request, root=root)
        except StoreError as error:
            return store_failed(error, what)
        except Exception:
            log.exception("%s failed", what)
            return json_response(500, _INTERNAL)

    @staticmethod
    def _with_cookies(response: Response, ctx: Context) -> Response:
        response.headers.extend(
            (b"set-cookie", line.encode("latin-1", "replace")) for line in ctx.set_cookies.values()
        )
        return response

    async def _run(self, route: Route, ctx: Context) -> Any:
        request = ctx.request
        if (
            self.limiter is not None
            and request.method == "POST"
            and not request.in_process  # the app's own sign-ins: its user's, one at a time
            and self.limiter.applies_to(request.path)
        ):
            await self.limiter.consume(ctx.client_ip(), request.path)
        cookie_header = ctx.cookie_header
        if cookie_header is not None and len(cookie_header) > self.config.max_cookie_header_bytes:
            raise APIError(ErrorCode.REQUEST_HEADER_FIELDS_TOO_LARGE)
        if request.method == "POST" and route.body:
            ctx.body = await self._read_body(request, route)
        if request.method == "POST":
            # GETs are exempt from every origin rule, callback URLs included.
            check_request(request.method, request.headers, self.trusted, route.credential)
            check_callbacks(ctx.body, request.query, self.trusted)
        data = await route.handler(ctx)
        if ctx.new_session is not None:
            await multi_session.after_new_session(ctx)
        if route.after is not None:
            await route.after(ctx)
        return data

    async def _read_body(self, request: Request, route: Route) -> Any:
        try:
            raw = await request.body(self.config.max_body_bytes)
        except BodyTooLargeError:
            raise APIError(ErrorCode.PAYLOAD_TOO_LARGE) from None
        media = request.headers.get("content-type")
        if media is None or not media.strip():
            # As better-auth's Node handler: a body without a Content-Type (or
            # with an empty one) is ignored, and validation says what is missing.
            return MISSING
        media_type = media.split(";", 1)[0].strip().lower()
        allowed = (_FORM, _JSON) if route.forms else (_JSON,)  # better-auth's order
        if media_type not in allowed:
            raise APIError(
                ErrorCode.UNSUPPORTED_MEDIA_TYPE,
                f'Content-Type "{media_type}" is not allowed. Allowed types: {", ".join(allowed)}',
            )
        if not raw.strip():
            return MISSING
        if media_type == _FORM:
            return dict(parse_qsl(raw.decode("utf-8", "replace"), keep_blank_values=True))
        try:
            return json.loads(raw)
        except (ValueError, RecursionError):
            raise APIError(ErrorCode.BAD_REQUEST) from None


_DOT = frozenset({".", "%2e"})
_DOT_DOT = frozenset({"..", ".%2e", "%2e.", "%2e%2e"})


def route_path(scope: Scope) -> str:
    """The request's path as better-auth matches it: as sent (``%2D`` is not ``-``),
    with ``.`` and ``..`` segments resolved (also percent-encoded), as a URL parser does."""
    raw = scope.get("raw_path")
    if not isinstance(raw, bytes):
        return str(scope["path"])
    segments = raw.decode("latin-1").split("/")
    resolved: list[str] = []
    for segment in segments[1:]:
        folded = segment.lower()
        if folded in _DOT_DOT:
            if resolved:
                resolved.pop()
        elif folded not in _DOT:
            resolved.append(segment)
    if segments[-1].lower() in _DOT | _DOT_DOT:
        resolved.append("")  # "/a/.." is "/": a directory, ending in a slash
    return "/" + "/".join(resolved)


def create_app(config: ServerConfig, store: Store | None = None) -> AuthApp:
    """An ASGI app serving better-auth's endpoints under ``config.base_path``."""
    return AuthApp(config, store)
