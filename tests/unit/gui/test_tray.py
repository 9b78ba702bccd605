"""The tray menu: built from memory, one checkable entry per account, pending shown."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from PySide6.QtWidgets import QMenu
from pytestqt.qtbot import QtBot

from switcher.gui import tray as tray_module
from switcher.gui.controller import Controller
from switcher.gui.jobs import Job, JobKind
from switcher.gui.tray import Tray
from tests.support.memory_keyring import MemoryKeyring
from tests.support.qt import wait_job
from tests.support.targets import PASSWORD, unique_email


def _texts(tray: Tray) -> list[str]:
    return [a.text() for a in tray.menu.actions() if not a.isSeparator()]


def test_an_empty_menu_invites_adding_an_account(
    qtbot: QtBot, make_controller: Callable[..., Controller]
) -> None:
    tray = Tray(make_controller())
    texts = _texts(tray)
    assert texts[0].startswith("test — ")
    assert "No accounts yet" in texts
    assert "Add account…" in texts
    assert texts[texts.index("Add account…") + 1] == "Sign in with browser…"
    assert tray.icon.toolTip().startswith("switcher — no active account — test")


def test_accounts_are_checkable_entries_with_the_active_one_checked(
    qtbot: QtBot, make_controller: Callable[..., Controller], backend: MemoryKeyring
) -> None:
    controller = make_controller()
    tray = Tray(controller)
    emails = []
    for label in ("alice", "bob"):
        email = unique_email(label)
        emails.append(email)
        ok, message = wait_job(
            qtbot,
            controller,
            controller.add(email, PASSWORD, sign_up=True, name=label.title(), remember=True),
        )
        assert ok, message
    # Opening the menu rebuilds it from memory: no keyring read, no request.
    reads = backend.reads
    tray.menu.aboutToShow.emit()
    assert backend.reads == reads
    assert not controller.is_pending(Job(JobKind.REFRESH))
    browser_menu = next(a.menu() for a in tray.menu.actions() if a.text() == "Open in browser as")
    assert isinstance(browser_menu, QMenu)
    assert [a.text() for a in browser_menu.actions()] == [
        f"Alice <{emails[0]}>",
        f"Bob <{emails[1]}>",
    ]
    entries = [tray.action_for(email) for email in emails]
    assert all(entry is not None and entry.isCheckable() for entry in entries)
    assert [entry.isChecked() for entry in entries] == [False, True]  # type: ignore[union-attr]
    assert tray.icon.toolTip() == f"Bob — {emails[1]} — test"
    # Clicking the other account switches; the entry shows it is pending meanwhile.
    entries[0].trigger()  # type: ignore[union-attr]
    assert controller.is_pending(Job(JobKind.SWITCH, emails[0]))
    tray.rebuild()
    pending = tray.action_for(emails[0])
    assert pending is not None
    assert pending.text().endswith("(switching…)")
    assert not pending.isEnabled()
    qtbot.waitUntil(lambda: not controller.pending, timeout=20000)
    tray.menu.aboutToShow.emit()
    assert tray.action_for(emails[0]).isChecked()  # type: ignore[union-attr]
    assert tray.icon.toolTip() == f"Alice — {emails[0]} — test"
    header = _texts(tray)[0]
    assert header == "test — online"


def _chromium_profile(home: Path, name: str) -> Path:
    """Chromium's Default profile under ``home``, named ``name`` in its Local State."""
    data = home / ".config" / "chromium"
    (data / "Default").mkdir(parents=True)
    state = {"profile": {"info_cache": {"Default": {"name": name}}, "last_used": "Default"}}
    (data / "Local State").write_text(json.dumps(state))
    return data / "Default"


def _export_entries(tray: Tray) -> list[str]:
    menu = next(a.menu() for a in tray.menu.actions() if a.text() == "Export to browser")
    assert isinstance(menu, QMenu)
    return [a.text() for a in menu.actions()]


def test_the_export_menu_lists_profiles_and_notices_new_ones(
    qtbot: QtBot,
    make_controller: Callable[..., Controller],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.delenv("XDG_CONFIG_HOME", raising=False)
    tray = Tray(make_controller())
    tray.menu.aboutToShow.emit()
    assert _export_entries(tray) == ["No browser profiles found"]

    _chromium_profile(tmp_path, "Work")
    # Looked up at most once a minute: not yet...
    tray.menu.aboutToShow.emit()
    assert _export_entries(tray) == ["No browser profiles found"]
    # ...but once that minute has passed, the new profile is there without a restart.
    monkeypatch.setattr(tray_module, "PROFILES_MAX_AGE", 0.0)
    tray.menu.aboutToShow.emit()
    assert _export_entries(tray) == ["Chromium — Work  (default)"]


def test_import_from_a_browser_brings_its_sessions_in_and_says_what_came(
    qtbot: QtBot,
    make_controller: Callable[..., Controller],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import time
    from urllib.parse import urlsplit

    from switcher.browsers import chromium
    from switcher.protocol.cookie import Cookie
    from tests.support.browser import Browser

    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.delenv("XDG_CONFIG_HOME", raising=False)
    controller = make_controller()
    site = controller.service.server()
    host = urlsplit(site.url).hostname or ""
    # A browser signed in to two accounts through the site's own switcher.
    browser = Browser(site.url)
    emails = [unique_email("tray-a"), unique_email("tray-b")]
    for email in emails:
        made = browser.post("/sign-up/email", {"email": email, "password": PASSWORD, "name": "T"})
        assert made.status_code == 200, made.text
    browser.close()
    later = time.time() + 3600
    cookies = [Cookie(n, v, host, expires=later) for n, v in browser.jar.items()]
    profile = _chromium_profile(tmp_path, "Work")
    chromium.export(profile, cookies, backup_dir=tmp_path / "b", encryption="v10", platform="linux")

    tray = Tray(controller)
    tray.menu.aboutToShow.emit()
    menu = next(a.menu() for a in tray.menu.actions() if a.text() == "Import from browser")
    assert isinstance(menu, QMenu)
    (entry,) = menu.actions()
    assert entry.text() == "Chromium — Work  (default)"
    told: list[tuple[str, str]] = []
    controller.notify.connect(lambda title, text: told.append((title, text)))
    entry.trigger()
    qtbot.waitUntil(lambda: not controller.pending, timeout=20000)
    assert told[-1][0] == "Imported from the browser"
    assert told[-1][1].startswith("added ")
    assert sorted(told[-1][1].removeprefix("added ").split(", ")) == sorted(emails)
    assert sorted(a.email for a in controller.snapshot.accounts) == sorted(emails)


def test_a_servers_odd_names_stay_one_short_line_in_the_menu(
    qtbot: QtBot, make_controller: Callable[..., Controller]
) -> None:
    """A user's name is whatever the server says: newlines, a tab, "&", or a novel."""
    controller = make_controller()
    for name in ("Evil\nName\tQ&A", "N" * 5000):
        ok, message = wait_job(
            qtbot,
            controller,
            controller.add(unique_email("odd"), PASSWORD, sign_up=True, name=name, remember=True),
        )
        assert ok, message
    tray = Tray(controller)
    entries = [tray.action_for(a.email) for a in controller.snapshot.accounts]
    odd, long = (entry.text() for entry in entries if entry is not None)
    assert odd.startswith("Evil Name Q&&A <")  # "&&" shows one "&", not a shortcut
    assert "\t" not in odd and "\n" not in odd
    assert len(long) < 140 and "…" in long
    assert "\n" not in tray.icon.toolTip()
    assert len(tray.icon.toolTip()) < 200
