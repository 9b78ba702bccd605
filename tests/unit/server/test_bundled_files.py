"""The local server's generated secret: created once, owner-only, never printed."""

from __future__ import annotations

import os
import stat
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from switcher.server.bundled_files import SecretFileError, local_secret


def test_generated_once_and_kept_private(tmp_path: Path) -> None:
    path = tmp_path / "server" / "secret"
    first = local_secret(path)
    assert len(first) >= 32
    assert local_secret(path) == first
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert [p.name for p in path.parent.iterdir()] == ["secret"]


def test_concurrent_first_uses_agree(tmp_path: Path) -> None:
    path = tmp_path / "secret"
    with ThreadPoolExecutor(8) as pool:
        secrets = set(pool.map(lambda _: local_secret(path), range(16)))
    assert len(secrets) == 1


def test_a_secret_readable_by_others_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "secret"
    local_secret(path)
    os.chmod(path, 0o644)
    with pytest.raises(SecretFileError, match="chmod 600"):
        local_secret(path)


def test_an_empty_secret_file_is_refused_not_used(tmp_path: Path) -> None:
    path = tmp_path / "secret"
    path.touch(mode=0o600)
    with pytest.raises(SecretFileError, match="empty"):
        local_secret(path)
