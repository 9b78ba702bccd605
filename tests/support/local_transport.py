"""The bundled server in process as an httpx transport, for tests that speak httpx.

switcher's client uses ``InProcessExchange`` directly; this adapter lets a
test drive the same server with a plain ``httpx.Client``. It honours each
request's read timeout (httpx's per-request ``extensions["timeout"]``),
raising ``httpx.ReadTimeout`` as a socket would.
"""

from __future__ import annotations

from concurrent.futures import TimeoutError as FutureTimeout
from pathlib import Path

import httpx

from switcher.bundled import LOCAL_URL
from switcher.bundled_server import InProcessExchange
from switcher.server import AuthApp, ServerConfig
from tests.support.targets import PASSWORD, SECRET


class InProcessTransport(httpx.BaseTransport):
    def __init__(self, target: AuthApp | InProcessExchange) -> None:
        self._exchange = (
            target if isinstance(target, InProcessExchange) else InProcessExchange(target)
        )
        self.app = self._exchange.app

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        body = request.read()
        timeout = request.extensions.get("timeout", {}).get("read")
        headers = [(k.decode("latin-1"), v.decode("latin-1")) for k, v in request.headers.raw]
        try:
            answer = self._exchange.submit(
                self._exchange.call(request.method, str(request.url), headers, body or None),
                timeout,
            )
        except FutureTimeout:
            raise httpx.ReadTimeout(
                f"the bundled server did not answer within {timeout} s", request=request
            ) from None
        return httpx.Response(
            answer.status, headers=list(answer.headers), content=answer.body, request=request
        )

    def close(self) -> None:
        """Called by every httpx client that used it; the transport outlives them."""

    def shutdown(self) -> None:
        """Close the app's database and stop its loop (at process exit, or in tests)."""
        self._exchange.shutdown()


def bundled_config(directory: Path) -> ServerConfig:
    """The bundled server's settings on ``directory/auth.db``, without rate limits."""
    return ServerConfig(
        secret=SECRET,
        base_url=LOCAL_URL,
        database_url=f"sqlite:///{directory / 'auth.db'}",
        rate_limit=None,
    )


def sign_up(client: httpx.Client, email: str) -> httpx.Response:
    """``POST /sign-up/email`` on the bundled server, from its own origin."""
    return client.post(
        "/api/auth/sign-up/email",
        json={"name": "L", "email": email, "password": PASSWORD},
        headers={"origin": LOCAL_URL},
    )
