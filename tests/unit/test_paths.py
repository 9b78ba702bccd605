"""Owner-only directories (paths.private_dir): each one switcher creates, parents too."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from switcher.paths import private_dir


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
