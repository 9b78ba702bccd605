"""Answer only for this server's own host names: no DNS rebinding.

A page on evil.example can make its own name resolve to 127.0.0.1 a moment
after loading; its scripts then reach the app's server on 127.0.0.1:3000
"same-origin", and read ``GET /`` (who is signed in on this computer). The
browser still sends ``Host: evil.example:3000``: a request for a host this
server is not is answered 421 Misdirected Request, as a reverse proxy
answers a name it does not serve, and never reaches the app.

The guard sits on the network faces (``switcher serve``, the app's server
for browsers); the app's own in-process calls do not pass it.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any
from urllib.parse import urlsplit

from switcher.protocol.hosts import DEFAULT_PORTS, is_loopback

_LOOPBACK_NAMES = ("127.0.0.1", "localhost", "[::1]")

_BODY = json.dumps(
    {"message": "This server does not answer for that host name", "code": "MISDIRECTED_REQUEST"}
).encode()


def _normal(host: str, scheme: str) -> str:
    """``host[:port]`` lower-cased, without the scheme's default port."""
    host = host.strip().lower().rstrip(".")
    name, colon, port = host.rpartition(":")
    if colon and "]" not in port and port.isdigit() and int(port) == DEFAULT_PORTS.get(scheme):
        return name
    return host


def loopback_hosts(port: int) -> frozenset[str]:
    """127.0.0.1, localhost and [::1] on ``port``: always this machine's own names for a
    server, which no rebound name can make a browser send."""
    return frozenset(f"{name}:{port}" for name in _LOOPBACK_NAMES)


def hosts_for(base_url: str, extra: Iterable[str] = ()) -> frozenset[str]:
    """The ``Host`` values a server at ``base_url`` answers: its own, every loopback
    name for a loopback one (127.0.0.1, localhost, [::1] on the same port), and ``extra``."""
    parts = urlsplit(base_url)
    scheme = parts.scheme or "http"
    allowed = {_normal(parts.netloc, scheme)}
    if parts.hostname is not None and is_loopback(parts.hostname):
        port = f":{parts.port}" if parts.port is not None else ""
        allowed.update(_normal(f"{name}{port}", scheme) for name in _LOOPBACK_NAMES)
    for item in extra:
        # Given with or without its port; for either scheme the default port may go.
        allowed.add(_normal(item, "http"))
        allowed.add(_normal(item, "https"))
    return frozenset(allowed)


class HostGuard:
    """An ASGI app in front of ``app`` answering 421 to requests for other hosts."""

    def __init__(self, app: Any, hosts: frozenset[str]) -> None:
        self.app = app
        self.hosts = hosts

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] == "http" and not self._allowed(scope):
            await send(
                {
                    "type": "http.response.start",
                    "status": 421,
                    "headers": [
                        (b"content-type", b"application/json"),
                        (b"content-length", str(len(_BODY)).encode()),
                    ],
                }
            )
            await send({"type": "http.response.body", "body": _BODY})
            return
        await self.app(scope, receive, send)

    def _allowed(self, scope: dict[str, Any]) -> bool:
        hosts = [value for name, value in scope["headers"] if name == b"host"]
        if len(hosts) != 1:
            return False  # none (HTTP/1.0) or several: which one was meant?
        host = _normal(hosts[0].decode("latin-1"), scope.get("scheme", "http"))
        return host in self.hosts
