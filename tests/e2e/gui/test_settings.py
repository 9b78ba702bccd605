"""Start at login: the XDG autostart entry passes the real desktop-file-validate."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from switcher import __version__
from switcher.gui.settings import autostart_entry, set_start_at_login
from tests.support.components import missing
from tests.support.desktop_entry import exec_line, parse_exec


def validate(entry: Path) -> None:
    validator = shutil.which("desktop-file-validate")
    if validator is None:
        missing("desktop-file-validate", "apt-get install desktop-file-utils (make test does)")
    checked = subprocess.run([validator, str(entry)], capture_output=True, text=True, check=False)
    assert checked.returncode == 0, checked.stdout
    assert not checked.stdout.strip(), checked.stdout


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="XDG autostart is Linux's")
def test_start_at_login_is_an_xdg_autostart_entry(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path))
    set_start_at_login(True)
    entry = autostart_entry()
    assert entry == tmp_path / "autostart" / "io.github.switcher.Switcher.desktop"
    assert "[Desktop Entry]" in entry.read_text()
    validate(entry)
    # The Exec line starts this very installation: run it with --version.
    command = parse_exec(exec_line(entry))
    assert command == [sys.executable, "-m", "switcher"]
    ran = subprocess.run(
        [*command, "--version"], capture_output=True, text=True, timeout=60, check=False
    )
    assert ran.stdout.strip() == f"switcher {__version__}"
    # Turning it off also removes the entry older versions wrote.
    old = tmp_path / "autostart" / "switcher.desktop"
    old.write_text("[Desktop Entry]\n")
    set_start_at_login(False)
    assert not entry.exists()
    assert not old.exists()


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="XDG autostart is Linux's")
def test_an_installation_path_with_spaces_and_symbols_still_starts(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A venv under "My Apps $work (2)/50%": shell quoting would make an
    # entry desktops reject; the spec's own quoting must survive the round trip.
    odd = tmp_path / "My Apps $work (2)" / '50% "done"'
    odd.mkdir(parents=True)
    python = odd / "python"
    python.write_text(f'#!/bin/sh\nexec "{sys.executable}" "$@"\n')
    python.chmod(0o755)
    monkeypatch.setattr(sys, "executable", str(python))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    set_start_at_login(True)
    entry = autostart_entry()
    validate(entry)
    command = parse_exec(exec_line(entry))
    assert command == [str(python), "-m", "switcher"]
    ran = subprocess.run(
        [*command, "--version"], capture_output=True, text=True, timeout=60, check=False
    )
    assert ran.stdout.strip() == f"switcher {__version__}", ran.stderr
