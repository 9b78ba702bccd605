"""`switcher serve` where other computers can reach it: names, proxies, plain http."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from tests.support.repo import REPO
from tests.support.serving import SCRUBBED, Served, free_port, serving
from tests.support.targets import PASSWORD, unique_email

SECRET = "a-secret-for-a-server-others-reach-0123456789"


def _wrong_passwords(served: Served, forwarded_for: list[str]) -> list[int]:
    with httpx.Client(base_url=served.base_url, timeout=30) as client:
        return [
            client.post(
                "/api/auth/sign-in/email",
                json={"email": unique_email(), "password": PASSWORD},
                headers={"x-forwarded-for": address},
            ).status_code
            for address in forwarded_for
        ]


ROTATED = ["198.51.100.1", "198.51.100.2", "198.51.100.3", "198.51.100.4", "198.51.100.5"]


def test_a_client_cannot_pick_its_address_to_dodge_the_sign_in_limit(tmp_path: Path) -> None:
    with serving(tmp_path / "data") as served:
        assert _wrong_passwords(served, ROTATED) == [401, 401, 401, 429, 429]


def test_behind_a_trusted_proxy_each_forwarded_address_is_a_client(tmp_path: Path) -> None:
    with serving(tmp_path / "data", "--trust-proxy", "127.0.0.1") as served:
        assert _wrong_passwords(served, ROTATED) == [401] * 5
        # The proxy's own requests, for one client, are limited as that client's.
        assert _wrong_passwords(served, ["198.51.100.9"] * 4) == [401, 401, 401, 429]


def test_a_request_for_another_host_name_gets_no_page(tmp_path: Path) -> None:
    with serving(tmp_path / "data", "--allowed-host", "auth.example.test") as served:

        def page(host: str) -> httpx.Response:
            return httpx.get(served.url("/"), headers={"host": host}, timeout=10)

        rebound = page(f"evil.example:{served.port}")
        assert rebound.status_code == 421
        assert rebound.json()["code"] == "MISDIRECTED_REQUEST"
        assert page(f"localhost:{served.port}").status_code == 200
        assert page("auth.example.test").status_code == 200  # what its proxy passes on
        posted = httpx.post(
            served.url("/api/auth/sign-up/email"),
            json={"name": "E", "email": unique_email(), "password": PASSWORD},
            headers={"host": f"evil.example:{served.port}"},
        )
        assert posted.status_code == 421


def _serve(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in SCRUBBED}
    env.update(SWITCHER_DATA_DIR=str(tmp_path / "data"), BETTER_AUTH_SECRET=SECRET)
    return subprocess.run(
        [sys.executable, "-m", "switcher", "serve", *args],
        capture_output=True, text=True, env=env, cwd=REPO, timeout=60, check=False,
    )  # fmt: skip


def test_a_host_others_can_reach_needs_the_url_browsers_use(tmp_path: Path) -> None:
    # 192.0.2.1 (TEST-NET-1) is no address of this machine: nothing is ever served.
    ran = _serve(tmp_path, "--host", "192.0.2.1", "--port", str(free_port()))
    assert ran.returncode == 1
    assert ran.stderr.startswith("switcher: --host 192.0.2.1 needs --base-url")


@pytest.mark.parametrize(
    ("base_url", "warned"),
    [("http://192.0.2.1:{port}", True), ("https://auth.example.test", False)],
)
def test_plain_http_to_the_network_is_said_loudly(
    tmp_path: Path, base_url: str, warned: bool
) -> None:
    port = free_port()
    ran = _serve(tmp_path, "--host", "192.0.2.1", "--port", str(port), "--base-url",
                 base_url.format(port=port))  # fmt: skip
    # Then it cannot listen there (not this machine's address): one line, exit 1.
    assert ran.returncode == 1 and "cannot listen on 192.0.2.1" in ran.stderr
    assert ("WARNING: serving plain http to the network" in ran.stderr) is warned


@pytest.mark.parametrize("base_url", ["http://0.0.0.0:{port}", "http://[::]:{port}"])
def test_a_base_url_on_no_host_is_refused(tmp_path: Path, base_url: str) -> None:
    port = free_port()
    ran = _serve(tmp_path, "--host", "192.0.2.1", "--port", str(port), "--base-url",
                 base_url.format(port=port))  # fmt: skip
    assert ran.returncode == 1
    assert "names no host" in ran.stderr and "Traceback" not in ran.stderr


def test_a_server_others_can_reach_needs_a_long_secret(tmp_path: Path) -> None:
    ran = _serve(
        tmp_path, "--host", "192.0.2.1", "--port", str(free_port()),
        "--base-url", "https://auth.example.test", "--secret", "x",
    )  # fmt: skip
    assert ran.returncode == 1
    assert ran.stderr.startswith("switcher: a server others can reach needs a secret of at least")
