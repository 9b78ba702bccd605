"""Settings persist; start at login writes and removes the XDG autostart entry."""

from __future__ import annotations

import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from switcher import __version__
from switcher.gui.settings import Settings, autostart_entry, set_start_at_login
from switcher.gui.settings_dialog import SettingsDialog
from tests.gui.conftest import OFFSCREEN_NOTES
from tests.support.components import missing


def test_settings_round_trip_and_sane_bounds(tmp_path: Path) -> None:
    path = tmp_path / "settings.json"
    assert Settings.load(path) == Settings()
    Settings(refresh_seconds=120, start_at_login=True).save(path)
    assert Settings.load(path) == Settings(120, True)
    path.write_text('{"refresh_seconds": 1}')
    assert Settings.load(path).refresh_seconds == 10
    path.write_text("garbage")
    assert Settings.load(path) == Settings()


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="XDG autostart is Linux's")
def test_start_at_login_is_an_xdg_autostart_entry(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path))
    set_start_at_login(True)
    entry = autostart_entry()
    assert entry == tmp_path / "autostart" / "io.github.switcher.Switcher.desktop"
    text = entry.read_text()
    assert "[Desktop Entry]" in text
    validator = shutil.which("desktop-file-validate")
    if validator is None:
        missing("desktop-file-validate", "apt-get install desktop-file-utils (make test does)")
    checked = subprocess.run([validator, str(entry)], capture_output=True, text=True, check=False)
    assert checked.returncode == 0, checked.stdout
    assert not checked.stdout.strip(), checked.stdout
    # The Exec line starts this very installation: run it with --version.
    (exec_line,) = (line for line in text.splitlines() if line.startswith("Exec="))
    command = shlex.split(exec_line.removeprefix("Exec="))
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
