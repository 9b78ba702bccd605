"""switcher's bundled server on a real loopback socket, in a background thread."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import replace
from typing import Any
from urllib.parse import urlsplit

import uvicorn

from switcher.server import AuthApp, ServerConfig
from switcher.server.host_guard import HostGuard, hosts_for
from switcher.server.http_limits import uvicorn_limits


def free_socket() -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    return sock


@contextmanager
def running_switcher(
    config: ServerConfig,
    base_url: str | None = None,
    wrap: Callable[[AuthApp], Any] | None = None,
) -> Iterator[AuthApp]:
    """Serve ``config`` on 127.0.0.1; its base URL is rewritten to the chosen port.

    ``wrap`` puts an ASGI middleware (e.g. a request recorder) around the app.
    """
    sock = free_socket()
    port = sock.getsockname()[1]
    config = replace(config, base_url=base_url or f"http://127.0.0.1:{port}")
    app = AuthApp(config)
    # As `switcher serve` runs it: only its own host names are answered.
    hosts = hosts_for(f"http://127.0.0.1:{port}", [urlsplit(config.base_url).netloc])
    served = HostGuard(wrap(app) if wrap else app, hosts)
    server = uvicorn.Server(
        uvicorn.Config(
            served, lifespan="on", log_level="warning", loop="asyncio", **uvicorn_limits()
        )
    )
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("switcher's server did not start")
        time.sleep(0.01)
    try:
        yield app
    finally:
        server.should_exit = True
        thread.join(10)
        sock.close()
