"""How switcher asks to be started again (venv, bundle, Flatpak); where the host config is."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from switcher import app_identity
from switcher.app_identity import APP_ID, launch_command
from switcher.paths import host_config_home


def test_frozen_it_is_the_bundle_itself(monkeypatch: pytest.MonkeyPatch) -> None:
    # PyInstaller sets sys.frozen; sys.executable is then switcher's own binary.
    monkeypatch.setattr(sys, "frozen", True, raising=False)
    assert launch_command() == [sys.executable]


@pytest.fixture
def sandboxed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """As inside a Flatpak sandbox: /.flatpak-info exists (here, a stand-in file)."""
    info = tmp_path / ".flatpak-info"
    info.write_text("[Application]\nname=io.github.switcher.Switcher\n")
    monkeypatch.setattr(app_identity, "FLATPAK_INFO", info)
    return info


def test_in_our_flatpak_the_host_runs_the_app_id(
    sandboxed: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FLATPAK_ID", APP_ID)
    assert launch_command() == ["flatpak", "run", APP_ID]


def test_a_flatpak_id_inherited_from_another_app_is_not_ours(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # E.g. a pip-installed switcher started from a Flatpak editor's terminal.
    monkeypatch.setenv("FLATPAK_ID", "com.visualstudio.code")
    assert launch_command() == [sys.executable, "-m", "switcher"]


def test_the_host_config_home_from_inside_a_sandbox(
    sandboxed: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / ".var" / "app" / APP_ID / "config"))
    monkeypatch.setenv("HOST_XDG_CONFIG_HOME", str(tmp_path / "host-config"))
    assert host_config_home() == tmp_path / "host-config"
    monkeypatch.delenv("HOST_XDG_CONFIG_HOME")
    assert host_config_home() == Path.home() / ".config"


def test_the_host_config_home_outside_a_sandbox(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "mine"))
    monkeypatch.setenv("HOST_XDG_CONFIG_HOME", str(tmp_path / "ignored"))
    assert host_config_home() == tmp_path / "mine"
