"""The Linux desktop entry, AppStream metainfo and icons, checked by the real validators."""

from __future__ import annotations

import configparser
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from switcher import __version__
from switcher.app_identity import APP_ID, ICON_NAME
from tests.support.components import missing
from tests.support.repo import REPO

LINUX = REPO / "packaging" / "linux"


DESKTOP = LINUX / f"{APP_ID}.desktop"


METAINFO = LINUX / f"{APP_ID}.metainfo.xml"


def tool(name: str, package: str) -> str:
    found = shutil.which(name)
    if found is None:
        missing(name, f"apt-get install {package} (make test does)")
    return found


def test_the_desktop_entry_is_valid_and_names_the_app() -> None:
    checked = subprocess.run(
        [tool("desktop-file-validate", "desktop-file-utils"), str(DESKTOP)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert checked.returncode == 0, checked.stdout
    assert checked.stdout.strip() == "", checked.stdout  # not even a hint
    entry = configparser.ConfigParser(interpolation=None)
    entry.optionxform = str  # type: ignore[assignment,method-assign]
    entry.read(DESKTOP, encoding="utf-8")
    section = entry["Desktop Entry"]
    assert (section["Exec"], section["Icon"], section["Type"]) == (
        "switcher",
        ICON_NAME,
        "Application",
    )


def test_the_metainfo_is_valid_and_matches_the_app() -> None:
    checked = subprocess.run(
        [tool("appstreamcli", "appstream"), "validate", "--no-net", "--no-color", str(METAINFO)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert checked.returncode == 0, checked.stdout + checked.stderr
    # Errors (E:) and warnings (W:) fail; infos about tags newer than Debian's
    # validator (such as <developer>) are fine.
    problems = [line for line in checked.stdout.splitlines() if line.startswith(("E:", "W:"))]
    assert problems == []
    root = ET.parse(METAINFO).getroot()
    assert root.findtext("id") == APP_ID
    assert root.findtext("launchable") == DESKTOP.name
    assert root.findtext("provides/binary") == "switcher"
    assert root.findtext("project_license") == "MIT"
    releases = [r.get("version") for r in root.iterfind("releases/release")]
    assert releases[0] == __version__, "add a <release> for the new version"


def test_icons_render_for_every_hicolor_size(tmp_path: Path) -> None:
    made = subprocess.run(
        [sys.executable, str(REPO / "packaging" / "icons.py"), str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert made.returncode == 0, made.stderr
    from PySide6.QtGui import QImage

    for size in (16, 22, 24, 32, 48, 64, 128, 256, 512):
        image = QImage(str(tmp_path / "hicolor" / f"{size}x{size}" / "apps" / f"{ICON_NAME}.png"))
        assert (image.width(), image.height()) == (size, size)
        # Drawn, not blank: the centre of the icon is opaque.
        assert image.pixelColor(size // 3, size // 3).alpha() > 0
    assert (tmp_path / "hicolor" / "scalable" / "apps" / f"{ICON_NAME}.svg").read_bytes() == (
        REPO / "resources" / "switcher.svg"
    ).read_bytes()
    assert (tmp_path / "switcher.ico").read_bytes()[:4] == b"\x00\x00\x01\x00"
    assert (tmp_path / "switcher.icns").read_bytes()[:4] == b"icns"


@pytest.mark.parametrize("path", [DESKTOP, METAINFO])
def test_the_install_script_and_flatpak_use_these_files(path: Path) -> None:
    install = (LINUX / "install.sh").read_text(encoding="utf-8")
    assert f"id={APP_ID}" in install
    manifest = (REPO / "packaging" / "flatpak" / f"{APP_ID}.yml").read_text(encoding="utf-8")
    assert f"../linux/{path.name}" in manifest
