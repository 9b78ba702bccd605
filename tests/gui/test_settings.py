"""Settings persist; start at login writes and removes the XDG autostart entry."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from switcher import __version__, app_identity
from switcher.app_identity import APP_ID
from switcher.gui.settings import Settings, autostart_entry, set_start_at_login
from switcher.gui.settings_dialog import SettingsDialog
from tests.gui.conftest import OFFSCREEN_NOTES
from tests.support.components import missing
from tests.support.desktop_entry import exec_line, parse_exec


def test_settings_round_trip_and_sane_bounds(tmp_path: Path) -> None:
    path = tmp_path / "settings.json"
    assert Settings.load(path) == Settings()
    Settings(refresh_seconds=120, start_at_login=True).save(path)
    assert Settings.load(path) == Settings(120, True)
    path.write_text('{"refresh_seconds": 1}')
    assert Settings.load(path).refresh_seconds == 10
    path.write_text("garbage")
    assert Settings.load(path) == Settings()


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


@pytest.mark.qt_log_ignore(*OFFSCREEN_NOTES)
@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="XDG autostart is Linux's")
def test_the_settings_dialog_saves_and_sets_up_autostart(
    qtbot: QtBot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))
    monkeypatch.setenv("SWITCHER_CONFIG_DIR", str(tmp_path / "config"))
    settings = Settings()
    from switcher.browsers import Profile

    profile = Profile("firefox", "work", tmp_path / "fx")
    dialog = SettingsDialog(settings, profiles=[profile])
    qtbot.addWidget(dialog)
    dialog.refresh.setValue(300)
    dialog.autostart.setChecked(True)
    dialog.export_to.setCurrentIndex(1)
    with qtbot.waitSignal(dialog.accepted, timeout=2000):
        dialog.save()
    saved = Settings.load(tmp_path / "config" / "settings.json")
    assert saved == Settings(300, True, "firefox", str(tmp_path / "fx"))
    assert (tmp_path / "xdg" / "autostart" / "io.github.switcher.Switcher.desktop").exists()


def test_from_a_flatpak_sandbox_autostart_goes_to_the_hosts_config(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The desktop reads ~/.config/autostart, not the sandbox's ~/.var/app/<id>/config.
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "sandbox-config"))
    monkeypatch.setenv("HOST_XDG_CONFIG_HOME", str(tmp_path / "host-config"))
    info = tmp_path / ".flatpak-info"
    info.write_text("[Application]\n")
    monkeypatch.setattr(app_identity, "FLATPAK_INFO", info)
    assert autostart_entry() == tmp_path / "host-config" / "autostart" / f"{APP_ID}.desktop"
