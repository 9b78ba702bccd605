"""The bundled server on 127.0.0.1, served from a background thread of the app.

Browsers reach it there; the app itself talks to it in-process. If the port
is taken (say ``switcher serve`` already runs), the app carries on without:
the same database and secret mean the cookies are valid either way.
"""

from __future__ import annotations

import logging
import socket
import threading
import time
from urllib.parse import urlsplit

from switcher.logs import uvicorn_log_config

log = logging.getLogger("switcher.gui")


class LocalHTTPServer:
    def __init__(self) -> None:
        self._server: object | None = None
        self._thread: threading.Thread | None = None
        self.error: str | None = None

    def start(self) -> bool:
        import uvicorn

        from switcher.local_server import local_config
        from switcher.server import AuthApp

        config = local_config()
        parts = urlsplit(config.base_url)
        host, port = parts.hostname or "127.0.0.1", parts.port or 80
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        try:
            sock.bind((host, port))
        except OSError as error:
            sock.close()
            self.error = f"{host}:{port} is in use ({error.strerror}); serving in-process only"
            log.info("local server not started: %s", self.error)
            return False
        server = uvicorn.Server(
            uvicorn.Config(
                AuthApp(config),
                lifespan="on",
                log_level="warning",
                log_config=uvicorn_log_config(),  # its warnings reach the log file too
                access_log=False,
                loop="asyncio",
            )
        )
        self._server = server
        self._thread = threading.Thread(
            target=server.run, kwargs={"sockets": [sock]}, name="local-http", daemon=True
        )
        self._thread.start()
        log.info("serving the bundled server on %s for browsers", config.base_url)
        return True

    def stop(self, timeout: float = 2.0) -> None:
        server = self._server
        if server is not None:
            server.should_exit = True  # type: ignore[attr-defined]
            if self._thread is not None:
                deadline = time.monotonic() + timeout
                self._thread.join(max(0.0, deadline - time.monotonic()))
