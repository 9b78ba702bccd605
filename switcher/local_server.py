"""The bundled server in process: an httpx transport straight into its ASGI app.

The CLI and the app talk to ``local`` without a socket. It shares the
database and secret with ``switcher serve``'s defaults, so cookies made one
way are valid the other way. ``LocalServer`` is the tray app's server half
(no Qt in it): the in-process transport and, for browsers, the same app on
127.0.0.1, on ONE store, since one process must hold one SQLite owner per file.
"""

from __future__ import annotations

import asyncio
import logging
import socket
import threading
import time
from collections.abc import Coroutine
from concurrent.futures import Future
from concurrent.futures import TimeoutError as FutureTimeout
from typing import Any, TypeVar
from urllib.parse import urlsplit

import httpx

from switcher.server import AuthApp, ServerConfig
from switcher.server.local import default_database_url, local_secret
from switcher.vault import LOCAL_URL

log = logging.getLogger("switcher.local_server")
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


class LocalServer:
    """The bundled server of this process: in-process, and on 127.0.0.1 for browsers.

    Both faces serve one ``AuthApp``, hence one store: the app opens it once
    (from whichever loop asks first) and ``shutdown`` closes it once.
    """

    def __init__(self, config: ServerConfig | None = None) -> None:
        self.config = config or local_config()
        self.app = AuthApp(self.config)
        self.transport = InProcessTransport(self.app)
        self.http_url: str | None = None
        self.error: str | None = None
        self._http: Any = None  # uvicorn.Server, imported only when serving
        self._http_thread: threading.Thread | None = None

    def serve_http(self, port: int | None = None) -> bool:
        """Serve the app on the base URL's host and port (or ``port``) from a thread.

        False when the port is taken (say ``switcher serve`` runs): the
        in-process transport works without it, on the same database and secret.
        """
        import uvicorn

        from switcher.logs import uvicorn_log_config

        parts = urlsplit(self.config.base_url)
        host = parts.hostname or "127.0.0.1"
        port = (parts.port or 80) if port is None else port
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        try:
            sock.bind((host, port))
        except OSError as error:
            sock.close()
            self.error = f"{host}:{port} is in use ({error.strerror}); serving in-process only"
            log.info("local server not started: %s", self.error)
            return False
        port = sock.getsockname()[1]
        server = uvicorn.Server(
            uvicorn.Config(
                self.app,
                # The store is opened by the first request and closed by
                # shutdown(): the in-process transport outlives this server.
                lifespan="off",
                log_level="warning",
                log_config=uvicorn_log_config(),  # its warnings reach the log file too
                access_log=False,
                loop="asyncio",
            )
        )
        self._http = server
        self._http_thread = threading.Thread(
            target=server.run, kwargs={"sockets": [sock]}, name="local-http", daemon=True
        )
        self._http_thread.start()
        self.http_url = f"http://{host}:{port}"
        log.info("serving the bundled server on %s for browsers", self.http_url)
        return True

    def stop_http(self, timeout: float = 2.0) -> None:
        server, thread = self._http, self._http_thread
        if server is not None:
            server.should_exit = True
            if thread is not None:
                deadline = time.monotonic() + timeout
                thread.join(max(0.0, deadline - time.monotonic()))
        self._http = self._http_thread = None
        self.http_url = None

    def shutdown(self) -> None:
        """Stop serving browsers, then close the store and the in-process loop."""
        self.stop_http()
        self.transport.shutdown()


_servers: dict[ServerConfig, LocalServer] = {}
_servers_lock = threading.Lock()


def local_server() -> LocalServer:
    """This process's one bundled server (the service's transport, the app's HTTP face).

    Made on first use, one per local configuration: a test that points
    ``SWITCHER_DATA_DIR`` elsewhere gets the server of that directory.
    """
    config = local_config()
    with _servers_lock:
        server = _servers.get(config)
        if server is None:
            server = _servers[config] = LocalServer(config)
        return server
