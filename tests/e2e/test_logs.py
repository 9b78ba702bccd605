"""The log set-up in a windowed app: a process with no stdout or stderr at all."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

WINDOWED = """
import sys
sys.stdout = sys.stderr = None  # what a windowed app (switcher.exe, pythonw) has
import uvicorn
from switcher.logs import uvicorn_log_config

async def app(scope, receive, send):
    pass

config = uvicorn.Config(app, log_config=uvicorn_log_config(), log_level="info")
import logging
import os
logging.getLogger("uvicorn.error").info("a line with nowhere to print")
open(sys.argv[1], "w").write("configured")
"""


def test_uvicorn_logging_works_without_stdout_or_stderr(tmp_path: Path) -> None:
    marker = tmp_path / "marker"
    ran = subprocess.run(
        [sys.executable, "-c", WINDOWED, str(marker)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert ran.returncode == 0, ran.stderr
    assert marker.read_text() == "configured"
