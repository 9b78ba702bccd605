"""The bundled server in process: its transport's timeouts."""

from __future__ import annotations

import time
from pathlib import Path

import httpx
import pytest

from switcher.local_server import InProcessTransport
from switcher.server import AuthApp, ServerConfig
from switcher.vault import LOCAL_URL
from tests.support.sqlite_lock import holding_write_lock
from tests.support.targets import PASSWORD, SECRET, unique_email


def _config(tmp_path: Path) -> ServerConfig:
    return ServerConfig(
        secret=SECRET,
        base_url=LOCAL_URL,
        database_url=f"sqlite:///{tmp_path / 'auth.db'}",
        rate_limit=None,
    )


def _sign_up(client: httpx.Client, email: str) -> httpx.Response:
    return client.post(
        "/api/auth/sign-up/email",
        json={"name": "L", "email": email, "password": PASSWORD},
        headers={"origin": LOCAL_URL},
    )


def test_a_request_gives_up_at_its_read_timeout_and_none_means_no_limit(tmp_path: Path) -> None:
    transport = InProcessTransport(AuthApp(_config(tmp_path)))
    try:
        with httpx.Client(transport=transport, base_url=LOCAL_URL) as client:
            assert _sign_up(client, unique_email("first")).status_code == 200
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
