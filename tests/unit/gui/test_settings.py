"""Settings persist; start at login writes and removes the XDG autostart entry."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from switcher import app_identity
from switcher.app_identity import APP_ID
from switcher.gui.settings import Settings, autostart_entry
from switcher.gui.settings_dialog import SettingsDialog
from tests.support.qt import OFFSCREEN_NOTES


def test_settings_round_trip_and_sane_bounds(tmp_path: Path) -> None:
    path = tmp_path / "settings.json"
    assert Settings.load(path) == Settings()
    Settings(refresh_seconds=120, start_at_login=True).save(path)
    assert Settings.load(path) == Settings(120, True)
    path.write_text('{"refresh_seconds": 1}')
    assert Settings.load(path).refresh_seconds == 10
    path.write_text("garbage")
    assert Settings.load(path) == Settings()


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
    assert dialog.keep_alive.isChecked()  # on unless turned off
    dialog.keep_alive.setChecked(False)
    with qtbot.waitSignal(dialog.accepted, timeout=2000):
        dialog.save()
    saved = Settings.load(tmp_path / "config" / "settings.json")
    assert saved == Settings(300, True, "firefox", str(tmp_path / "fx"), keep_sessions_alive=False)
    # The command line's refreshes follow the same setting.
    from switcher.bootstrap import keeps_sessions_alive

    assert keeps_sessions_alive() is False
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
