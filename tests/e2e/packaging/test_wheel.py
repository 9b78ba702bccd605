"""``python -m build`` makes a wheel and an sdist; the wheel installs into a fresh venv and works.

The wheel carries the package and its assets (resources/ as
switcher.resources); the sdist carries what a packager needs besides. The
fresh venv gets the wheel and its dependencies from the package index, as a
user's ``pip install`` / ``pipx install`` would, then runs the installed
``switcher``: ``--version``, ``serve`` answering get-session, and the icon
loading through Qt from the installed package.
"""

from __future__ import annotations

import subprocess
import sys
import tarfile
import venv
import zipfile
from pathlib import Path

import pytest

from switcher import __version__
from tests.support.repo import REPO
from tests.support.serving import serving
from tests.support.targets import PASSWORD, unique_email

ICON_CHECK = """
import os, sys
os.environ["QT_QPA_PLATFORM"] = "offscreen"
from importlib.resources import files
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QApplication
app = QApplication([])
path = files("switcher.resources").joinpath("switcher.svg")
icon = QIcon(str(path))
image = icon.pixmap(64, 64).toImage()
assert not icon.isNull() and image.width() == 64, "the icon did not load"
assert image.pixelColor(21, 21).alpha() > 0, "the icon rendered blank"
print("icon ok", path)
"""


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    out = tmp_path_factory.mktemp("build")
    made = subprocess.run(
        [sys.executable, "-m", "build", "--outdir", str(out), str(REPO)],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert made.returncode == 0, made.stdout[-3000:] + made.stderr[-3000:]
    (wheel,) = out.glob(f"switcher-{__version__}-py3-none-any.whl")
    (sdist,) = out.glob(f"switcher-{__version__}.tar.gz")
    return wheel, sdist


def test_the_wheel_ships_the_icons_and_every_package(built: tuple[Path, Path]) -> None:
    wheel, _ = built
    names = set(zipfile.ZipFile(wheel).namelist())
    assert "switcher/resources/switcher.svg" in names
    assert "switcher/resources/__init__.py" in names
    assert "switcher/py.typed" in names
    sources = {str(p.relative_to(REPO)) for p in (REPO / "switcher").rglob("*.py")}
    assert sources <= names, sorted(sources - names)
    assert f"switcher-{__version__}.dist-info/licenses/LICENSE" in names


def test_the_sdist_carries_the_packaging_files(built: tuple[Path, Path]) -> None:
    _, sdist = built
    with tarfile.open(sdist) as tar:
        names = {name.split("/", 1)[1] for name in tar.getnames() if "/" in name}
    expected = {
        "LICENSE",
        "README.md",
        "Makefile",
        "resources/switcher.svg",
        "packaging/switcher.spec",
        "packaging/entry.py",
        "packaging/dist.py",
        "packaging/icons.py",
        "packaging/linux/install.sh",
        "packaging/linux/io.github.switcher.Switcher.desktop",
        "packaging/linux/io.github.switcher.Switcher.metainfo.xml",
        "packaging/flatpak/io.github.switcher.Switcher.yml",
        "packaging/flatpak/python3-deps.json",
        "docs/panel-menu-light.png",
        "docs/before/accounts-window.png",
    }
    assert expected <= names, sorted(expected - names)


def test_the_wheel_installs_and_runs_in_a_fresh_venv(
    built: tuple[Path, Path], tmp_path: Path
) -> None:
    wheel, _ = built
    env_dir = tmp_path / "venv"
    venv.create(env_dir, with_pip=True)
    python = env_dir / "bin" / "python"
    installed = subprocess.run(
        [str(python), "-m", "pip", "install", "-q", str(wheel)],
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    assert installed.returncode == 0, installed.stderr[-3000:]
    switcher = env_dir / "bin" / "switcher"

    ran = subprocess.run(
        [str(switcher), "--version"], capture_output=True, text=True, timeout=60, check=False
    )
    assert ran.stdout.strip() == f"switcher {__version__}"

    # Nothing is imported from this checkout: the cwd is elsewhere and the
    # installed copy is what Python finds.
    where = subprocess.run(
        [str(python), "-c", "import switcher; print(switcher.__file__)"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        check=True,
    )
    assert where.stdout.startswith(str(env_dir))

    icon = subprocess.run(
        [str(python), "-c", ICON_CHECK],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=60,
        check=False,
    )
    assert icon.returncode == 0, icon.stderr
    assert "icon ok" in icon.stdout

    with serving(tmp_path / "server", command=[str(switcher)]) as served:
        browser = served.browser()
        email = unique_email("wheel")
        answer = browser.post(
            "/sign-up/email", {"name": "Wheel", "email": email, "password": PASSWORD}
        )
        assert answer.status_code == 200, answer.text
        assert browser.get("/get-session").json()["user"]["email"] == email
