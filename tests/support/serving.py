"""``switcher serve`` as a real subprocess, for tests that need the actual command.

``serving()`` starts it (``python -m switcher serve`` by default, or any other
command, such as a frozen bundle) on a free port in its own process group,
with a private data directory and a scrubbed environment, waits until it
answers, and always stops and reaps it.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from tests.support.browser import Browser
from tests.support.repo import REPO

START_TIMEOUT = 20.0  # seconds for the server to answer GET /api/auth/ok
STOP_TIMEOUT = 8.0  # seconds for SIGTERM to end the whole process group
# Settings the child must not inherit from whoever runs the tests.
SCRUBBED = ("BETTER_AUTH_SECRET", "BETTER_AUTH_URL", "AUTH_SECRET", "SWITCHER_SERVE_CONFIG")


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@dataclass
class Served:
    process: subprocess.Popen[bytes]
    port: int
    data_dir: Path
    log: Path
    browsers: list[Browser] = field(default_factory=list)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def url(self, path: str) -> str:
        return self.base_url + path

    def output(self) -> str:
        """Everything the process wrote to stdout and stderr so far."""
        return self.log.read_text(errors="replace")

    def browser(self) -> Browser:
        browser = Browser(self.base_url)
        self.browsers.append(browser)
        return browser


def _stop(process: subprocess.Popen[bytes]) -> None:
    """SIGTERM the process group, then SIGKILL whatever is left; always reap the leader."""
    group = process.pid  # start_new_session=True: the leader's pid is the group id
    for sig, wait in ((signal.SIGTERM, STOP_TIMEOUT), (signal.SIGKILL, STOP_TIMEOUT)):
        if process.poll() is None:
            with suppress(ProcessLookupError):
                os.killpg(group, sig)
            with suppress(subprocess.TimeoutExpired):
                process.wait(wait)
    # Workers the leader failed to take down with it would still be in its group.
    with suppress(ProcessLookupError):
        os.killpg(group, signal.SIGKILL)
    process.wait(STOP_TIMEOUT)


def _wait_ready(served: Served) -> bool:
    """True once GET /api/auth/ok answers; False if the process exited first."""
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if served.process.poll() is not None:
            return False
        try:
            if httpx.get(served.url("/api/auth/ok"), timeout=2).status_code == 200:
                return True
        except httpx.TransportError:
            pass
        time.sleep(0.05)
    raise AssertionError(f"switcher serve did not start in {START_TIMEOUT}s:\n{served.output()}")


@contextmanager
def serving(
    data_dir: Path,
    *args: str,
    env: dict[str, str] | None = None,
    command: Sequence[str] = (sys.executable, "-m", "switcher"),
) -> Iterator[Served]:
    """Run ``<command> serve --port <free> *args`` until the block ends."""
    child_env = {k: v for k, v in os.environ.items() if k not in SCRUBBED}
    child_env["SWITCHER_DATA_DIR"] = str(data_dir)
    child_env.update(env or {})
    logs = data_dir.parent / "logs"
    logs.mkdir(exist_ok=True)
    for _attempt in range(3):  # a free port can be taken between the probe and the bind
        port = free_port()
        log = logs / f"serve-{port}-{uuid.uuid4().hex[:6]}.log"
        with log.open("wb") as sink:
            process = subprocess.Popen(
                [*command, "serve", "--port", str(port), *args],
                stdin=subprocess.DEVNULL,
                stdout=sink,
                stderr=subprocess.STDOUT,
                env=child_env,
                cwd=REPO,
                start_new_session=True,
            )
        served = Served(process, port, data_dir, log)
        try:
            if _wait_ready(served):
                try:
                    yield served
                finally:
                    for browser in served.browsers:
                        browser.close()
                return
        finally:
            _stop(process)
        if "address already in use" not in served.output().lower():
            break
    raise AssertionError(f"switcher serve exited with {process.returncode}:\n{served.output()}")
