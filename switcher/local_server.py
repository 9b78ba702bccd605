"""The bundled server reached in-process: an httpx transport straight into its ASGI app.

The CLI and the app talk to ``local`` without a socket. It shares the
database and secret with ``switcher serve``'s defaults, so cookies made one
way are valid the other way.
"""

from __future__ import annotations

import asyncio
import threading
from concurrent.futures import Future
from typing import Any

import httpx

from switcher.server import AuthApp, ServerConfig
from switcher.server.local import default_database_url, local_secret
from switcher.vault import LOCAL_URL

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
    """Runs the ASGI app on a private event loop thread; requests are submitted to it."""

    def __init__(self, app: AuthApp) -> None:
        self.app = app
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(
            target=self._loop.run_forever, name="local-server", daemon=True
        )
        self._thread.start()
        self._asgi = httpx.ASGITransport(app=app, client=("127.0.0.1", 0))

    def _submit(self, coroutine: Any) -> Any:
        future: Future[Any] = asyncio.run_coroutine_threadsafe(coroutine, self._loop)
        return future.result()

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        body = request.read()

        async def call() -> tuple[int, list[tuple[bytes, bytes]], bytes]:
            forwarded = httpx.Request(
                request.method, request.url, headers=request.headers, content=body
            )
            response = await self._asgi.handle_async_request(forwarded)
            content = await response.aread()
            return response.status_code, response.headers.raw, content

        status, headers, content = self._submit(call())
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
