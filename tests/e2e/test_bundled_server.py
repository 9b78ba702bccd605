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
