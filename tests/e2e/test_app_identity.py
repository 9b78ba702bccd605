"""The launch command from a venv really starts switcher."""

from __future__ import annotations

import subprocess
import sys

from switcher import __version__
from switcher.app_identity import launch_command


def test_from_python_it_is_this_interpreter_with_the_module() -> None:
    command = launch_command()
    assert command == [sys.executable, "-m", "switcher"]
    ran = subprocess.run(
        [*command, "--version"], capture_output=True, text=True, timeout=60, check=True
    )
    assert ran.stdout.strip() == f"switcher {__version__}"
