"""The bundled server reached in-process: an httpx transport straight into its ASGI app.

The CLI and the app talk to ``local`` without a socket. It shares the
database and secret with ``switcher serve``'s defaults, so cookies made one
way are valid the other way.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Coroutine
from concurrent.futures import Future
from concurrent.futures import TimeoutError as FutureTimeout
from typing import Any, TypeVar

import httpx

from switcher.server import AuthApp, ServerConfig
from switcher.server.local import default_database_url, local_secret
from switcher.vault import LOCAL_URL

T = TypeVar("T")

# The bundled server is an account switcher's own: people keep more accounts
# on it than better-auth's default of 5 per device.
LOCAL_MAX_SESSIONS = 20


def local_config() -> ServerConfig:
    # No rate limit in-process: the only client is this process, whose user
    # owns the database file anyway. `switcher serve` keeps its limit.
    return ServerConfig(
        secret=local_secret(),
        base_url=LOCAL_URL,
        database_url=default_database_url(),
        rate_limit=None,
        maximum_sessions=LOCAL_MAX_SESSIONS,
    )


class InProcessTransport(httpx.BaseTransport):
    """Runs the ASGI app on a private event loop thread; requests are submitted to it.

    A request waits at most its read timeout (httpx's per-request
    ``extensions["timeout"]["read"]``; None waits as long as it takes), then
    raises ``httpx.ReadTimeout`` as a socket would, and the request is cancelled.
    """

    def __init__(self, app: AuthApp) -> None:
        self.app = app
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(
            target=self._loop.run_forever, name="local-server", daemon=True
        )
        self._thread.start()
        self._asgi = httpx.ASGITransport(app=app, client=("127.0.0.1", 0))

    def _submit(self, coroutine: Coroutine[Any, Any, T], timeout: float | None = None) -> T:
        future: Future[T] = asyncio.run_coroutine_threadsafe(coroutine, self._loop)
        try:
            return future.result(timeout)
        except FutureTimeout:
            future.cancel()  # cancels the request's task on the loop
            raise

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        body = request.read()
        timeout = request.extensions.get("timeout", {}).get("read")

        async def call() -> tuple[int, list[tuple[bytes, bytes]], bytes]:
            forwarded = httpx.Request(
                request.method, request.url, headers=request.headers, content=body
            )
            response = await self._asgi.handle_async_request(forwarded)
            content = await response.aread()
            return response.status_code, response.headers.raw, content

        try:
            status, headers, content = self._submit(call(), timeout)
        except FutureTimeout:
            raise httpx.ReadTimeout(
                f"the bundled server did not answer within {timeout} s", request=request
            ) from None
        return httpx.Response(status, headers=headers, content=content, request=request)

    def close(self) -> None:
        """Called by every httpx client that used it; the transport outlives them."""

    def shutdown(self) -> None:
        """Close the app's database and stop the loop (at process exit, or in tests)."""
        if self._loop.is_running():
            self._submit(self.app.close())
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(5)
        if not self._loop.is_closed() and not self._loop.is_running():
            self._loop.close()
