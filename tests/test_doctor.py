"""The doctor's pure parts: bounding the checks, paths, the index, hints and the text report."""

from __future__ import annotations

import json
import threading
import time
from pathlib import Path

import pytest

from switcher.bundled import LOCAL
from switcher.cli.doctor import render
from switcher.doctor import (
    BUG_HINT,
    Check,
    Report,
    check_path,
    no_tray_hint,
    read_index,
    run_bounded,
)
from switcher.vault import Index, Server


def test_a_hung_or_crashing_check_is_a_failure_in_bounded_time() -> None:
    release = threading.Event()

    def hangs() -> list[Check]:
        release.wait()
        return [Check("hangs", "ok", "never seen")]

    def crashes() -> list[Check]:
        raise RuntimeError("boom")

    def works() -> list[Check]:
        return [Check("works", "ok", "fine"), Check("works too", "info", "also fine")]

    started = time.monotonic()
    try:
        checks = run_bounded([("hangs", hangs), ("crashes", crashes), ("works", works)], 0.5)
    finally:
        release.set()
    assert time.monotonic() - started < 2
    assert [(c.name, c.status) for c in checks] == [
        ("hangs", "fail"),
        ("crashes", "fail"),
        ("works", "ok"),
        ("works too", "info"),
    ]
    assert "did not finish within" in checks[0].summary
    assert "RuntimeError: boom" in checks[1].summary
    assert checks[1].hint == BUG_HINT


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


def test_the_index_is_read_as_saved_and_never_repaired(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SWITCHER_CONFIG_DIR", str(tmp_path))
    index, problem = read_index()
    assert problem is None
    assert list(index.servers) == [LOCAL]

    saved = Index.empty()
    saved.servers["work"] = Server("work", "https://work.example.com")
    (tmp_path / "accounts.json.bak").write_text(json.dumps(saved.to_json()))
    (tmp_path / "accounts.json").write_text("{ torn")
    index, problem = read_index()
    assert problem is not None
    assert problem.status == "warn"
    assert "accounts.json.bak" in problem.summary
    assert set(index.servers) == {LOCAL, "work"}
    assert (tmp_path / "accounts.json").read_text() == "{ torn"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["accounts.json", "accounts.json.bak"]


@pytest.mark.parametrize(
    ("desktop", "gnome"),
    [("GNOME", True), ("ubuntu:GNOME", True), ("GNOME-Classic:GNOME", True), ("KDE", False)],
)
def test_the_appindicator_hint_is_for_gnome_only(desktop: str, gnome: bool) -> None:
    hint = no_tray_hint(desktop, "xcb")
    assert ("gnome-shell-extension-appindicator" in hint) == gnome
    assert "accounts window" in hint


def test_the_text_report() -> None:
    report = Report(
        switcher="9.9",
        python="3.11.0",
        platform="Linux-x",
        pyside6=None,
        checks=(
            Check("keyring", "ok", "works"),
            Check("tray", "warn", "no tray", hint="word " * 40, details=("a detail",)),
            Check("server:down", "fail", "cannot connect", hint="start it"),
        ),
    )
    text = render(report)
    lines = text.splitlines()
    assert lines[0] == "switcher 9.9, Python 3.11.0, Linux-x, PySide6 not installed"
    assert "ok    keyring      works" in lines
    assert "WARN  tray         no tray" in lines
    assert "                   a detail" in lines
    assert "FAIL  server:down  cannot connect" in lines
    assert "                   what to do: start it" in lines
    assert all(len(line) <= 100 for line in lines)
    assert lines[-1] == "1 failed, 1 warning (see what to do above)."
    assert report.failed
    assert report.to_json()["ok"] is False
    healthy = Report("9.9", "3.11.0", "Linux-x", "6.0", (Check("keyring", "ok", "works"),))
    assert render(healthy).splitlines()[-1] == "Everything switcher needs works here."
