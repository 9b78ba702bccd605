"""The bundled server in process: one store behind both of its faces."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from switcher.bundled import LOCAL_URL
from switcher.bundled_server import BundledServer, bundled_server
from tests.support.local_transport import InProcessTransport, bundled_config, sign_up
from tests.support.targets import PASSWORD, unique_email


def test_both_faces_of_the_local_server_serve_one_store(tmp_path: Path) -> None:
    server = BundledServer(bundled_config(tmp_path))
    other = BundledServer(bundled_config(tmp_path))  # a second app on the file: still one owner
    try:
        assert server.serve_http(port=0)
        assert server.http_url is not None
        email = unique_email("faces")
        with httpx.Client(base_url=server.http_url, timeout=10) as browser:
            assert sign_up(browser, email).status_code == 200
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
