"""Finding a browser to open a site with: on PATH, else where its installer puts it."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from switcher.browsers.launch import find_executable, install_locations
from switcher.browsers.registry import spec


def test_on_linux_only_path_counts() -> None:
    assert install_locations("firefox", platform="linux", environ={}) == []
    found = find_executable("firefox", platform="linux", environ={})
    firefox = spec("firefox")
    assert firefox is not None
    assert found == next((shutil.which(n) for n in firefox.executables if shutil.which(n)), None)


def test_windows_per_machine_and_per_user_installs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))  # nothing on PATH
    environ = {
        "ProgramFiles": str(tmp_path / "Program Files"),
        "ProgramFiles(x86)": str(tmp_path / "Program Files (x86)"),
        "LOCALAPPDATA": str(tmp_path / "AppData" / "Local"),
    }
    assert find_executable("chrome", platform="win32", environ=environ) is None
    # Chrome for one user only: under LocalAppData.
    chrome = tmp_path / "AppData" / "Local" / "Google" / "Chrome" / "Application" / "chrome.exe"
    chrome.parent.mkdir(parents=True)
    chrome.write_bytes(b"MZ")
    assert find_executable("chrome", platform="win32", environ=environ) == str(chrome)
    # Edge for the machine: under Program Files (x86), where its installer puts it.
    edge = tmp_path / "Program Files (x86)" / "Microsoft" / "Edge" / "Application" / "msedge.exe"
    edge.parent.mkdir(parents=True)
    edge.write_bytes(b"MZ")
    assert find_executable("edge", platform="win32", environ=environ) == str(edge)


def test_macos_app_bundles(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    locations = install_locations("brave", platform="darwin", environ={}, home=tmp_path)
    assert locations == [
        Path("/Applications/Brave Browser.app/Contents/MacOS/Brave Browser"),
        tmp_path / "Applications" / "Brave Browser.app" / "Contents" / "MacOS" / "Brave Browser",
    ]
    binary = locations[1]
    binary.parent.mkdir(parents=True)
    binary.write_bytes(b"\xcf\xfa\xed\xfe")
    if not locations[0].exists():  # a Mac with Brave in /Applications would win, rightly
        assert find_executable("brave", platform="darwin", environ={}, home=tmp_path) == str(binary)
