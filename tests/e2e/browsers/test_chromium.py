"""The real Chromium signed in by an exported profile (basic store and a real gnome-keyring)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from switcher.browsers.chromium import export
from switcher.browsers.chromium_keys import keyring_password
from switcher.protocol.cookie import Cookie
from switcher.server import ServerConfig
from tests.support.browser import Browser, set_cookies
from tests.support.chromium import cookie_rows, new_profile, run_chromium
from tests.support.secret_service import bus_environment, running_secret_service
from tests.support.switcher_server import running_switcher
from tests.support.targets import PASSWORD, SECRET, unique_email

# -- the real browser --------------------------------------------------------


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    path = tmp_path_factory.mktemp("chromium-server") / "auth.db"
    config = ServerConfig(
        secret=SECRET,
        base_url="http://127.0.0.1:1",
        database_url=f"sqlite:///{path}",
        rate_limit=None,
    )
    with running_switcher(config) as app:
        yield app.config.base_url


class Device:
    """One browser's sign-ins, with the cookie attributes Chromium needs."""

    def __init__(self, base_url: str) -> None:
        self.browser = Browser(base_url)
        self.cookies: dict[str, Cookie] = {}

    def sign_up(self, label: str) -> str:
        """Signs a new account up; returns what the page shows for it."""
        email = unique_email(label)
        name = label.title()
        response = self.browser.post(
            "/sign-up/email", {"name": name, "email": email, "password": PASSWORD}
        )
        assert response.status_code == 200, response.text
        now = time.time()
        for line in set_cookies(response):
            if line.deletes:
                self.cookies.pop(line.name, None)
                continue
            assert line.max_age == 604800 and line.http_only and line.path == "/"
            assert (line.same_site or "").lower() == "lax"
            self.cookies[line.name] = Cookie(
                name=line.name,
                value=line.value,
                domain="127.0.0.1",
                http_only=line.http_only,
                secure=line.secure,
                same_site=line.same_site,
                expires=now + line.max_age,
            )
        names = set(self.cookies)
        assert "better-auth.session_token" in names
        assert any(n.startswith("better-auth.session_token_multi-") for n in names)
        return f"{name} &lt;{email}&gt;"

    def close(self) -> None:
        self.browser.close()


def signed_in_as(dom: str) -> str:
    marker = 'id="active-email"'
    assert marker in dom, dom[:2000]
    return dom.split(marker, 1)[1].split(">", 1)[1].split("</span>", 1)[0]


def check_signed_in(
    user_data_dir: Path, url: str, who: str, *, store: str, env: dict[str, str] | None = None
) -> None:
    run = run_chromium(user_data_dir, url + "/", password_store=store, env=env)
    assert run.returncode == 0, run.stderr[-3000:]
    assert signed_in_as(run.stdout) == who, run.stdout[:2000]


def test_real_chromium_basic_store_is_signed_in(server: str, tmp_path: Path) -> None:
    data = tmp_path / "ud"
    profile = new_profile(data, password_store="basic")
    check_signed_in(data, server, "Not signed in", store="basic")  # the check can fail
    device = Device(server)
    try:
        first = device.sign_up("first")
        export(profile, list(device.cookies.values()), backup_dir=tmp_path / "b1")
        check_signed_in(data, server, first, store="basic")
        second = device.sign_up("second")
        export(profile, list(device.cookies.values()), backup_dir=tmp_path / "b2")
        check_signed_in(data, server, second, store="basic")
    finally:
        device.close()
    # Chromium kept our rows: nothing was judged invalid and dropped.
    names = {r["name"] for r in cookie_rows(profile / "Cookies")}
    assert "better-auth.session_token" in names


def test_real_chromium_accepts_a_db_we_created(server: str, tmp_path: Path) -> None:
    data = tmp_path / "ud"
    profile = data / "Default"
    profile.mkdir(parents=True)
    device = Device(server)
    try:
        who = device.sign_up("fresh")
        export(profile, list(device.cookies.values()), backup_dir=tmp_path / "b")
        check_signed_in(data, server, who, store="basic")
    finally:
        device.close()


def test_real_chromium_keyring_store_accepts_v10_and_v11(server: str, tmp_path: Path) -> None:
    with running_secret_service() as service:
        env = service.child_env()
        data = tmp_path / "ud"
        profile = new_profile(data, password_store="gnome-libsecret", env=env)
        with bus_environment(service):
            # Chromium made its v11 key: this really is a keyring profile.
            assert keyring_password("chromium") is not None
        device = Device(server)
        try:
            first = device.sign_up("first")
            export(profile, list(device.cookies.values()), backup_dir=tmp_path / "b1")
            check_signed_in(data, server, first, store="gnome-libsecret", env=env)
            second = device.sign_up("second")
            with bus_environment(service):
                export(
                    profile,
                    list(device.cookies.values()),
                    backup_dir=tmp_path / "b2",
                    encryption="v11",
                )
            assert all(
                bytes(r["encrypted_value"]).startswith(b"v11")
                for r in cookie_rows(profile / "Cookies")
            )
            check_signed_in(data, server, second, store="gnome-libsecret", env=env)
        finally:
            device.close()
