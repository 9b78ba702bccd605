"""The bundled server in process gives up at its read timeout while another process writes."""

from __future__ import annotations

import time
from pathlib import Path

import httpx
import pytest

from switcher.bundled import LOCAL_URL
from switcher.server import AuthApp
from tests.support.local_transport import InProcessTransport, bundled_config, sign_up
from tests.support.sqlite_lock import holding_write_lock
from tests.support.targets import PASSWORD, unique_email


def test_a_request_gives_up_at_its_read_timeout_and_none_means_no_limit(tmp_path: Path) -> None:
    transport = InProcessTransport(AuthApp(bundled_config(tmp_path)))
    try:
        with httpx.Client(transport=transport, base_url=LOCAL_URL) as client:
            assert sign_up(client, unique_email("first")).status_code == 200
            with holding_write_lock(tmp_path / "auth.db", seconds=1.5):
                started = time.monotonic()
                with pytest.raises(httpx.ReadTimeout):
                    client.post(
                        "/api/auth/sign-up/email",
                        json={"name": "L", "email": unique_email("late"), "password": PASSWORD},
                        headers={"origin": LOCAL_URL},
                        timeout=httpx.Timeout(30, read=0.5),
                    )
                assert 0.5 <= time.monotonic() - started < 1.2
                # No read timeout: it waits for the lock's release (within the busy timeout).
                waiting = client.post(
                    "/api/auth/sign-up/email",
                    json={"name": "L", "email": unique_email("patient"), "password": PASSWORD},
                    headers={"origin": LOCAL_URL},
                    timeout=None,
                )
                assert waiting.status_code == 200
            assert client.get("/api/auth/ok").json() == {"ok": True}
    finally:
        transport.shutdown()


_LAZY_SERVER = """
import sys
import httpx
from pathlib import Path
from switcher.bundled import LOCAL_URL
from switcher.bundled_server import BundledServer
from switcher.server import ServerConfig

database = f"sqlite:///{Path(sys.argv[1]) / 'auth.db'}"
server = BundledServer(ServerConfig(secret="s" * 32, base_url=LOCAL_URL, database_url=database))
assert server.serve_http(port=0) and server.http_url
assert "uvicorn" not in sys.modules, "the HTTP server started before anyone asked"
answer = httpx.get(server.http_url + "/api/auth/ok", timeout=10)
assert answer.status_code == 200, answer.text
assert "uvicorn" in sys.modules
server.stop_http()
print("ok")
"""


def test_the_http_server_starts_with_the_first_browser_not_before(tmp_path: Path) -> None:
    """The tray app listens on the port from the start, but uvicorn and its loop (memory
    the idle app would carry for nothing) come only with the first connection, which
    waits in the backlog meanwhile. In a process of its own: this one has uvicorn."""
    import subprocess
    import sys

    ran = subprocess.run(
        [sys.executable, "-c", _LAZY_SERVER, str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        cwd=Path(__file__).resolve().parents[2],
    )
    assert ran.returncode == 0, ran.stderr
    assert ran.stdout.strip() == "ok"
