"""The doctor's path checks."""

from __future__ import annotations

from pathlib import Path

from switcher.doctor import (
    check_path,
)


def test_paths(tmp_path: Path) -> None:
    existing = check_path("data", "data", tmp_path, "SWITCHER_DATA_DIR")
    assert existing.status == "ok"
    assert existing.facts == {
        "path": str(tmp_path),
        "exists": True,
        "writable": True,
        "override": "SWITCHER_DATA_DIR",
    }
    later = check_path("data", "data", tmp_path / "a" / "b", "SWITCHER_DATA_DIR")
    assert later.status == "ok"
    assert "made on first use" in later.summary
    blocker = tmp_path / "file"
    blocker.write_text("")
    for path in (blocker, blocker / "below"):
        blocked = check_path("logs", "log", path, "SWITCHER_LOG_DIR")
        assert blocked.status == "fail", path
        assert blocked.hint is not None
        assert "SWITCHER_LOG_DIR" in blocked.hint
