"""The doctor's text report."""

from __future__ import annotations

from switcher.cli.doctor import render
from switcher.doctor import (
    Check,
    Report,
)


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
