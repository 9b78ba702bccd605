"""The bundled server in process: requests go straight into its ASGI app, no socket.

The CLI and the app talk to ``local`` this way. It shares the database and
secret with ``switcher serve``'s defaults, so cookies made one way are valid
the other way. ``InProcessExchange`` is the client's exchange (no HTTP
library: a command that switches on the bundled server loads none);
``BundledServer`` is the tray app's server half (no Qt in it): the exchange and,
for browsers, the same app on 127.0.0.1, on ONE store, since one process must
hold one SQLite owner per file. ``InProcessTransport`` (an httpx transport on
the same loop) is for code that speaks httpx.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import select
import socket
import sys
import threading
from collections.abc import Coroutine, MutableMapping
from concurrent.futures import Future
from concurrent.futures import TimeoutError as FutureTimeout
from typing import Any, TypeVar
from urllib.parse import unquote, urlsplit

from switcher.bundled import LOCAL_URL
from switcher.client.errors import ServerTimeoutError
from switcher.client.exchange import Answer
from switcher.server import AuthApp, ServerConfig
from switcher.server.bundled_files import default_database_url, local_secret
from switcher.server.config import RateLimit
from switcher.server.http import IN_PROCESS

log = logging.getLogger("switcher.bundled_server")
T = TypeVar("T")

# The bundled server is an account switcher's own: people keep more accounts
# on it than better-auth's default of 5 per device.
LOCAL_MAX_SESSIONS = 20


def bundled_config() -> ServerConfig:
    # better-auth's sign-in limit for what reaches 127.0.0.1:3000 (any page a
    # browser here loads can post there); the process's own calls are not
    # limited (Request.in_process): their user owns the database file anyway.
    return ServerConfig(
        secret=local_secret(),
        base_url=LOCAL_URL,
        database_url=default_database_url(),
        rate_limit=RateLimit(),
        maximum_sessions=LOCAL_MAX_SESSIONS,
    )


class InProcessExchange:
    """Runs the ASGI app on a private event loop thread; each request is one call into it.

    A request waits at most its timeout, then fails as a socket's would (and
    its task is cancelled: a write already running may still commit, as it
    would over a socket).
    """

    def __init__(self, app: AuthApp) -> None:
        self.app = app
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(
            target=self._loop.run_forever, name="local-server", daemon=True
        )
        self._thread.start()

    def submit(self, coroutine: Coroutine[Any, Any, T], timeout: float | None = None) -> T:
        future: Future[T] = asyncio.run_coroutine_threadsafe(coroutine, self._loop)
        try:
            return future.result(timeout)
        except FutureTimeout:
            future.cancel()  # cancels the request's task on the loop
            raise

    def exchange(
        self,
        method: str,
        url: str,
        headers: dict[str, str],
        body: bytes | None,
        timeout: float,
    ) -> Answer:
        try:
            return self.submit(self.call(method, url, list(headers.items()), body), timeout)
        except FutureTimeout:
            origin = "{0.scheme}://{0.netloc}".format(urlsplit(url))
            raise ServerTimeoutError(f"{origin} did not answer within {timeout:g} s") from None

    async def call(
        self, method: str, url: str, headers: list[tuple[str, str]], body: bytes | None
    ) -> Answer:
        """One request through the app, as an ASGI server would make it."""
        parts = urlsplit(url)
        host = parts.hostname or "127.0.0.1"
        port = parts.port or (443 if parts.scheme == "https" else 80)
        raw = [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in headers]
        if not any(name == b"host" for name, _ in raw):
            raw.insert(0, (b"host", parts.netloc.encode("latin-1")))
        if body is not None:
            raw.append((b"content-length", str(len(body)).encode()))
        scope = {
            "type": "http",
            "asgi": {"version": "3.0"},
            "http_version": "1.1",
            "method": method,
            "scheme": parts.scheme,
            "path": unquote(parts.path),
            "raw_path": parts.path.encode("latin-1"),
            "query_string": parts.query.encode("latin-1"),
            "root_path": "",
            "headers": raw,
            "client": ("127.0.0.1", 0),
            "server": (host, port),
            "extensions": {IN_PROCESS: {}},
        }
        sent = False
        status = 500
        answer_headers: list[tuple[str, str]] = []
        chunks: list[bytes] = []

        async def receive() -> dict[str, Any]:
            nonlocal sent
            if not sent:
                sent = True
                return {"type": "http.request", "body": body or b"", "more_body": False}
            await asyncio.Event().wait()  # the client never disconnects before the answer
            return {"type": "http.disconnect"}

        async def send(message: MutableMapping[str, Any]) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
                answer_headers.extend(
                    (k.decode("latin-1").lower(), v.decode("latin-1"))
                    for k, v in message.get("headers", [])
                )
            elif message["type"] == "http.response.body":
                chunks.append(bytes(message.get("body", b"")))

        await self.app(scope, receive, send)
        return Answer(status, tuple(answer_headers), b"".join(chunks))

    def close(self) -> None:
        """Called by every client that used it; the exchange outlives them."""

    def shutdown(self) -> None:
        """Close the app's database and stop the loop (at process exit, or in tests)."""
        if self._loop.is_running():
            self.submit(self.app.close())
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(5)
        if not self._loop.is_closed() and not self._loop.is_running():
            self._loop.close()


class BundledServer:
    """The bundled server of this process: in-process, and on 127.0.0.1 for browsers.

    Both faces serve one ``AuthApp``, hence one store: the app opens it once
    (from whichever loop asks first) and ``shutdown`` closes it once.
    """

    def __init__(self, config: ServerConfig | None = None) -> None:
        self.config = config or bundled_config()
        self.app = AuthApp(self.config)
        self.exchange = InProcessExchange(self.app)
        self.http_url: str | None = None
        self.error: str | None = None
        self._http: Any = None  # uvicorn.Server, imported only when a browser connects
        self._http_thread: threading.Thread | None = None
        self._http_waker: socket.socket | None = None  # wakes the thread waiting to serve
        self._http_lock = threading.Lock()
        self._stopping = False

    def serve_http(self, port: int | None = None) -> bool:
        """Serve the app on the base URL's host and port (or ``port``) from a thread.

        False when the port is taken (say ``switcher serve`` runs): the
        in-process transport works without it, on the same database and secret.

        The port is taken and listened on now; the HTTP server (uvicorn, its
        loop, its parser: ~6 MB of the tray app's memory) is started only when
        the first browser connects, and that connection waits in the backlog
        meanwhile. Most of the time nobody does.
        """
        parts = urlsplit(self.config.base_url)
        host = parts.hostname or "127.0.0.1"
        port = (parts.port or 80) if port is None else port
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        if sys.platform != "win32":
            # As every server does: the connections of a stopped one, waiting
            # out TIME_WAIT, must not keep the port from serving again (the
            # app restarted, or a command after it). On Windows the option
            # would let another program take a port in use instead.
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError as error:
            sock.close()
            self.error = f"{host}:{port} is in use ({error.strerror}); serving in-process only"
            log.info("local server not started: %s", self.error)
            return False
        port = sock.getsockname()[1]
        # Listening before this returns: a browser opened right away (accounts
        # add --browser) waits in the backlog instead of being refused while
        # the server's thread starts.
        sock.listen(128)
        waker, self._http_waker = socket.socketpair()
        self._stopping = False
        self._http_thread = threading.Thread(
            target=self._serve_when_asked, args=(sock, waker), name="local-http", daemon=True
        )
        self._http_thread.start()
        self.http_url = f"http://{host}:{port}"
        log.info("serving the bundled server on %s for browsers", self.http_url)
        return True

    def _serve_when_asked(self, sock: socket.socket, waker: socket.socket) -> None:
        with waker:
            try:
                readable, _, _ = select.select([sock, waker], [], [])
            except (OSError, ValueError):  # closed under it: stopping
                readable = [waker]
            if waker in readable:
                sock.close()
                return
        import uvicorn

        from switcher.logs import uvicorn_log_config
        from switcher.server.host_guard import HostGuard, hosts_for
        from switcher.server.http_limits import uvicorn_limits

        # Browsers may name it 127.0.0.1, localhost or [::1]; a rebound name is refused.
        port = sock.getsockname()[1]
        guarded = HostGuard(self.app, hosts_for(f"http://127.0.0.1:{port}"))
        server = uvicorn.Server(
            uvicorn.Config(
                guarded,
                # The store is opened by the first request and closed by
                # shutdown(): the in-process transport outlives this server.
                lifespan="off",
                log_level="warning",
                log_config=uvicorn_log_config(),  # its warnings reach the log file too
                access_log=False,
                loop="asyncio",
                **uvicorn_limits(),
            )
        )
        with self._http_lock:
            if self._stopping:
                sock.close()
                return
            self._http = server
        log.info("a browser connected: the HTTP server starts")
        server.run(sockets=[sock])

    def stop_http(self, timeout: float = 2.0) -> None:
        with self._http_lock:
            self._stopping = True
            server, thread, waker = self._http, self._http_thread, self._http_waker
        if waker is not None:
            with contextlib.suppress(OSError):
                waker.send(b"x")
            waker.close()
        if server is not None:
            server.should_exit = True
        if thread is not None:
            thread.join(max(0.0, timeout))
        self._http = self._http_thread = self._http_waker = None
        self.http_url = None

    def shutdown(self) -> None:
        """Stop serving browsers, then close the store and the in-process loop."""
        self.stop_http()
        self.exchange.shutdown()


_servers: dict[ServerConfig, BundledServer] = {}
_servers_lock = threading.Lock()


def bundled_server() -> BundledServer:
    """This process's one bundled server (the service's transport, the app's HTTP face).

    Made on first use, one per local configuration: a test that points
    ``SWITCHER_DATA_DIR`` elsewhere gets the server of that directory.
    """
    config = bundled_config()
    with _servers_lock:
        server = _servers.get(config)
        if server is None:
            server = _servers[config] = BundledServer(config)
        return server
