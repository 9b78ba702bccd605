"""Reading a site's cookies from a Firefox profile: only that site's, any schema it knows."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from switcher.browsers import CookieReadError, firefox
from switcher.browsers.firefox_read import read_cookies
from tests.support.firefox_profiles import a_cookie, cookie_db, profile_files


@pytest.mark.parametrize("version", [14, 15, 16, 17])
def test_the_sites_cookies_come_back_as_written_and_no_other_sites(
    tmp_path: Path, version: int
) -> None:
    profile = tmp_path / "profile"
    profile.mkdir()
    cookie_db(profile, version)  # holds a cookie of another site
    mine = [a_cookie("better-auth.session_token", "tok.sig"), a_cookie("pref", "1")]
    parent = a_cookie("wide", "w", domain="0.0.1", host_only=False)  # not a parent of the host
    firefox.export(profile, [*mine, parent], backup_dir=tmp_path / "backup")
    before = profile_files(profile)
    read = read_cookies(profile, "127.0.0.1")
    assert sorted((c.name, c.value, c.domain, c.host_only) for c in read) == [
        ("better-auth.session_token", "tok.sig", "127.0.0.1", True),
        ("pref", "1", "127.0.0.1", True),
    ]
    for cookie in read:  # whole seconds either way (schema 16 stores milliseconds)
        assert cookie.expires is not None and abs(cookie.expires - mine[0].expires) < 1  # type: ignore[operator]
    assert profile_files(profile) == before  # read from a copy; the profile untouched


def test_a_domain_cookie_of_a_parent_domain_is_read(tmp_path: Path) -> None:
    profile = tmp_path / "profile"
    profile.mkdir()
    wide = a_cookie("sid", "s.v", domain="example.com", host_only=False)
    other = a_cookie("sid", "o.v", domain="example.org", host_only=False)
    firefox.export(profile, [wide, other], backup_dir=tmp_path / "backup")
    assert [c.value for c in read_cookies(profile, "app.example.com")] == ["s.v"]


def test_missing_corrupt_and_newer_stores_are_clear_errors(tmp_path: Path) -> None:
    profile = tmp_path / "profile"
    profile.mkdir()
    with pytest.raises(CookieReadError, match=r"has no cookies\.sqlite"):
        read_cookies(profile, "127.0.0.1")
    (profile / "cookies.sqlite").write_bytes(b"SQLite format 3\x00" + b"\xff" * 4000)
    with pytest.raises(CookieReadError, match="cannot be read as Firefox's cookie store"):
        read_cookies(profile, "127.0.0.1")
    (profile / "cookies.sqlite").unlink()
    cookie_db(profile, 17)
    with sqlite3.connect(profile / "cookies.sqlite") as connection:
        connection.execute(f"PRAGMA user_version = {firefox.MAX_SCHEMA + 1}")
    with pytest.raises(CookieReadError, match="newer than the 17 switcher knows"):
        read_cookies(profile, "127.0.0.1")
