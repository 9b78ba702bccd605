"""Firefox export where another process or the real browser is needed: a held lock, firefox-esr."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from switcher.browsers import BrowserRunningError, firefox
from switcher.protocol.cookie import Cookie
from tests.support.browser import Browser
from tests.support.firefox import (
    Served,
    new_profile,
    visit,
)
from tests.support.firefox_profiles import WEEK, a_cookie, cookie_db, cookie_rows, profile_files
from tests.support.marionette import controlled_firefox
from tests.support.targets import sign_up

TOKEN = "better-auth.session_token"


@pytest.fixture
def profile(tmp_path: Path) -> Path:
    path = tmp_path / "profile"
    path.mkdir()
    return path


@pytest.fixture
def held_parentlock(profile: Path) -> Iterator[Path]:
    # POSIX locks are per process, so the holder must be another process.
    lock = profile / ".parentlock"
    lock.touch()
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import fcntl, os, sys; fd = os.open(sys.argv[1], os.O_RDWR); "
            "fcntl.lockf(fd, fcntl.LOCK_EX); print('held', flush=True); sys.stdin.read()",
            str(lock),
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
    )
    assert holder.stdout is not None
    assert holder.stdout.readline() == b"held\n"
    try:
        yield lock
    finally:
        assert holder.stdin is not None
        holder.stdin.close()
        holder.wait(10)
        holder.stdout.close()


@pytest.mark.skipif(sys.platform == "win32", reason="fcntl lock")
def test_lock_held_refused_byte_identical(profile: Path, held_parentlock: Path) -> None:
    cookie_db(profile, 17)
    before = profile_files(profile)
    assert firefox.is_running(profile)
    with pytest.raises(BrowserRunningError, match="Firefox is running with profile"):
        firefox.export(profile, [a_cookie()], backup_dir=profile.parent / "backup")
    assert profile_files(profile) == before


# --- the real browser -------------------------------------------------------------------------


def signed_up(served: Served, label: str) -> list[Cookie]:
    browser = Browser(served.base_url)
    try:
        sign_up(browser, label)
        jar = dict(browser.jar)
    finally:
        browser.close()
    assert TOKEN in jar
    # What the server's Set-Cookie says: HttpOnly, SameSite=Lax, Path=/, Max-Age=604800.
    expires = time.time() + WEEK
    return [Cookie(name, value, "127.0.0.1", expires=expires) for name, value in jar.items()]


def wait_for_request(
    served: Served, path: str, after: int = 0, timeout: float = 30
) -> dict[str, str]:
    """The cookies of request number ``after`` (0-based) for ``path``, once it arrived."""
    deadline = time.monotonic() + timeout
    while len(seen := served.recorder.cookies_for(path)) <= after:
        if time.monotonic() > deadline:
            raise TimeoutError(f"Firefox did not request {path} within {timeout}s")
        time.sleep(0.05)
    return seen[after]


def token(cookies: list[Cookie]) -> str:
    return next(c.value for c in cookies if c.name == TOKEN)


def test_real_firefox_presents_the_exported_session(
    firefox_bin: str, served: Served, tmp_path: Path
) -> None:
    profile = new_profile(tmp_path / "ff-profile")
    backup = tmp_path / "backup"
    url = served.base_url + "/"

    alice = signed_up(served, "alice")
    firefox.export(profile, alice, backup_dir=backup)
    visit(firefox_bin, profile, url, served.recorder, "/")
    assert served.recorder.cookies_for("/")[-1][TOKEN] == token(alice)

    # Switching: the second account's token replaces the first in the same profile.
    bob = signed_up(served, "bob")
    assert token(bob) != token(alice)
    firefox.export(profile, bob, backup_dir=backup)
    visit(firefox_bin, profile, url, served.recorder, "/")
    assert served.recorder.cookies_for("/")[-1][TOKEN] == token(bob)

    # A named container gets its own account; the default container keeps bob.
    # Firefox opens the container tab itself (through Marionette), so this is
    # what a person clicking "Open in Client A" would send.
    containers = {
        "version": 5,
        "lastUserContextId": 7,
        "identities": [
            {
                "userContextId": 7,
                "public": True,
                "name": "Client A",
                "icon": "briefcase",
                "color": "red",
            }
        ],
    }
    (profile / "containers.json").write_text(json.dumps(containers), encoding="utf-8")
    in_container = "/?container=client-a"
    carol = signed_up(served, "carol")
    firefox.export(profile, carol, container="Client A", backup_dir=backup)
    with controlled_firefox(firefox_bin, profile, url, served.recorder, "/") as marionette:
        assert served.recorder.cookies_for("/")[-1][TOKEN] == token(bob)
        assert marionette.open_tab(url + in_container[1:], 7) == 7
        assert wait_for_request(served, in_container)[TOKEN] == token(carol)
        assert firefox.is_running(profile)
        # While it runs: refused, and nothing written.
        with pytest.raises(BrowserRunningError, match="close it and try again"):
            firefox.export(profile, alice, backup_dir=backup)

    # Switching inside the container: alice replaces carol there only.
    firefox.export(profile, alice, container="Client A", backup_dir=backup)
    with controlled_firefox(firefox_bin, profile, url, served.recorder, "/") as marionette:
        assert served.recorder.cookies_for("/")[-1][TOKEN] == token(bob)
        marionette.open_tab(url + in_container[1:], 7)
        assert wait_for_request(served, in_container, after=1)[TOKEN] == token(alice)
    origins = {
        (r["originAttributes"], r["value"])
        for r in cookie_rows(profile / "cookies.sqlite")
        if r["name"] == TOKEN
    }
    assert origins == {("", token(bob)), ("^userContextId=7", token(alice))}
    assert not firefox.is_running(profile)
