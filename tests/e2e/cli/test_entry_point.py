"""``python -m switcher`` as a person starts it: its version, and no display."""

from __future__ import annotations

import os
from pathlib import Path

from switcher import __version__
from tests.support.cli import Cli


def test_version(tmp_path: Path) -> None:
    ran = Cli.subprocess(tmp_path, dict(os.environ))("--version")
    assert ran.stdout.strip() == f"switcher {__version__}"


def test_the_tray_app_without_a_display_says_what_to_do(tmp_path: Path) -> None:
    cli = Cli.subprocess(tmp_path, dict(os.environ)).with_env(
        DISPLAY=None, WAYLAND_DISPLAY=None, QT_QPA_PLATFORM=None
    )
    ran = cli(check=False)
    assert ran.returncode == 1
    assert ran.stderr.startswith("switcher: no display")
