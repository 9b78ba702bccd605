"""The wheel carries the package and its assets (resources/ as switcher.resources)."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_the_wheel_ships_the_icons_and_every_package(tmp_path: Path) -> None:
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "-q",
            "-w",
            str(tmp_path),
            str(ROOT),
        ],
        check=True,
        capture_output=True,
        timeout=300,
    )
    (wheel,) = tmp_path.glob("switcher-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    assert "switcher/resources/switcher.svg" in names
    assert "switcher/resources/__init__.py" in names
    assert "switcher/py.typed" in names
    sources = {str(p.relative_to(ROOT)) for p in (ROOT / "switcher").rglob("*.py")}
    assert sources <= names, sorted(sources - names)
