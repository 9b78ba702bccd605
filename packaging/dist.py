"""``make dist``: build switcher's bundle for this OS, plus the wheel and sdist.

    python packaging/dist.py [--skip-python-packages]

1. icons (packaging/icons.py) into build/icons;
2. the PyInstaller one-folder bundle (packaging/switcher.spec) into dist/switcher
   (dist/switcher.app on macOS);
3. on Linux, dist/switcher-VERSION-linux-ARCH.tar.gz: the bundle with its
   desktop entry, AppStream metainfo, hicolor icons and an install.sh;
4. the wheel and sdist (python -m build) into dist/.
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import subprocess
import sys
import tarfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from switcher import __version__  # noqa: E402
from switcher.app_identity import APP_ID  # noqa: E402

DIST = ROOT / "dist"
BUILD = ROOT / "build"


def run(*command: str | Path) -> None:
    print("+", " ".join(str(part) for part in command), flush=True)
    subprocess.run([str(part) for part in command], check=True, cwd=ROOT)  # noqa: S603 -- our own build steps


def linux_archive(bundle: Path, icons: Path, build: Path, dist: Path) -> Path:
    """The bundle plus what a Linux desktop needs to list it, as one .tar.gz in ``dist``.

    ``icons`` is packaging/icons.py's output; ``build`` holds the staging copy.
    """
    name = f"switcher-{__version__}-linux-{platform.machine()}"
    stage = build / name
    shutil.rmtree(stage, ignore_errors=True)
    shutil.copytree(bundle, stage / "switcher", symlinks=True)
    share = stage / "share"
    (share / "applications").mkdir(parents=True)
    (share / "metainfo").mkdir(parents=True)
    linux = ROOT / "packaging" / "linux"
    shutil.copy(linux / f"{APP_ID}.desktop", share / "applications")
    shutil.copy(linux / f"{APP_ID}.metainfo.xml", share / "metainfo")
    shutil.copytree(icons / "hicolor", share / "icons" / "hicolor")
    shutil.copy(linux / "install.sh", stage / "install.sh")
    archive = dist / f"{name}.tar.gz"
    with tarfile.open(archive, "w:gz") as tar:
        tar.add(stage, arcname=name)
    return archive


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument(
        "--skip-python-packages", action="store_true", help="do not build the wheel and sdist"
    )
    parser.add_argument("--dist", type=Path, default=DIST, help="output dir (default dist/)")
    parser.add_argument("--build", type=Path, default=BUILD, help="work dir (default build/)")
    args = parser.parse_args(argv)
    dist, build = args.dist.resolve(), args.build.resolve()
    dist.mkdir(parents=True, exist_ok=True)
    icons = build / "icons"
    run(sys.executable, ROOT / "packaging" / "icons.py", icons)
    os.environ["SWITCHER_ICONS_DIR"] = str(icons)  # the spec takes the .ico/.icns from there
    run(
        sys.executable,
        "-m",
        "PyInstaller",
        ROOT / "packaging" / "switcher.spec",
        "--distpath",
        dist,
        "--workpath",
        build / "pyinstaller",
        "--noconfirm",
        "--log-level",
        "WARN",
    )
    made = [dist / ("switcher.app" if sys.platform == "darwin" else "switcher")]
    if sys.platform.startswith("linux"):
        made.append(linux_archive(dist / "switcher", icons, build, dist))
    if not args.skip_python_packages:
        run(sys.executable, "-m", "build", "--outdir", dist, ROOT)
        made += sorted(dist.glob(f"switcher-{__version__}*.whl"))
        made += sorted(dist.glob(f"switcher-{__version__}.tar.gz"))
    print("built:", *(str(p) for p in made), sep="\n  ")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
