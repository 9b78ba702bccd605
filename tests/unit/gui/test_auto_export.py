"""After a switch the active account reaches the chosen profile, or waits for it to close."""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Callable
from pathlib import Path

from pytestqt.qtbot import QtBot

from switcher.gui.auto_export import AutoExport
from switcher.gui.controller import Controller
from switcher.gui.settings import Settings
from tests.support.qt import wait_job
from tests.support.targets import PASSWORD, unique_email


def _session_in(profile: Path) -> str | None:
    db = profile / "cookies.sqlite"
    if not db.exists():
        return None
    try:
        with sqlite3.connect(db) as connection:
            row = connection.execute(
                "select value from moz_cookies where name = 'better-auth.session_token'"
            ).fetchone()
    except sqlite3.OperationalError:
        return None  # caught mid-write: ask again
    return str(row[0]) if row else None


def test_a_switch_is_exported_now_or_when_the_browser_closes(
    qtbot: QtBot, make_controller: Callable[..., Controller], tmp_path: Path
) -> None:
    controller = make_controller()
    emails = []
    for label in ("alice", "bob"):
        emails.append(unique_email(label))
        ok, message = wait_job(
            qtbot,
            controller,
            controller.add(emails[-1], PASSWORD, sign_up=True, name=label, remember=True),
        )
        assert ok, message
    profile = tmp_path / "firefox-profile"
    profile.mkdir()
    settings = Settings(auto_export_browser="firefox", auto_export_path=str(profile))
    auto = AutoExport(controller, settings)
    auto.timer.setInterval(100)
    notes: list[tuple[str, str]] = []
    controller.notify.connect(lambda title, message: notes.append((title, message)))

    def value_of(email: str) -> str:
        cookies = controller.service.device_cookies(email)
        return next(c.value for c in cookies if c.name == "better-auth.session_token")

    # Browser closed: the switch lands in the profile at once.
    wait_job(qtbot, controller, controller.switch(emails[0]))
    qtbot.waitUntil(lambda: _session_in(profile) == value_of(emails[0]), timeout=10000)

    # Browser open (its live lock): the export waits, then lands when it closes.
    (profile / "lock").symlink_to(f"127.0.0.1:+{os.getpid()}")
    wait_job(qtbot, controller, controller.switch(emails[1]))
    assert auto.waiting
    assert ("Export waits", "Firefox is open; the switch reaches it when it closes") in notes
    qtbot.wait(300)
    assert _session_in(profile) == value_of(emails[0])  # untouched while "running"
    (profile / "lock").unlink()
    qtbot.waitUntil(lambda: _session_in(profile) == value_of(emails[1]), timeout=10000)
    assert not auto.waiting
