"""Where the app's channel lives: the same place for every shell of the same user."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

import switcher.app_channel
from switcher.app_channel import runtime_dir


@pytest.fixture
def session_root(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A stand-in for /run/user, with this user's 0700 directory in it."""
    root = tmp_path / "run-user"
    (root / str(os.getuid())).mkdir(mode=0o700, parents=True)
    monkeypatch.setattr(switcher.app_channel, "SESSION_RUNTIME_ROOT", root)
    return root


def test_a_shell_without_xdg_runtime_dir_finds_the_desktop_sessions_channel(
    session_root: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """su, sudo -u and ssh drop the variable; the app started by the desktop had it."""
    desktop = session_root / str(os.getuid())
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(desktop))
    seen_by_the_app = runtime_dir()
    monkeypatch.delenv("XDG_RUNTIME_DIR")
    assert runtime_dir() == seen_by_the_app == desktop / "switcher"


def test_a_session_directory_open_to_others_is_not_used(
    session_root: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    (session_root / str(os.getuid())).chmod(0o755)
    monkeypatch.delenv("XDG_RUNTIME_DIR", raising=False)
    monkeypatch.setenv("TMPDIR", str(tmp_path / "tmp"))
    (tmp_path / "tmp").mkdir()
    import tempfile

    monkeypatch.setattr(tempfile, "tempdir", None)  # TMPDIR is read again
    assert runtime_dir().parent == tmp_path / "tmp"
