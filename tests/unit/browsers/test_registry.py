"""One registry entry is a whole new browser: found, offered, launched and written to."""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

import pytest

from switcher.browsers import registry
from switcher.browsers.registry import BrowserSpec, Family
from switcher.protocol.cookie import Cookie
from tests.support.cli import Cli

# A Chromium fork switcher does not ship: only this entry tells switcher about it.
OPERA = BrowserSpec(
    "opera",
    "Opera",
    Family.CHROMIUM,
    ("opera",),
    mac_apps=("Opera.app/Contents/MacOS/Opera",),
    windows_apps=("Programs/Opera/opera.exe",),
    linux_dirs=("{config}/opera",),
    mac_dir="com.operasoftware.Opera",
    windows_dir="Opera Software/Opera Stable",
    keyring_items=(("opera", "Opera Safe Storage"),),
    keychain_item=("Opera Safe Storage", "Opera"),
)


@pytest.fixture
def with_opera(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    monkeypatch.setattr(registry, "BROWSERS", (*registry.BROWSERS, OPERA))
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    opera = bin_dir / "opera"
    opera.write_text("#!/bin/sh\nexit 0\n")
    opera.chmod(0o755)
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}")
    return tmp_path


def test_every_table_derives_from_the_one_entry(with_opera: Path, cli_here: Cli) -> None:
    from switcher.browsers import chromium, launch, opener
    from switcher.cli.parser import build_parser

    home = with_opera / "home"
    user_data = home / ".config" / "opera"
    (user_data / "Default").mkdir(parents=True)
    chromium.create_cookie_db(user_data / "Default" / "Cookies")

    assert registry.ids(Family.CHROMIUM)[-1] == "opera"
    assert registry.label("opera") == "Opera"
    assert ("opera", user_data) in chromium.user_data_dirs(home=home, platform="linux")
    assert [p.browser for p in chromium.find_profiles(home=home)] == ["opera"]
    assert launch.find_executable("opera") == str(with_opera / "bin" / "opera")
    assert "opera" in launch.installed_browsers()
    assert opener.writer("opera") is chromium
    mac = launch.install_locations("opera", platform="darwin", environ={}, home=home)
    assert mac[0] == Path("/Applications/Opera.app/Contents/MacOS/Opera")
    # The command line offers it, to export to and to open a site with.
    args = build_parser().parse_args(["export", "opera", "--list-profiles"])
    assert args.target == "opera"
    args = build_parser().parse_args(["open", "--as", "a@example.com", "--browser", "opera"])
    assert args.browser == "opera"
    # And names it wherever it lists the browsers it works with.
    assert registry.labels().endswith("Vivaldi and Opera")
    assert "opera" in cli_here("export", "--help").stdout


def test_the_new_browser_is_written_like_any_chromium(with_opera: Path) -> None:
    from switcher.browsers import chromium, opener

    profile = with_opera / "home" / ".config" / "opera" / "Default"
    profile.mkdir(parents=True)
    chromium.create_cookie_db(profile / "Cookies")
    cookie = Cookie("better-auth.session_token", "tok.sig%3D", "127.0.0.1", expires=2e9)
    opener.write_profile("opera", profile, [cookie], encryption="plaintext")
    with sqlite3.connect(profile / "Cookies") as db:
        rows = db.execute("select host_key, name, value from cookies").fetchall()
    assert rows == [("127.0.0.1", "better-auth.session_token", "tok.sig%3D")]


def test_a_browser_missing_from_the_registry_is_a_clear_error() -> None:
    from switcher.browsers import ExportError, opener

    with pytest.raises(ExportError, match="does not know the browser 'netscape'"):
        opener.writer("netscape")
