"""Chromium-family export: the crypto, the cookie rows, profiles, and the safety rules."""

from __future__ import annotations

import hashlib
import json
import os
import socket
import sqlite3
import sys
import time
from contextlib import closing
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import padding
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from switcher import app_identity
from switcher.browsers import BrowserRunningError, ExportError, chromium
from switcher.browsers.chromium import export, find_profiles, is_running
from switcher.browsers.chromium_crypto import (
    V10_KEY,
    CookieCryptoError,
    decrypt_value,
    encrypt_value,
)
from switcher.protocol.cookie import Cookie
from tests.support.chromium import cookie_rows
from tests.support.processes import pid_of_no_process

EXPIRES = time.time() + 3600


COOKIE = Cookie(
    name="better-auth.session_token", value="tok.sig%3D", domain="127.0.0.1", expires=EXPIRES
)


def snapshot(directory: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(directory)): p.read_bytes()
        for p in sorted(directory.rglob("*"))
        if p.is_file() and not p.is_symlink()
    }


@pytest.fixture
def profile(chromium_profile: Path) -> Path:
    return chromium_profile


# -- crypto ------------------------------------------------------------------


def test_v10_key_is_pbkdf2_of_peanuts() -> None:
    assert V10_KEY.hex() == "fd621fe5a2b402539dfa147ca9272778"


def test_v10_round_trip_carries_the_sha256_host_prefix() -> None:
    blob = encrypt_value("value=1", ".example.test", meta_version=24)
    assert blob.startswith(b"v10")
    decryptor = Cipher(algorithms.AES(V10_KEY), modes.CBC(b" " * 16)).decryptor()
    padded = decryptor.update(blob[3:]) + decryptor.finalize()
    unpadder = padding.PKCS7(128).unpadder()
    plain = unpadder.update(padded) + unpadder.finalize()
    assert plain == hashlib.sha256(b".example.test").digest() + b"value=1"
    assert decrypt_value(blob, ".example.test", meta_version=24) == "value=1"
    # The prefix is over the host_key as stored: the dot matters.
    with pytest.raises(CookieCryptoError, match="SHA-256"):
        decrypt_value(blob, "example.test", meta_version=24)


def test_before_meta_24_there_is_no_prefix() -> None:
    blob = encrypt_value("abc", "h", meta_version=23)
    assert len(blob) == 3 + 16
    assert decrypt_value(blob, "h", meta_version=23) == "abc"
    with pytest.raises(CookieCryptoError):
        decrypt_value(blob, "h", meta_version=24)


def test_decrypt_refuses_a_wrong_key_and_unknown_prefix() -> None:
    blob = encrypt_value("secret-value", "h", meta_version=24, key=b"k" * 16, prefix=b"v11")
    with pytest.raises(CookieCryptoError) as info:
        decrypt_value(blob, "h", meta_version=24)
    assert "secret-value" not in str(info.value)
    with pytest.raises(CookieCryptoError):
        decrypt_value(blob, "h", meta_version=24, keys={b"v11": b"x" * 16})
    assert decrypt_value(blob, "h", meta_version=24, keys={b"v11": b"k" * 16}) == "secret-value"


# -- writing -----------------------------------------------------------------


def test_export_writes_one_v10_row_like_chromium(profile: Path, tmp_path: Path) -> None:
    before = time.time()
    export(profile, [COOKIE], backup_dir=tmp_path / "backup")
    (row,) = cookie_rows(profile / "Cookies")
    assert row["value"] == ""
    assert isinstance(row["encrypted_value"], bytes)
    assert decrypt_value(row["encrypted_value"], "127.0.0.1", meta_version=24) == COOKIE.value
    expected_expiry = int((EXPIRES + 11_644_473_600) * 1e6)
    assert abs(int(row["expires_utc"]) - expected_expiry) < 2_000_000
    assert int(row["creation_utc"]) >= int((before + 11_644_473_600) * 1e6)
    assert {k: row[k] for k in ("host_key", "top_frame_site_key", "path", "name")} == {
        "host_key": "127.0.0.1",
        "top_frame_site_key": "",
        "path": "/",
        "name": COOKIE.name,
    }
    assert (row["is_secure"], row["is_httponly"], row["samesite"]) == (0, 1, 1)
    assert (row["has_expires"], row["is_persistent"], row["priority"]) == (1, 1, 1)
    assert (row["source_scheme"], row["source_port"], row["source_type"]) == (1, -1, 1)
    assert row["has_cross_site_ancestor"] == 1
    assert (tmp_path / "backup").is_dir()


def test_plaintext_route_fills_only_the_value_column(profile: Path, tmp_path: Path) -> None:
    export(profile, [COOKIE], backup_dir=tmp_path / "b", encryption="plaintext")
    (row,) = cookie_rows(profile / "Cookies")
    assert (row["value"], row["encrypted_value"]) == (COOKIE.value, b"")


def test_export_replaces_the_same_cookie_and_caps_expiry(profile: Path, tmp_path: Path) -> None:
    domain = Cookie(
        name="a", value="1", domain="example.test", host_only=False, secure=True, same_site="Strict"
    )
    export(profile, [COOKIE, domain], backup_dir=tmp_path / "b", encryption="plaintext")
    later = Cookie(
        name="a", value="2", domain="example.test", host_only=False, expires=time.time() + 10**9
    )
    export(profile, [later], backup_dir=tmp_path / "b2")
    found = {(r["host_key"], r["name"]): r for r in cookie_rows(profile / "Cookies")}
    assert set(found) == {("127.0.0.1", COOKIE.name), (".example.test", "a")}
    row = found[(".example.test", "a")]
    assert decrypt_value(row["encrypted_value"], ".example.test", meta_version=24) == "2"
    limit = (time.time() + 400 * 86400 + 11_644_473_600) * 1e6
    assert int(row["expires_utc"]) <= limit


def test_a_session_cookie_is_stored_persistent(profile: Path, tmp_path: Path) -> None:
    session = Cookie(name="s", value="v", domain="127.0.0.1", expires=None)
    export(profile, [session], backup_dir=tmp_path / "b")
    (row,) = cookie_rows(profile / "Cookies")
    assert (row["is_persistent"], row["has_expires"]) == (1, 1)


def test_unknown_meta_version_is_refused_unchanged(profile: Path, tmp_path: Path) -> None:
    with closing(sqlite3.connect(profile / "Cookies")) as conn, conn:
        conn.execute(
            "UPDATE meta SET value = '25' WHERE key IN ('version', 'last_compatible_version')"
        )
    before = snapshot(profile)
    with pytest.raises(ExportError, match="version 25"):
        export(profile, [COOKIE], backup_dir=tmp_path / "b")
    assert snapshot(profile) == before


def test_a_live_singleton_lock_refuses_unchanged(profile: Path, tmp_path: Path) -> None:
    lock = profile.parent / "SingletonLock"
    lock.symlink_to(f"{socket.gethostname()}-{os.getpid()}")
    assert is_running(profile)
    before = snapshot(profile.parent)
    with pytest.raises(BrowserRunningError, match="Chromium is running; close it and try again"):
        export(profile, [COOKIE], backup_dir=tmp_path / "b")
    assert snapshot(profile.parent) == before
    assert not (tmp_path / "b").exists()


def test_profiles_are_found_in_the_hosts_config_from_a_sandbox(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    host = tmp_path / "home" / ".config"
    (host / "google-chrome" / "Default").mkdir(parents=True)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "home" / ".var" / "app" / "x" / "config"))
    monkeypatch.setenv("HOST_XDG_CONFIG_HOME", str(host))
    info = tmp_path / ".flatpak-info"
    info.write_text("[Application]\n")
    monkeypatch.setattr(app_identity, "FLATPAK_INFO", info)
    if sys.platform.startswith("linux"):
        assert [(p.browser, p.path) for p in find_profiles()] == [
            ("chrome", host / "google-chrome" / "Default")
        ]


def test_a_lock_from_another_host_counts_as_running(tmp_path: Path) -> None:
    (tmp_path / "SingletonLock").symlink_to("some-other-host-1")
    assert is_running(tmp_path / "Default")
    assert not is_running(tmp_path / "nowhere" / "Default")


def test_a_read_only_cookie_db_is_refused_unchanged(profile: Path, tmp_path: Path) -> None:
    (profile / "Cookies").chmod(0o444)
    before = snapshot(profile)
    with pytest.raises(ExportError, match="read-only"):
        export(profile, [COOKIE], backup_dir=tmp_path / "b")
    assert snapshot(profile) == before


def test_a_missing_profile_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(ExportError, match="does not exist"):
        export(tmp_path / "nope" / "Default", [COOKIE], backup_dir=tmp_path / "b")


def test_a_failed_read_back_restores_the_files(
    profile: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    export(profile, [COOKIE], backup_dir=tmp_path / "b")
    before = snapshot(profile)

    def broken(*args: object) -> None:
        raise ExportError("Read-back did not match")

    monkeypatch.setattr(chromium, "_verify", broken)
    other = Cookie(name="other", value="x", domain="127.0.0.1", expires=time.time() + 60)
    with pytest.raises(ExportError, match="Read-back"):
        export(profile, [other], backup_dir=tmp_path / "b2")
    assert snapshot(profile) == before


@pytest.mark.parametrize(
    "bad",
    [
        Cookie(name="n", value="a\x01b", domain="127.0.0.1"),
        Cookie(name="n", value="v", domain="127.0.0.1", path="nopath"),
        Cookie(name="__Secure-n", value="v", domain="127.0.0.1"),
        Cookie(name="n", value="v", domain="127.0.0.1", expires=time.time() - 10),
    ],
)
def test_rows_chromium_would_drop_are_refused(profile: Path, tmp_path: Path, bad: Cookie) -> None:
    before = snapshot(profile)
    with pytest.raises(ExportError) as info:
        export(profile, [bad], backup_dir=tmp_path / "b")
    assert "a\x01b" not in str(info.value)
    assert snapshot(profile) == before


def test_a_missing_cookie_db_is_created_and_removed_on_failure(tmp_path: Path) -> None:
    profile = tmp_path / "Default"
    profile.mkdir()
    with pytest.raises(ExportError):
        export(
            profile,
            [Cookie(name="n", value="v", domain="h", path="x")],
            backup_dir=tmp_path / "b",
        )
    assert list(profile.iterdir()) == []
    export(profile, [COOKIE], backup_dir=tmp_path / "b")
    assert len(cookie_rows(profile / "Cookies")) == 1


def test_profiles_and_names_from_local_state(tmp_path: Path) -> None:
    data = tmp_path / ".config" / "chromium"
    for name in ("Default", "Profile 1"):
        (data / name).mkdir(parents=True)
    state = {
        "profile": {
            "info_cache": {
                "Default": {"name": "Your Chromium"},
                "Profile 1": {"name": "Work"},
                "Profile 9": {"name": "Deleted"},
            },
            "last_used": "Profile 1",
            "profiles_order": ["Default", "Profile 1"],
        }
    }
    (data / "Local State").write_text(json.dumps(state))
    brave = tmp_path / ".config" / "BraveSoftware" / "Brave-Browser" / "Default"
    brave.mkdir(parents=True)
    found = [(p.browser, p.name, p.path, p.is_default) for p in find_profiles(tmp_path)]
    if sys.platform.startswith("linux"):
        assert found == [
            ("chromium", "Your Chromium", data / "Default", False),
            ("chromium", "Work", data / "Profile 1", True),
            ("brave", "Default", brave, True),
        ]


# -- the real browser --------------------------------------------------------


def test_a_stale_singleton_lock_is_ignored(profile: Path, tmp_path: Path) -> None:
    (profile.parent / "SingletonLock").symlink_to(f"{socket.gethostname()}-{pid_of_no_process()}")
    assert not is_running(profile)
    export(profile, [COOKIE], backup_dir=tmp_path / "b")
    assert len(cookie_rows(profile / "Cookies")) == 1


def test_inside_a_flatpak_sandbox_any_lock_counts_as_running(
    profile: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The sandbox has its own process ids: the host's browser pid in the lock is
    # not visible there (or names some other process), so it can't be trusted.
    (profile.parent / "SingletonLock").symlink_to(f"{socket.gethostname()}-{pid_of_no_process()}")
    info = tmp_path / ".flatpak-info"
    info.write_text("[Application]\n")
    monkeypatch.setattr(app_identity, "FLATPAK_INFO", info)
    assert is_running(profile)
    before = snapshot(profile)
    with pytest.raises(BrowserRunningError):
        export(profile, [COOKIE], backup_dir=tmp_path / "b")
    assert snapshot(profile) == before
