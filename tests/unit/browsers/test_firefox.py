"""Firefox cookie export: finding profiles, schema rules, containers and the safety net."""

from __future__ import annotations

import errno
import json
import os
import sqlite3
import sys
import time
from pathlib import Path

import pytest

from switcher import app_identity
from switcher.browsers import BrowserRunningError, ExportError, firefox, safety
from tests.support.firefox_profiles import WEEK, a_cookie, cookie_db, cookie_rows, profile_files
from tests.support.processes import pid_of_no_process


@pytest.fixture
def profile(tmp_path: Path) -> Path:
    path = tmp_path / "profile"
    path.mkdir()
    return path


# --- profile discovery ----------------------------------------------------------------


def write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


@pytest.mark.skipif(sys.platform in ("win32", "darwin"), reason="Linux roots")
def test_profiles_ini_and_installs_ini(tmp_path: Path) -> None:
    home = tmp_path / "home"
    root = home / ".config" / "mozilla" / "firefox"  # Firefox 147+ location
    elsewhere = tmp_path / "elsewhere" / "work-profile"
    write(
        root / "profiles.ini",
        "[Profile1]\nName=default\nIsRelative=1\nPath=t0vv70uu.default\nDefault=1\n\n"
        "[Profile0]\nName=default-esr\nIsRelative=1\nPath=22s453ma.default-esr\n\n"
        f"[Profile2]\nName=Work\nIsRelative=0\nPath={elsewhere}\n\n"
        "[Profile3]\nName=Gone\nIsRelative=1\nPath=deleted.gone\n\n"
        "[General]\nStartWithLastProfile=1\nVersion=2\n\n"
        "[Install3B6073811A6ABF12]\nDefault=22s453ma.default-esr\nLocked=1\n",
    )
    write(root / "installs.ini", "[3B6073811A6ABF12]\nDefault=22s453ma.default-esr\nLocked=1\n")
    for path in (root / "t0vv70uu.default", root / "22s453ma.default-esr", elsewhere):
        path.mkdir(parents=True)

    # The legacy location with only a Default=1 profile, and a Snap install.
    legacy = home / ".mozilla" / "firefox"
    write(
        legacy / "profiles.ini", "[Profile0]\nName=old\nIsRelative=1\nPath=abc.default\nDefault=1\n"
    )
    (legacy / "abc.default").mkdir()
    snap = home / "snap" / "firefox" / "common" / ".mozilla" / "firefox"
    write(snap / "profiles.ini", "[Profile0]\nName=snappy\nIsRelative=1\nPath=s.default\n")
    (snap / "s.default").mkdir()

    found = {p.name: p for p in firefox.find_profiles(home)}
    assert set(found) == {"default", "default-esr", "Work", "old", "snappy"}  # "Gone" has no dir
    assert found["default-esr"].is_default  # installs.ini wins over Default=1
    assert not found["default"].is_default
    assert found["default-esr"].path == root / "22s453ma.default-esr"
    assert found["Work"].path == elsewhere
    assert found["old"].is_default  # no installs.ini there: Default=1 counts
    assert not found["snappy"].is_default
    assert all(p.browser == "firefox" for p in found.values())


def test_no_firefox_at_all(tmp_path: Path) -> None:
    assert firefox.find_profiles(tmp_path) == []


def test_platform_roots(tmp_path: Path) -> None:
    mac = firefox._roots(tmp_path, "darwin", {})
    assert mac == [tmp_path / "Library" / "Application Support" / "Firefox"]
    windows = firefox._roots(tmp_path, "win32", {"APPDATA": str(tmp_path / "Roaming")})
    assert windows[0] == tmp_path / "Roaming" / "Mozilla" / "Firefox"
    linux = firefox._roots(tmp_path, "linux", {})
    assert tmp_path / ".var" / "app" / "org.mozilla.firefox" / ".mozilla" / "firefox" in linux


# --- what gets written ------------------------------------------------------------------


@pytest.mark.parametrize(("version", "scale"), [(14, 1), (15, 1), (16, 1000), (17, 1000)])
def test_expiry_unit_follows_the_schema(profile: Path, version: int, scale: int) -> None:
    db = cookie_db(profile, version)
    expires = time.time() + WEEK
    firefox.export(profile, [a_cookie(expires=expires)], backup_dir=profile.parent / "backup")
    (native, written) = cookie_rows(db)
    assert native["value"] == "kept"
    assert written["expiry"] == int(expires * scale)
    assert written["host"] == "127.0.0.1"
    assert written["originAttributes"] == ""
    assert written["sameSite"] == 1  # Lax
    assert written["schemeMap"] == 1  # set over http
    assert written["isHttpOnly"] == 1
    now_us = time.time() * 1_000_000
    assert abs(int(written["creationTime"]) - now_us) < 60_000_000  # type: ignore[call-overload]
    if version <= 14:
        assert written["rawSameSite"] == 1
    if version >= 17:
        assert written["updateTime"] == written["creationTime"]


def test_a_profile_that_never_ran_gets_firefoxs_schema(profile: Path) -> None:
    firefox.export(profile, [a_cookie()], backup_dir=profile.parent / "backup")
    with sqlite3.connect(profile / "cookies.sqlite") as connection:
        assert connection.execute("PRAGMA user_version").fetchone()[0] == 17
        assert connection.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        (sql,) = connection.execute(
            "SELECT sql FROM sqlite_master WHERE name='moz_cookies'"
        ).fetchone()
    connection.close()
    assert sql == firefox.SCHEMA_17


def test_same_site_secure_and_domain_cookies(profile: Path) -> None:
    db = cookie_db(profile, 17)
    firefox.export(
        profile,
        [
            a_cookie("unset", same_site=None),
            a_cookie("strict", same_site="Strict"),
            a_cookie("none", same_site="None", secure=True),
            a_cookie("domain", domain="example.com", host_only=False),
        ],
        backup_dir=profile.parent / "backup",
    )
    by_name = {row["name"]: row for row in cookie_rows(db)}
    assert by_name["unset"]["sameSite"] == firefox.SAME_SITE_UNSET
    assert by_name["strict"]["sameSite"] == 2
    assert (by_name["none"]["sameSite"], by_name["none"]["schemeMap"]) == (0, 2)
    assert by_name["none"]["isSecure"] == 1
    assert by_name["domain"]["host"] == ".example.com"
    assert all(row["isPartitionedAttributeSet"] == 0 for row in by_name.values())


def test_existing_cookie_is_replaced(profile: Path) -> None:
    db = cookie_db(profile, 17)
    backup = profile.parent / "backup"
    firefox.export(profile, [a_cookie(value="first")], backup_dir=backup)
    firefox.export(profile, [a_cookie(value="second")], backup_dir=backup)
    assert [(r["name"], r["value"]) for r in cookie_rows(db)] == [
        ("native", "kept"),
        ("sid", "second"),
    ]


def test_session_cookie_is_refused_without_touching_anything(profile: Path) -> None:
    cookie_db(profile, 17)
    before = profile_files(profile)
    with pytest.raises(ExportError, match="session cookie") as caught:
        firefox.export(profile, [a_cookie(value="SECRET", expires=None)], backup_dir=profile / "b")
    assert "SECRET" not in str(caught.value)
    assert profile_files(profile) == before


# --- containers ---------------------------------------------------------------------


def test_named_container(profile: Path) -> None:
    db = cookie_db(profile, 17)
    containers = {
        "version": 5,
        "lastUserContextId": 7,
        "identities": [
            {"userContextId": 1, "public": True, "l10nId": "user-context-personal"},
            {"userContextId": 7, "public": True, "name": "Side Project"},
            {"userContextId": 4294967295, "public": False, "name": "userContextIdInternal.x"},
        ],
    }
    (profile / "containers.json").write_text(json.dumps(containers))
    backup = profile.parent / "backup"
    firefox.export(profile, [a_cookie(value="plain")], backup_dir=backup)
    firefox.export(profile, [a_cookie(value="side")], container="Side Project", backup_dir=backup)
    firefox.export(profile, [a_cookie(value="mine")], container="personal", backup_dir=backup)
    got = {r["originAttributes"]: r["value"] for r in cookie_rows(db) if r["name"] == "sid"}
    assert got == {"": "plain", "^userContextId=7": "side", "^userContextId=1": "mine"}

    before = profile_files(profile)
    with pytest.raises(ExportError, match="Personal, Side Project"):
        firefox.export(profile, [a_cookie()], container="Nope", backup_dir=backup)
    assert profile_files(profile) == before


def test_builtin_containers_without_containers_json(profile: Path) -> None:
    db = cookie_db(profile, 17)
    firefox.export(profile, [a_cookie()], container="Work", backup_dir=profile.parent / "b")
    assert cookie_rows(db)[-1]["originAttributes"] == "^userContextId=2"


# --- refusals and the safety net -----------------------------------------------------------


def test_unknown_schema_is_refused_byte_identical(profile: Path) -> None:
    cookie_db(profile, 18)
    before = profile_files(profile)
    with pytest.raises(ExportError, match="schema 18"):
        firefox.export(profile, [a_cookie()], backup_dir=profile.parent / "backup")
    assert profile_files(profile) == before


def test_not_a_cookie_database(profile: Path) -> None:
    (profile / "cookies.sqlite").write_bytes(b"")
    before = profile_files(profile)
    with pytest.raises(ExportError, match="not a Firefox cookie database"):
        firefox.export(profile, [a_cookie()], backup_dir=profile.parent / "backup")
    assert profile_files(profile) == before


def test_read_only_profile(profile: Path) -> None:
    cookie_db(profile, 17)
    before = profile_files(profile)
    mode = profile.stat().st_mode
    profile.chmod(0o555)
    try:
        with pytest.raises(ExportError, match="read-only"):
            firefox.export(profile, [a_cookie()], backup_dir=profile.parent / "backup")
    finally:
        profile.chmod(mode)
    assert profile_files(profile) == before


def test_read_only_cookie_file(profile: Path) -> None:
    db = cookie_db(profile, 17)
    db.chmod(0o444)
    before = profile_files(profile)
    with pytest.raises(ExportError, match=r"cookies\.sqlite is read-only"):
        firefox.export(profile, [a_cookie()], backup_dir=profile.parent / "backup")
    assert profile_files(profile) == before


def test_missing_profile(tmp_path: Path) -> None:
    with pytest.raises(ExportError, match="does not exist"):
        firefox.export(tmp_path / "nope", [a_cookie()], backup_dir=tmp_path / "backup")
    assert not (tmp_path / "nope").exists()


def test_disk_full_while_backing_up(profile: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    cookie_db(profile, 17)
    before = profile_files(profile)

    def full(fd: int, data: object) -> int:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    # The one fault we can't cause for real: the disk filling up under the write.
    monkeypatch.setattr(os, "write", full)
    with pytest.raises(ExportError, match="disk is full"):
        firefox.export(profile, [a_cookie()], backup_dir=profile.parent / "backup")
    monkeypatch.undo()
    assert profile_files(profile) == before


def run_guarded(files: list[Path], backup: Path, error: BaseException) -> None:
    """Half-write every file (creating missing ones), then fail with ``error``."""
    with safety.guarded(files, backup):
        for path in files:
            path.write_bytes(b"half-written")
        raise error


def test_guarded_restores_byte_for_byte(tmp_path: Path) -> None:
    kept = tmp_path / "cookies.sqlite"
    kept.write_bytes(b"\x00original\xff")
    created = tmp_path / "cookies.sqlite-wal"
    full = OSError(errno.ENOSPC, "No space left on device")
    with pytest.raises(ExportError, match="disk is full") as caught:
        run_guarded([kept, created], tmp_path / "backup", full)
    assert caught.value.__cause__ is full
    assert kept.read_bytes() == b"\x00original\xff"
    assert not created.exists()


def test_guarded_passes_export_errors_through(tmp_path: Path) -> None:
    kept = tmp_path / "f"
    kept.write_bytes(b"a")
    error = ExportError("as is")
    with pytest.raises(ExportError) as caught:
        run_guarded([kept], tmp_path / "backup", error)
    assert caught.value is error
    assert kept.read_bytes() == b"a"


def test_guarded_wraps_other_errors_in_one_line(tmp_path: Path) -> None:
    kept = tmp_path / "f"
    kept.write_bytes(b"a")
    with pytest.raises(ExportError, match=r"^Writing the cookies failed \(ValueError\)") as caught:
        run_guarded([kept], tmp_path / "backup", ValueError("value=SECRET"))
    assert "SECRET" not in str(caught.value)
    assert "\n" not in str(caught.value)
    assert kept.read_bytes() == b"a"


def test_failed_read_back_restores(profile: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    cookie_db(profile, 17)
    before = profile_files(profile)

    def wrong(db: Path, expected: object) -> None:
        raise ExportError("Cookie sid did not read back as written")

    monkeypatch.setattr(firefox, "_verify", wrong)
    with pytest.raises(ExportError, match="read back"):
        firefox.export(profile, [a_cookie()], backup_dir=profile.parent / "backup")
    assert profile_files(profile) == before


@pytest.mark.skipif(sys.platform == "win32", reason="lock symlink")
@pytest.mark.parametrize("target", ["10.9.8.7:+1234", "not a lock"])
def test_a_lock_that_cannot_be_checked_counts_as_running_as_chromiums_does(
    profile: Path, target: str
) -> None:
    # One rule for every family (lock_owner): another host's lock, or one that
    # cannot be read, is not proven stale, so the profile is left alone.
    (profile / "lock").symlink_to(target)
    assert firefox.is_running(profile)
    with pytest.raises(BrowserRunningError):
        firefox.export(profile, [a_cookie()], backup_dir=profile.parent / "backup")


def test_profiles_are_found_in_the_hosts_config_from_a_sandbox(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Firefox 147+ keeps new profiles in ~/.config/mozilla/firefox; inside a
    # Flatpak sandbox XDG_CONFIG_HOME is the app's own, the host's is HOST_XDG_CONFIG_HOME.
    root = tmp_path / "home" / ".config" / "mozilla" / "firefox"
    (root / "abc.default-release").mkdir(parents=True)
    (root / "profiles.ini").write_text(
        "[Profile0]\nName=default-release\nIsRelative=1\nPath=abc.default-release\nDefault=1\n"
    )
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "home" / ".var" / "app" / "x" / "config"))
    monkeypatch.setenv("HOST_XDG_CONFIG_HOME", str(tmp_path / "home" / ".config"))
    info = tmp_path / ".flatpak-info"
    info.write_text("[Application]\n")
    monkeypatch.setattr(app_identity, "FLATPAK_INFO", info)
    if sys.platform.startswith("linux"):
        assert [p.path for p in firefox.find_profiles()] == [root / "abc.default-release"]


@pytest.mark.skipif(sys.platform == "win32", reason="lock symlink")
def test_stale_lock_symlink_is_not_running(profile: Path) -> None:
    (profile / ".parentlock").touch()
    (profile / "lock").symlink_to(f"127.0.0.1:+{pid_of_no_process()}")
    assert not firefox.is_running(profile)
    (profile / "lock").unlink()
    (profile / "lock").symlink_to(f"127.0.0.1:+{os.getpid()}")  # a live pid on this host
    assert firefox.is_running(profile)
