"""Notifications where there is no notification server: handed back, nothing lost or stuck."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from switcher.gui.notifier import Notifier, _escaped

HandedBack = tuple[Notifier, list[tuple[str, str]]]


@pytest.fixture
def handed_back(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[HandedBack]:
    """A notifier with no session bus to reach, and what it hands back to be shown otherwise."""
    monkeypatch.setenv("DBUS_SESSION_BUS_ADDRESS", f"unix:path={tmp_path / 'nobody'}")
    notifier = Notifier()
    back: list[tuple[str, str]] = []
    notifier.unavailable.connect(lambda title, message: back.append((title, message)))
    yield notifier, back
    notifier.stop()


def test_without_a_session_bus_each_notification_comes_back_to_be_shown_another_way(
    qtbot: QtBot, handed_back: HandedBack
) -> None:
    notifier, back = handed_back
    notifier.show("Exported", "alice is signed in in Firefox")
    notifier.show("Session ended", "bob's session was revoked", actions=(("x", "X"),))
    qtbot.waitUntil(lambda: len(back) == 2, timeout=5000)
    assert back == [
        ("Exported", "alice is signed in in Firefox"),
        ("Session ended", "bob's session was revoked"),
    ]


def test_a_servers_text_is_never_read_as_markup() -> None:
    assert _escaped("<b>Eve</b> & co") == "&lt;b&gt;Eve&lt;/b&gt; &amp; co"


def test_a_servers_control_characters_never_reach_a_notification(
    qtbot: QtBot, handed_back: HandedBack
) -> None:
    """Also where it falls back to the tray's balloon or the window's status bar."""
    notifier, back = handed_back
    notifier.show("Sign-in failed\x1b]0;x\x07", "the site said: \x1b[2Jno\u202eway")
    qtbot.waitUntil(lambda: len(back) == 1, timeout=5000)
    assert back == [("Sign-in failed?]0;x?", "the site said: ?[2Jno?way")]
