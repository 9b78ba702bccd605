"""The smallest HTTP layer the endpoints need, straight on ASGI.

No framework: on the read endpoints a framework's routing and request objects
cost more than the endpoint's own work (see bench/server.py).
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any
from urllib.parse import parse_qsl

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]


class BodyTooLargeError(Exception):
    """The request body is over the configured limit."""


IN_PROCESS = "switcher.in_process"  # the ASGI scope extension that says so


class Request:
    __slots__ = (
        "_query",
        "_receive",
        "client_host",
        "headers",
        "in_process",
        "method",
        "path",
        "query_string",
    )

    def __init__(self, scope: Scope, receive: Receive, path: str) -> None:
        self.method: str = scope["method"]
        self.path = path
        self.query_string: bytes = scope.get("query_string", b"")
        repeated: dict[str, list[str]] = {}
        for raw_name, raw_value in scope["headers"]:
            name = raw_name.decode("latin-1").lower()
            repeated.setdefault(name, []).append(raw_value.decode("latin-1"))
        # Repeated headers fold into one, joined once (adding each in turn was
        # quadratic in their number); cookies with "; " as HTTP/2 does.
        self.headers = {
            name: ("; " if name == "cookie" else ", ").join(values)
            for name, values in repeated.items()
        }
        client = scope.get("client")
        self.client_host: str = client[0] if client else ""
        # Made by this very process (the app's or a command's own call), not
        # a client on the network: see bundled_server.InProcessExchange.
        self.in_process: bool = IN_PROCESS in scope.get("extensions", {})
        self._receive = receive
        self._query: dict[str, str] | None = None

    @property
    def query(self) -> dict[str, str]:
        if self._query is None:
            self._query = dict(parse_qsl(self.query_string.decode("latin-1")))
        return self._query

    async def body(self, limit: int) -> bytes:
        """The whole body, refusing (before reading it) anything over ``limit`` bytes."""
        declared = self.headers.get("content-length")
        if declared is not None and declared.isdigit() and int(declared) > limit:
            raise BodyTooLargeError
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await self._receive()
            if message["type"] == "http.disconnect":
                break
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > limit:
                raise BodyTooLargeError
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        return b"".join(chunks)


class Response:
    __slots__ = ("body", "headers", "status")

    def __init__(
        self, status: int, body: bytes = b"", headers: list[tuple[bytes, bytes]] | None = None
    ) -> None:
        self.status = status
        self.body = body
        self.headers = headers if headers is not None else []

    async def send(self, send: Send) -> None:
        headers = [*self.headers, (b"content-length", str(len(self.body)).encode())]
        await send({"type": "http.response.start", "status": self.status, "headers": headers})
        await send({"type": "http.response.body", "body": self.body})


_JSON_TYPE = (b"content-type", b"application/json")


def dump_json(value: Any) -> bytes:
    """JSON as JavaScript's JSON.stringify writes it (compact, non-ASCII kept)."""
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode()


def json_response(
    status: int, value: Any, headers: list[tuple[bytes, bytes]] | None = None
) -> Response:
    out = [_JSON_TYPE]
    if headers:
        out.extend(headers)
    return Response(status, dump_json(value), out)


def html_response(
    status: int, text: str, policy: bytes, headers: list[tuple[bytes, bytes]] | None = None
) -> Response:
    """A page that is never cached or framed, under the content security ``policy``."""
    return Response(
        status,
        text.encode(),
        [
            (b"content-type", b"text/html; charset=utf-8"),
            (b"cache-control", b"no-store"),
            (b"x-frame-options", b"DENY"),
            (b"content-security-policy", policy),
            *(headers or []),
        ],
    )
