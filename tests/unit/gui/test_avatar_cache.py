"""Account pictures kept as files: drawn once, read back after, never wrong or in the way."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from PySide6.QtGui import QImage, QPixmap
from pytestqt.qtbot import QtBot

from switcher.gui import avatar_cache
from switcher.gui.avatar_cache import AvatarCache
from switcher.gui.avatars import avatar_icon

SIZES = (16, 22, 24, 32, 48, 64)


def _images(icon_pixmaps: list[QPixmap]) -> list[QImage]:
    return [p.toImage().convertToFormat(QImage.Format.Format_ARGB32) for p in icon_pixmaps]


def _pixmaps(
    directory: Path, name: str, email: str, user_id: str, ring: bool = False
) -> tuple[list[QPixmap], int]:
    cache = AvatarCache(directory)
    icon = avatar_icon(name, email, user_id, ring=ring, cache=cache)
    return [icon.pixmap(size, size) for size in SIZES], cache.drawn


def test_a_picture_is_drawn_once_and_read_back_the_same_after(qtbot: QtBot, tmp_path: Path) -> None:
    first, drawn = _pixmaps(tmp_path, "Ann Lee", "ann@example.com", "u1", ring=True)
    assert drawn == len(SIZES)
    assert len(list(tmp_path.glob("*.png"))) == len(SIZES)
    again, drawn_again = _pixmaps(tmp_path, "Ann Lee", "ann@example.com", "u1", ring=True)
    assert drawn_again == 0  # a later start: no text drawn, so no fonts loaded
    assert _images(again) == _images(first)
    fresh, _ = _pixmaps(tmp_path / "elsewhere", "Ann Lee", "ann@example.com", "u1", ring=True)
    assert _images(fresh) == _images(first)


def test_what_the_picture_shows_decides_which_file_it_is(qtbot: QtBot, tmp_path: Path) -> None:
    _pixmaps(tmp_path, "Ann Lee", "ann@example.com", "u1")
    # Another email with the same initials and user: the same picture, nothing drawn.
    assert _pixmaps(tmp_path, "Ann Lee", "lee@work.example", "u1")[1] == 0
    assert _pixmaps(tmp_path, "Bob Lee", "ann@example.com", "u1")[1] == len(SIZES)  # initials
    assert _pixmaps(tmp_path, "Ann Lee", "ann@example.com", "u1", ring=True)[1] == len(SIZES)
    # No name or email in a file's name: two letters on a colour, named by a digest.
    names = " ".join(path.name for path in tmp_path.iterdir())
    assert "ann" not in names.lower() and "example" not in names


def test_a_damaged_file_is_drawn_again_and_replaced(qtbot: QtBot, tmp_path: Path) -> None:
    first, _ = _pixmaps(tmp_path, "Ann Lee", "ann@example.com", "u1")
    for path in tmp_path.glob("*.png"):
        path.write_bytes(b"\x89PNG half a picture")
    again, drawn = _pixmaps(tmp_path, "Ann Lee", "ann@example.com", "u1")
    assert drawn == len(SIZES)
    assert _images(again) == _images(first)
    assert _pixmaps(tmp_path, "Ann Lee", "ann@example.com", "u1")[1] == 0


def test_a_cache_that_is_a_file_still_gives_the_picture(qtbot: QtBot, tmp_path: Path) -> None:
    """As a read-only home or a full disk would (for root too): nothing can be kept."""
    (tmp_path / "avatars").write_text("not a directory")
    pictures, drawn = _pixmaps(tmp_path / "avatars", "Ann Lee", "ann@example.com", "u1")
    assert drawn == len(SIZES) and all(not p.isNull() for p in pictures)
    assert list(tmp_path.iterdir()) == [tmp_path / "avatars"]  # no stray temporary files


def test_pruning_keeps_the_pictures_in_use(
    qtbot: QtBot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(avatar_cache, "KEEP", 12)
    monkeypatch.setattr(avatar_cache, "PRUNE_AT", 24)
    _pixmaps(tmp_path, "Ann Lee", "ann@example.com", "u1")  # in use all along
    for n in range(4):  # the fourth one goes past PRUNE_AT
        time.sleep(0.02)  # distinct times on coarse file systems
        _pixmaps(tmp_path, f"Gone {n}", f"gone{n}@example.com", f"g{n}")
        time.sleep(0.02)
        assert _pixmaps(tmp_path, "Ann Lee", "ann@example.com", "u1")[1] == 0  # read: used
    assert len(list(tmp_path.glob("*.png"))) <= 24
    assert _pixmaps(tmp_path, "Ann Lee", "ann@example.com", "u1")[1] == 0
