"""The bundled server in process: one store behind both of its faces."""

from __future__ import annotations

import socket
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


def test_a_browser_opened_as_soon_as_serving_returns_is_not_refused(tmp_path: Path) -> None:
    """``accounts add --browser`` opens the browser right after serving: no race with the thread."""
    server = BundledServer(bundled_config(tmp_path))
    try:
        assert server.serve_http(port=0)
        assert server.http_url is not None
        host, port = server.http_url.removeprefix("http://").split(":")
        # At once, before the server's thread has had a chance to start.
        with socket.create_connection((host, int(port)), timeout=10):
            pass
        with httpx.Client(base_url=server.http_url, timeout=10) as browser:
            assert browser.get("/api/auth/ok").status_code == 200
    finally:
        server.shutdown()


def test_the_port_serves_again_at_once_after_a_stop(tmp_path: Path) -> None:
    """The app restarted (or a command after it): the old connections' TIME_WAIT does not block."""
    first = BundledServer(bundled_config(tmp_path))
    try:
        assert first.serve_http(port=0)
        assert first.http_url is not None
        port = int(first.http_url.rsplit(":", 1)[1])
        # The server closes first (the client asked it to): its end waits in TIME_WAIT.
        with httpx.Client(base_url=first.http_url, timeout=10) as browser:
            answer = browser.get("/api/auth/ok", headers={"connection": "close"})
            assert answer.status_code == 200
        first.stop_http()
        again = BundledServer(bundled_config(tmp_path))
        try:
            assert again.serve_http(port=port), again.error
        finally:
            again.shutdown()
    finally:
        first.shutdown()


def test_stopping_before_any_browser_came_frees_the_port(tmp_path: Path) -> None:
    server = BundledServer(bundled_config(tmp_path))
    assert server.serve_http(port=0)
    assert server.http_url is not None
    port = int(server.http_url.rsplit(":", 1)[1])
    server.stop_http()
    again = BundledServer(bundled_config(tmp_path))
    try:
        assert again.serve_http(port=port), again.error
    finally:
        again.stop_http()
        again.shutdown()
        server.shutdown()


def _wrong_passwords(client: httpx.Client, email: str, times: int) -> list[int]:
    return [
        client.post(
            "/api/auth/sign-in/email",
            json={"email": email, "password": "not-the-password"},
            headers={"origin": LOCAL_URL},
        ).status_code
        for _ in range(times)
    ]


def test_the_apps_server_limits_sign_in_from_browsers_but_not_its_own(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Any page a browser here loads can post to 127.0.0.1:3000; the app's calls are its user's."""
    from switcher.bundled_server import bundled_config as production_config

    monkeypatch.setenv("SWITCHER_DATA_DIR", str(tmp_path))
    server = BundledServer(production_config())
    try:
        assert server.serve_http(port=0) and server.http_url is not None
        email = unique_email("limited")
        with httpx.Client(
            transport=InProcessTransport(server.exchange), base_url=LOCAL_URL, timeout=10
        ) as own:
            assert sign_up(own, email).status_code == 200
            assert _wrong_passwords(own, email, 6) == [401] * 6
        with httpx.Client(base_url=server.http_url, timeout=10) as browser:
            answers = _wrong_passwords(browser, email, 5)
            rotated = browser.post(  # a forwarded address of its choosing changes nothing
                "/api/auth/sign-in/email",
                json={"email": email, "password": "not-the-password"},
                headers={"origin": LOCAL_URL, "x-forwarded-for": "203.0.113.9"},
            )
        assert answers == [401, 401, 401, 429, 429]
        assert rotated.status_code == 429
    finally:
        server.shutdown()


@pytest.mark.parametrize(
    ("host", "status"),
    [("evil.example:{port}", 421), ("127.0.0.1.evil.example:{port}", 421),
     ("localhost:{port}", 200), ("127.0.0.1:{port}", 200), ("[::1]:{port}", 200),
     ("127.0.0.1:1", 421)],
)  # fmt: skip
def test_the_apps_server_answers_only_for_its_own_names(
    tmp_path: Path, host: str, status: int
) -> None:
    """DNS rebinding: evil.example resolved to 127.0.0.1 reads no page of who is signed in."""
    server = BundledServer(bundled_config(tmp_path))
    try:
        assert server.serve_http(port=0) and server.http_url is not None
        port = server.http_url.rsplit(":", 1)[1]
        page = httpx.get(f"{server.http_url}/", headers={"host": host.format(port=port)})
        assert page.status_code == status
        if status == 421:
            assert page.json()["code"] == "MISDIRECTED_REQUEST"
            assert "Not signed in" not in page.text and "<html" not in page.text
    finally:
        server.shutdown()
