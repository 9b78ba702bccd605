"""How switcher asks to be started again: from a venv, a frozen bundle, or Flatpak."""

from __future__ import annotations

import subprocess
import sys

import pytest

from switcher import __version__
from switcher.app_identity import APP_ID, launch_command


def test_from_python_it_is_this_interpreter_with_the_module() -> None:
    command = launch_command()
    assert command == [sys.executable, "-m", "switcher"]
    ran = subprocess.run(
        [*command, "--version"], capture_output=True, text=True, timeout=60, check=True
    )
    assert ran.stdout.strip() == f"switcher {__version__}"


def test_frozen_it_is_the_bundle_itself(monkeypatch: pytest.MonkeyPatch) -> None:
    # PyInstaller sets sys.frozen; sys.executable is then switcher's own binary.
    monkeypatch.setattr(sys, "frozen", True, raising=False)
    assert launch_command() == [sys.executable]


def test_in_flatpak_the_host_runs_the_app_id(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FLATPAK_ID", APP_ID)
    assert launch_command() == ["flatpak", "run", APP_ID]
