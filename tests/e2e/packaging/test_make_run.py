"""make run installs what the app needs and nothing of the test or packaging tools."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from tests.support.components import missing

ROOT = Path(__file__).resolve().parents[3]


def _planned(target: str) -> list[str]:
    make = shutil.which("make")
    if make is None:
        missing("make", "apt-get install make")
    done = subprocess.run(
        [make, "--no-print-directory", "-n", "-B", "-C", str(ROOT), target],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return [line.strip() for line in done.stdout.splitlines() if line.strip()]


def test_make_run_installs_the_app_alone_then_starts_it() -> None:
    planned = _planned("run")
    installs = [line for line in planned if "pip install" in line and "--upgrade pip" not in line]
    assert installs == [".venv/bin/pip install -q -e ."], planned
    assert planned[-1] == ".venv/bin/switcher"


@pytest.mark.parametrize("target", ["test", "lint", "typecheck"])
def test_the_developer_targets_still_install_the_tools(target: str) -> None:
    planned = _planned(target)
    assert any("pip install" in line and "[dev" in line for line in planned), planned
