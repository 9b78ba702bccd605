"""Where switcher keeps its files (the XDG directories), and owner-only directories it creates."""

from __future__ import annotations

import os
import stat
import sys
from pathlib import Path

import pytest

from switcher.paths import cache_dir, config_dir, data_dir, log_dir, private_dir


def _mode(path: Path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


@pytest.mark.skipif(os.name != "posix", reason="POSIX modes")
def test_a_private_dir_and_the_parents_it_creates_are_owner_only(tmp_path: Path) -> None:
    os.chmod(tmp_path, 0o755)  # like ~/.local/share: not ours to change
    old_umask = os.umask(0o022)
    try:
        private_dir(tmp_path / "switcher" / "server")
    finally:
        os.umask(old_umask)
    assert _mode(tmp_path / "switcher") == 0o700
    assert _mode(tmp_path / "switcher" / "server") == 0o700
    assert _mode(tmp_path) == 0o755


@pytest.mark.skipif(os.name != "posix", reason="POSIX modes")
def test_an_existing_dir_is_made_owner_only_and_kept(tmp_path: Path) -> None:
    target = tmp_path / "made-by-hand"
    target.mkdir(mode=0o755)
    (target / "kept").write_text("x")
    private_dir(target)
    assert _mode(target) == 0o700
    assert (target / "kept").read_text() == "x"


@pytest.mark.skipif(sys.platform in ("win32", "darwin"), reason="XDG directories: Linux and BSDs")
@pytest.mark.parametrize(
    "xdg",
    [
        {},  # none set: the defaults under HOME
        {
            "XDG_DATA_HOME": "/d",
            "XDG_CONFIG_HOME": "/c",
            "XDG_STATE_HOME": "/s",
            "XDG_CACHE_HOME": "/k",
        },
        {
            "XDG_DATA_HOME": "relative/d",
            "XDG_CONFIG_HOME": "",
            "XDG_STATE_HOME": "~/s",
            "XDG_CACHE_HOME": "k",
        },
    ],
)
def test_the_xdg_directories_are_the_ones_platformdirs_names(
    xdg: dict[str, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Files kept by earlier versions (which asked platformdirs) are found where they are."""
    import platformdirs

    for name in (
        "SWITCHER_DATA_DIR",
        "SWITCHER_CONFIG_DIR",
        "SWITCHER_LOG_DIR",
        "SWITCHER_CACHE_DIR",
    ):
        monkeypatch.delenv(name, raising=False)
    for name in ("XDG_DATA_HOME", "XDG_CONFIG_HOME", "XDG_STATE_HOME", "XDG_CACHE_HOME"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))
    for name, value in xdg.items():
        monkeypatch.setenv(name, value)
    assert (data_dir(), config_dir(), cache_dir(), log_dir()) == (
        Path(platformdirs.user_data_dir("switcher", appauthor=False)),
        Path(platformdirs.user_config_dir("switcher", appauthor=False)),
        Path(platformdirs.user_cache_dir("switcher", appauthor=False)),
        Path(platformdirs.user_log_dir("switcher", appauthor=False)),
    )
