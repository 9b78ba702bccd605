"""Fixtures shared by the browser-export tests."""

from __future__ import annotations

from pathlib import Path

import pytest

from switcher.browsers.chromium import create_cookie_db


@pytest.fixture
def chromium_profile(tmp_path: Path) -> Path:
    """A Chromium profile dir (``User Data/Default``) with an empty meta-version-24
    cookie DB, as Chromium makes it."""
    path = tmp_path / "User Data" / "Default"
    path.mkdir(parents=True)
    create_cookie_db(path / "Cookies")
    return path
