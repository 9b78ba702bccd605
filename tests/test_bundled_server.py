"""The bundled server in process: its transport's timeouts, and one store behind both faces."""

from __future__ import annotations

import time
from pathlib import Path

import httpx
import pytest

from switcher.bundled import LOCAL_URL
from switcher.bundled_server import BundledServer, bundled_server
from switcher.server import AuthApp, ServerConfig
from tests.support.local_transport import InProcessTransport
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


def test_both_faces_of_the_local_server_serve_one_store(tmp_path: Path) -> None:
    server = BundledServer(_config(tmp_path))
    other = BundledServer(_config(tmp_path))  # a second app on the file: still one owner
    try:
        assert server.serve_http(port=0)
        assert server.http_url is not None
        email = unique_email("faces")
        with httpx.Client(base_url=server.http_url, timeout=10) as browser:
            assert _sign_up(browser, email).status_code == 200
        with httpx.Client(
            transport=InProcessTransport(server.exchange), base_url=LOCAL_URL, timeout=10
        ) as client:
            signed_in = client.post(
                "/api/auth/sign-in/email",
                json={"email": email, "password": PASSWORD},
                headers={"origin": LOCAL_URL},
            )
            assert signed_in.status_code == 200
        with httpx.Client(
            transport=InProcessTransport(other.exchange), base_url=LOCAL_URL, timeout=10
        ) as client:
            assert client.get("/api/auth/ok").status_code == 200
        assert other.app.store.owner is server.app.store.owner  # type: ignore[attr-defined]
        # Stopping the browsers' face leaves the store open for the app itself.
        server.stop_http()
        with httpx.Client(
            transport=InProcessTransport(server.exchange), base_url=LOCAL_URL, timeout=10
        ) as client:
            assert client.get("/api/auth/ok").status_code == 200
    finally:
        server.shutdown()
        other.shutdown()


def test_the_process_has_one_local_server_per_data_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SWITCHER_DATA_DIR", str(tmp_path / "one"))
    first = bundled_server()
    monkeypatch.setenv("SWITCHER_DATA_DIR", str(tmp_path / "two"))
    second = bundled_server()
    try:
        assert second is not first
        monkeypatch.setenv("SWITCHER_DATA_DIR", str(tmp_path / "one"))
        assert bundled_server() is first
    finally:
        first.shutdown()
        second.shutdown()
