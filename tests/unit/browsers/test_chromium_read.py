"""Reading a site's cookies from a Chromium profile: decrypted, only that site's, refusals."""

from __future__ import annotations

import sqlite3
import time
from contextlib import closing
from pathlib import Path

import pytest

from switcher.browsers import CookieReadError, chromium
from switcher.browsers.chromium_read import read_cookies
from switcher.protocol.cookie import Cookie
from tests.support.firefox_profiles import profile_files

LATER = time.time() + 3600


def _profile(tmp_path: Path, cookies: list[Cookie], encryption: str = "v10") -> Path:
    profile = tmp_path / "ud" / "Default"
    profile.mkdir(parents=True)
    chromium.export(
        profile, cookies, backup_dir=tmp_path / "backup", encryption=encryption, platform="linux"
    )
    return profile


@pytest.mark.parametrize("encryption", ["v10", "plaintext"])
def test_the_sites_cookies_come_back_decrypted_and_no_other_sites(
    tmp_path: Path, encryption: str
) -> None:
    mine = Cookie("better-auth.session_token", "tok.sig%3D", "127.0.0.1", expires=LATER)
    other = Cookie("better-auth.session_token", "theirs.sig", "app.example.com", expires=LATER)
    profile = _profile(tmp_path, [mine, other], encryption)
    before = profile_files(profile)
    (read,) = read_cookies(profile, "127.0.0.1")
    assert (read.name, read.value, read.domain, read.host_only) == (
        mine.name, mine.value, "127.0.0.1", True,
    )  # fmt: skip
    assert read.expires is not None and abs(read.expires - LATER) < 1
    assert profile_files(profile) == before  # read from a copy


def test_a_user_data_folder_stands_for_its_default_profile(tmp_path: Path) -> None:
    """What people pass: the folder they gave ``--user-data-dir``, not the profile in it."""
    mine = Cookie("better-auth.session_token", "tok.sig", "127.0.0.1", expires=LATER)
    profile = _profile(tmp_path, [mine])
    (read,) = read_cookies(profile.parent, "127.0.0.1")
    assert read.value == mine.value


def test_missing_newer_and_undecryptable_stores_are_clear_errors(tmp_path: Path) -> None:
    empty = tmp_path / "empty" / "Default"
    empty.mkdir(parents=True)
    with pytest.raises(CookieReadError, match="has no cookie database"):
        read_cookies(empty, "127.0.0.1")
    profile = _profile(tmp_path, [Cookie("sid", "v.s", "127.0.0.1", expires=LATER)])
    db = profile / "Cookies"
    with closing(sqlite3.connect(db)) as connection, connection:
        connection.execute("UPDATE cookies SET encrypted_value = ?", (b"v99" + b"\x00" * 32,))
    with pytest.raises(CookieReadError, match="none of the site's 1 cookies could be decrypted"):
        read_cookies(profile, "127.0.0.1")
    with closing(sqlite3.connect(db)) as connection, connection:
        connection.execute("UPDATE meta SET value = '99' WHERE key = 'version'")
    with pytest.raises(CookieReadError, match="newer than the 24 switcher knows"):
        read_cookies(profile, "127.0.0.1")
    db.write_bytes(b"not a database at all" * 100)
    with pytest.raises(CookieReadError, match="cannot be read as a Chromium cookie database"):
        read_cookies(profile, "127.0.0.1")


def test_app_bound_values_say_what_to_do_instead(tmp_path: Path) -> None:
    profile = _profile(tmp_path, [Cookie("sid", "v.s", "127.0.0.1", expires=LATER)])
    with closing(sqlite3.connect(profile / "Cookies")) as connection, connection:
        connection.execute("UPDATE cookies SET encrypted_value = ?", (b"v20" + b"\x00" * 40,))
    with pytest.raises(CookieReadError, match=r"app-bound key .* export a cookies\.txt"):
        read_cookies(profile, "127.0.0.1")
