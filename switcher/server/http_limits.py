"""What one HTTP client may cost the server, set in one place for `switcher serve` and the app.

Node's HTTP server (which better-auth runs on) has these limits built in;
uvicorn has none of the first two. Each number and its reason:

* ``HEADER_BYTES`` = 16 KiB for the request line and headers together, as
  Node's ``--max-http-header-size``; more is 431 at once, before the rest is
  read. 200,000 header lines of ``X-A: v`` otherwise held every request up.
* ``HEADERS_TIMEOUT`` = 10 s to send them. A client that trickles its
  headers holds a connection (and a file descriptor) for nothing: 1,100 such
  connections made the server unreachable under a 1,024-descriptor limit.
  Node allows 60 s; a real client sends its headers in one packet.
* ``BODY_TIMEOUT`` = 10 s for the body once the headers are in: a body is at
  most 64 KiB (413 beyond, and that connection is closed, not read on), and
  512 stalled uploads would otherwise hold every connection. Node's own
  request timeout is 300 s.
* ``KEEP_ALIVE_TIMEOUT`` = 5 s idle between requests, as Node's default.
* ``MAX_CONNECTIONS`` = 512 at once per process: beyond, uvicorn answers 503
  rather than running out of descriptors (the common limit is 1,024).

The request body's limit (64 KiB, 413) is the app's own (``ServerConfig``).
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

import httptools
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from switcher.protocol.errors import ErrorCode

HEADER_BYTES = 16 * 1024
HEADERS_TIMEOUT = 10.0
BODY_TIMEOUT = 10.0
KEEP_ALIVE_TIMEOUT = 5.0
MAX_CONNECTIONS = 512


def _answer(status: str, body: dict[str, str] | None) -> bytes:
    content = json.dumps(body).encode() if body is not None else b""
    head = [f"HTTP/1.1 {status}", "connection: close", f"content-length: {len(content)}"]
    if body is not None:
        head.append("content-type: application/json")
    return ("\r\n".join(head) + "\r\n\r\n").encode("ascii") + content


_TOO_LARGE = _answer(
    "431 Request Header Fields Too Large",
    {
        "message": ErrorCode.REQUEST_HEADER_FIELDS_TOO_LARGE.message,
        "code": ErrorCode.REQUEST_HEADER_FIELDS_TOO_LARGE.name,
    },
)
_TOO_SLOW = _answer("408 Request Timeout", None)


class _Refused(Exception):
    """Raised inside the parser's callback: this request is answered and the connection ends."""


class LimitedHttpToolsProtocol(HttpToolsProtocol):
    """uvicorn's httptools protocol, with Node's header limits and deadlines for the
    headers and the body."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._header_bytes = 0
        self._refused = False
        # For the headers, then (once they are in) for the body; none between requests.
        self._deadline: asyncio.TimerHandle | None = None

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._arm_headers_deadline()

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm_deadline()
        super().connection_lost(exc)

    def data_received(self, data: bytes) -> None:
        if self._refused:
            return  # answered already; the rest of what it sends is not read
        if self._deadline is None and self._between_requests():
            # The first bytes of the next request on a kept-alive connection.
            self._arm_headers_deadline()
        self._unset_keepalive_if_required()
        try:
            self.parser.feed_data(data)
        except httptools.HttpParserError:
            if self._answered():  # refused by a parser callback: answered already
                return
            self.logger.warning("Invalid HTTP request received.")
            self.send_400_response("Invalid HTTP request received.")
        except httptools.HttpParserUpgrade:
            if self._should_upgrade():
                self.handle_websocket_upgrade()
            else:
                self._unsupported_upgrade_warning()

    def on_message_begin(self) -> None:
        super().on_message_begin()
        self._header_bytes = 0
        if self._deadline is None:
            self._arm_headers_deadline()

    def on_url(self, url: bytes) -> None:
        self._count(len(url) + 16)  # the method and version around it, roughly
        super().on_url(url)

    def on_header(self, name: bytes, value: bytes) -> None:
        self._count(len(name) + len(value) + 4)  # ": " and the line's CRLF
        super().on_header(name, value)

    def on_headers_complete(self) -> None:
        self._disarm_deadline()
        super().on_headers_complete()
        # Now the body's own deadline, until the whole message is in.
        self._deadline = self.loop.call_later(BODY_TIMEOUT, self._body_too_slow)

    def on_message_complete(self) -> None:
        self._disarm_deadline()
        super().on_message_complete()

    def _body_too_slow(self) -> None:
        self._deadline = None
        cycle: Any = self.cycle
        if cycle is None or cycle.response_started:
            # Answered already (a 413 before the body): only the connection ends.
            if not self.transport.is_closing():
                self.transport.close()
            return
        self._refuse(_TOO_SLOW)

    def _count(self, size: int) -> None:
        self._header_bytes += size
        if self._header_bytes > HEADER_BYTES:
            self._refuse(_TOO_LARGE)
            raise _Refused

    def _refuse(self, answer: bytes) -> None:
        self._refused = True
        self._disarm_deadline()
        if not self.transport.is_closing():
            self.transport.write(answer)
            self.transport.close()

    def _arm_headers_deadline(self) -> None:
        self._disarm_deadline()
        self._deadline = self.loop.call_later(HEADERS_TIMEOUT, self._headers_too_slow)

    def _disarm_deadline(self) -> None:
        if self._deadline is not None:
            self._deadline.cancel()
            self._deadline = None

    def _answered(self) -> bool:
        return self._refused

    def _between_requests(self) -> bool:
        """No request whose headers are complete is being answered."""
        cycle: Any = self.cycle  # None before the first request's headers are complete
        return cycle is None or bool(cycle.response_complete)

    def _headers_too_slow(self) -> None:
        self._deadline = None
        if self._between_requests():
            # Nothing of a request, or only part of its headers, in HEADERS_TIMEOUT.
            self._refuse(_TOO_SLOW)


def uvicorn_limits(trusted_proxies: tuple[str, ...] = ()) -> dict[str, Any]:
    """The ``uvicorn.Config`` settings every switcher HTTP server uses.

    ``X-Forwarded-For`` (the client's address, which the rate limiter and
    the session list see) is believed only from ``trusted_proxies``. uvicorn
    would believe it from 127.0.0.1 by default: any local program, and every
    page a browser on this computer loads, could then pick its own address
    and never be rate-limited.
    """
    proxies: dict[str, Any] = (
        {"proxy_headers": True, "forwarded_allow_ips": ",".join(trusted_proxies)}
        if trusted_proxies
        else {"proxy_headers": False}
    )
    return {
        "http": LimitedHttpToolsProtocol,
        "timeout_keep_alive": KEEP_ALIVE_TIMEOUT,
        "limit_concurrency": MAX_CONNECTIONS,
        **proxies,
    }
