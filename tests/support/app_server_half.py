"""The tray app's server half in a process of its own, without Qt.

``python -m tests.support.app_server_half`` runs what the tray app runs for
the bundled server, ``switcher.bundled_server.bundled_server()``: the in-process
transport and, for browsers, the HTTP server (here on a free port), on one
store and the default local configuration (``SWITCHER_DATA_DIR``). It prints
one JSON line ``{"port": N}``, then answers one JSON line per command read
from stdin: ``{"op": "sign-up"|"sign-in", "email": E, "via": "in-process"|"http"}``
gets ``{"status": S, "email": E or null}``.

``AppServerHalf`` starts it in its own process group, talks to it, looks at
its open files and stops it with SIGTERM or SIGKILL.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
from types import TracebackType
from typing import Any

import httpx

from tests.support.local_transport import InProcessTransport
from tests.support.processes import open_files, terminate_group
from tests.support.repo import REPO
from tests.support.targets import PASSWORD

START_TIMEOUT = 20.0


class AppServerHalf:
    def __init__(self, env: dict[str, str]) -> None:
        self.env = env
        self.process: subprocess.Popen[str] | None = None
        self.port = 0

    def __enter__(self) -> AppServerHalf:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "tests.support.app_server_half"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=self.env,
            cwd=REPO,
            start_new_session=True,
        )
        line = self._line()
        self.port = int(json.loads(line)["port"])
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self.process is None:
            return
        if self.process.poll() is None:
            terminate_group(self.process)
        for pipe in (self.process.stdin, self.process.stdout, self.process.stderr):
            if pipe is not None:
                with contextlib.suppress(OSError):  # a killed child's stdin
                    pipe.close()

    def _line(self) -> str:
        assert self.process is not None and self.process.stdout is not None
        line = self.process.stdout.readline()
        if not line:
            self.process.wait(START_TIMEOUT)
            raise AssertionError(
                f"the app's server half exited ({self.process.returncode}):\n"
                f"{self.process.stderr.read() if self.process.stderr else ''}"
            )
        return line

    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid

    def ask(self, op: str, email: str, via: str) -> int:
        """The status the server half answered ``op`` for ``email`` with, ``via`` one face."""
        assert self.process is not None and self.process.stdin is not None
        self.process.stdin.write(json.dumps({"op": op, "email": email, "via": via}) + "\n")
        self.process.stdin.flush()
        answer = json.loads(self._line())
        if answer["status"] == 200:
            assert answer["email"] == email
        return int(answer["status"])

    def database_files(self) -> list[str]:
        """What its descriptors of the database point at (``… (deleted)`` for a lost WAL)."""
        return open_files(self.pid, "auth.db")

    def stop(self, sig: signal.Signals) -> None:
        """Send ``sig`` and wait for the process to end (SIGTERM: no clean-up runs)."""
        assert self.process is not None
        os.killpg(self.pid, sig)
        self.process.wait(10)


def _serve() -> int:
    from switcher.bundled_server import bundled_server

    server = bundled_server()
    if not server.serve_http(port=0) or server.http_url is None:
        print(f"cannot serve: {server.error}", file=sys.stderr)
        return 1
    clients = {
        "in-process": httpx.Client(
            transport=InProcessTransport(server.exchange),
            base_url=server.config.base_url,
            timeout=30,
        ),
        "http": httpx.Client(base_url=server.http_url, timeout=30),
    }
    # What a browser on the bundled server's page sends.
    headers = {"origin": server.config.origin}
    print(json.dumps({"port": int(server.http_url.rsplit(":", 1)[1])}), flush=True)
    for line in sys.stdin:
        command = json.loads(line)
        body: dict[str, Any] = {"email": command["email"], "password": PASSWORD}
        if command["op"] == "sign-up":
            body["name"] = "App"
        response = clients[command["via"]].post(
            f"/api/auth/{command['op']}/email", json=body, headers=headers
        )
        email = response.json()["user"]["email"] if response.status_code == 200 else None
        print(json.dumps({"status": response.status_code, "email": email}), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(_serve())
