"""Browser sign-in's own rules: which browser, and what happens to its profiles."""

from __future__ import annotations

import os
import socket
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from switcher.browser_sign_in import (
    BrowserSignInError,
    _elsewhere,
    _fresh_profile,
    _keep_profile,
    choose_browser,
)
from switcher.browsers.launch import profile_path


@pytest.fixture(autouse=True)
def data(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("SWITCHER_DATA_DIR", str(tmp_path / "data"))
    return tmp_path / "data"


def test_no_browser_installed_is_a_clear_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    with pytest.raises(BrowserSignInError, match="no supported browser found"):
        choose_browser(None)
    with pytest.raises(BrowserSignInError, match="Chromium is not installed"):
        choose_browser("chromium")


def test_a_fresh_firefox_profile_is_private_with_quiet_prefs(data: Path) -> None:
    fresh = _fresh_profile("firefox")
    assert fresh.parent == data / "browser-profiles" / "firefox"
    assert fresh.name.startswith("sign-in-")
    assert fresh.stat().st_mode & 0o777 == 0o700
    assert "checkDefaultBrowser" in (fresh / "user.js").read_text()


def test_leftovers_of_a_dead_sign_in_go_and_a_running_one_stays(data: Path) -> None:
    dead = _fresh_profile("chromium")
    running = _fresh_profile("chromium")
    # Chromium's lock while it runs: a symlink to hostname-pid (a live pid here).
    (running / "SingletonLock").symlink_to(f"{socket.gethostname()}-{os.getpid()}")
    account = profile_path("chromium", "http://127.0.0.1:3000", "u1")
    account.mkdir()
    newest = _fresh_profile("chromium")
    assert not dead.exists()
    assert running.exists() and newest.exists() and account.exists()


def test_the_signed_in_profile_becomes_the_account_s_own_unless_it_has_one(data: Path) -> None:
    fresh = _fresh_profile("chromium")
    (fresh / "marker").write_text("first")
    kept = _keep_profile("chromium", fresh, "http://127.0.0.1:3000", "u1")
    assert kept == profile_path("chromium", "http://127.0.0.1:3000", "u1")
    assert (kept / "marker").read_text() == "first" and not fresh.exists()
    again = _fresh_profile("chromium")
    assert _keep_profile("chromium", again, "http://127.0.0.1:3000", "u1") == kept
    assert not again.exists()
    assert (kept / "marker").read_text() == "first"  # its own profile is left as it was


@pytest.mark.parametrize(
    ("page", "host", "said"),
    [
        ("http://127.0.0.1:3000/login", "127.0.0.1", False),
        ("https://app.example.com/login", "api.example.com", False),  # one site's siblings
        ("http://localhost:3000/", "127.0.0.1", True),
        ("http://127.0.0.1:3000/", "localhost", True),
        ("https://login.other.example/", "app.example.com", True),
    ],
)
def test_a_timeout_names_a_sign_in_page_on_another_site(page: str, host: str, said: bool) -> None:
    why = _elsewhere(page, host)
    assert bool(why) == said
    if said:
        assert why.startswith(f"the sign-in page is on {urlsplit(page).hostname}, the server on")
