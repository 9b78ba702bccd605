"""The tray menu: kept in step with memory, one radio entry per account, pending shown."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QMenu, QSystemTrayIcon
from pytestqt.qtbot import QtBot

from switcher.gui import tray as tray_module
from switcher.gui.avatars import neutral_icon
from switcher.gui.controller import Controller
from switcher.gui.jobs import Job, JobKind
from switcher.gui.tray import Tray
from tests.support.memory_keyring import MemoryKeyring
from tests.support.qt import add_account, sign_out_elsewhere, wait_job
from tests.support.targets import PASSWORD, Target, unique_email


def _texts(tray: Tray) -> list[str]:
    return [a.text() for a in tray.menu.actions() if not a.isSeparator() and a.isVisible()]


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


def test_accounts_are_radio_entries_kept_in_step_without_opening_the_menu(
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
    # The menu shows both before anyone opens it (a panel reads it over D-Bus).
    entries = [tray.action_for(email) for email in emails]
    assert all(entry is not None and entry.isCheckable() for entry in entries)
    # One active account at a time: an exclusive group, exported as radio items.
    group = entries[0].actionGroup()  # type: ignore[union-attr]
    assert group is not None and group.isExclusive()
    assert group is entries[1].actionGroup()  # type: ignore[union-attr]
    assert [entry.isChecked() for entry in entries] == [False, True]  # type: ignore[union-attr]
    assert tray.icon.toolTip() == f"Bob — {emails[1]} — test"
    # Opening the menu asks for nothing and changes nothing: no keyring read,
    # no request, the same entries.
    reads = backend.reads
    tray.menu.aboutToShow.emit()
    assert backend.reads == reads
    assert not controller.is_pending(Job(JobKind.REFRESH))
    assert [tray.action_for(email) for email in emails] == entries
    browser_menu = next(a.menu() for a in tray.menu.actions() if a.text() == "Open in browser as")
    assert isinstance(browser_menu, QMenu)
    assert [a.text() for a in browser_menu.actions()] == [
        f"Alice <{emails[0]}>",
        f"Bob <{emails[1]}>",
    ]
    # Clicking the other account switches; the entry shows it is pending
    # meanwhile, and the check stays on the active account until it is done.
    entries[0].trigger()  # type: ignore[union-attr]
    assert controller.is_pending(Job(JobKind.SWITCH, emails[0]))
    assert entries[0].text().endswith("(switching…)")  # type: ignore[union-attr]
    assert not entries[0].isEnabled()  # type: ignore[union-attr]
    assert [entry.isChecked() for entry in entries] == [False, True]  # type: ignore[union-attr]
    qtbot.waitUntil(lambda: not controller.pending, timeout=20000)
    assert [entry.isChecked() for entry in entries] == [True, False]  # type: ignore[union-attr]
    assert [tray.action_for(email) for email in emails] == entries
    assert tray.icon.toolTip() == f"Alice — {emails[0]} — test"
    assert _texts(tray)[0] == "test — online"
    # Clicking the active account changes nothing and leaves it checked.
    entries[0].trigger()  # type: ignore[union-attr]
    assert not controller.pending
    assert [entry.isChecked() for entry in entries] == [True, False]  # type: ignore[union-attr]


def test_accounts_that_come_and_go_change_only_their_own_entries(
    qtbot: QtBot, make_controller: Callable[..., Controller]
) -> None:
    """A panel keeps the ids of a menu's entries: adding or revoking one account
    must not make the others new (and must not leak submenus)."""
    controller = make_controller()
    tray = Tray(controller)
    menus_before = len(tray.menu.findChildren(QMenu))
    emails = [unique_email(f"keep{i}") for i in range(3)]
    for email in emails:
        ok, message = wait_job(
            qtbot, controller, controller.add(email, PASSWORD, sign_up=True, name="", remember=True)
        )
        assert ok, message
    assert "No accounts yet" not in [a.text() for a in tray.menu.actions() if a.isVisible()]
    frame = [a for a in tray.menu.actions() if a.data() is None]
    first, middle, last = (tray.action_for(email) for email in emails)
    ok, message = wait_job(qtbot, controller, controller.revoke(emails[1]))
    assert ok, message
    assert tray.action_for(emails[1]) is None
    assert tray.action_for(emails[0]) is first and tray.action_for(emails[2]) is last
    assert [a for a in tray.menu.actions() if a.data() is None] == frame
    added = unique_email("keep-new")
    ok, message = wait_job(
        qtbot, controller, controller.add(added, PASSWORD, sign_up=True, name="", remember=True)
    )
    assert ok, message
    assert tray.action_for(emails[0]) is first and tray.action_for(emails[2]) is last
    accounts = [a.data() for a in tray.menu.actions() if a.data()]
    assert accounts == [emails[0], emails[2], added]
    for _ in range(20):
        tray.menu.aboutToShow.emit()
        controller.changed.emit()
    assert len(tray.menu.findChildren(QMenu)) == menus_before
    assert middle is not None


def test_a_left_click_opens_the_accounts_window_where_the_panel_draws_the_menu(
    qtbot: QtBot, make_controller: Callable[..., Controller]
) -> None:
    """A StatusNotifierItem has no geometry Qt knows: a menu popped there would
    open at the screen's corner, so a left click shows the accounts window."""
    tray = Tray(make_controller())
    assert tray.icon.geometry().isEmpty()  # offscreen: no tray, as on a D-Bus panel
    shown: list[str] = []
    tray.manage.connect(lambda: shown.append("window"))
    tray.pick.connect(lambda: shown.append("pick"))
    tray.icon.activated.emit(QSystemTrayIcon.ActivationReason.Trigger)
    assert shown == ["window"]
    assert not tray.menu.isVisible()
    tray.icon.activated.emit(QSystemTrayIcon.ActivationReason.MiddleClick)
    assert shown == ["window", "pick"]


def _contrast(one: QColor, other: QColor) -> float:
    def luminance(colour: QColor) -> float:
        def channel(value: float) -> float:
            return value / 12.92 if value <= 0.03928 else ((value + 0.055) / 1.055) ** 2.4

        return (
            0.2126 * channel(colour.redF())
            + 0.7152 * channel(colour.greenF())
            + 0.0722 * channel(colour.blueF())
        )

    light, dark = sorted((luminance(one), luminance(other)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


@pytest.mark.parametrize("panel", ["#ffffff", "#f6f5f4", "#1e1e1e", "#000000", "#303030"])
def test_the_no_account_icon_reads_on_light_and_dark_panels(qtbot: QtBot, panel: str) -> None:
    """Its colours do not depend on a palette that says nothing of the panel."""
    image = neutral_icon().pixmap(22, 22).toImage()
    drawn = [
        image.pixelColor(x, y)
        for x in range(image.width())
        for y in range(image.height())
        if image.pixelColor(x, y).alpha() == 255
    ]
    assert len(drawn) > 22 * 22 // 5
    readable = [c for c in drawn if _contrast(c, QColor(panel)) >= 3.0]
    assert len(readable) == len(drawn)


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
    return [a.text() for a in menu.actions() if a.isVisible()]


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
    (entry,) = (a for a in menu.actions() if a.isVisible())
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


def test_names_with_ampersands_and_underscores_read_as_typed_in_either_kind_of_menu() -> None:
    """Qt draws "&&" as "&"; a panel (dbusmenu) reads "_" as a shortcut mark, "__" as
    "_", and gets the first "&" turned into "_" by Qt on the way."""
    from switcher.gui.tray import menu_text

    assert menu_text("Carol_Ann & <Co>") == "Carol_Ann && <Co>"
    exported = menu_text("Carol_Ann & <Co>", exported=True)
    assert exported == "&Carol__Ann & <Co>"
    # What Qt exports (its first "&" becomes "_"), then what the panel shows.
    sent = exported.replace("&", "_", 1)
    assert sent.replace("__", "\0").replace("_", "").replace("\0", "_") == "Carol_Ann & <Co>"


@pytest.mark.parametrize("panel", ["#ffffff", "#353535", "#1e1e1e"])
def test_every_accounts_tray_icon_stands_out_on_the_panel(
    qtbot: QtBot, make_controller: Callable[..., Controller], panel: str
) -> None:
    """Initials on any of the avatar colours: a white ring on dark panels, the colour on
    light ones (indigo on #353535 alone was 1.6:1)."""
    from switcher.gui.avatars import _PALETTE, colour_for
    from switcher.vault import Account

    controller = make_controller()
    seen: set[str] = set()
    for n in range(200):
        account = Account(f"user-{n}", f"u{n}@example.com", name=f"User {n}")
        colour = colour_for(account.user_id).name()
        if colour in seen:
            continue
        seen.add(colour)
        image = controller.tray_icon_for(account).pixmap(22, 22).toImage()
        drawn = [
            image.pixelColor(x, y)
            for x in range(22)
            for y in range(22)
            if image.pixelColor(x, y).alpha() == 255
        ]
        standing_out = [c for c in drawn if _contrast(c, QColor(panel)) >= 3.0]
        assert len(standing_out) >= len(drawn) // 5, (colour, panel)
    assert len(seen) == len(_PALETTE)


def test_choosing_an_account_whose_session_ended_signs_it_in_again(
    qtbot: QtBot, make_controller: Callable[..., Controller], server: Target
) -> None:
    """Its entry says so and stays enabled: signing in again is what there is to do."""
    controller = make_controller()
    tray = Tray(controller)
    alice, bob = (
        add_account(qtbot, controller, "alice"),
        add_account(qtbot, controller, "bob"),
    )
    sign_out_elsewhere(controller, server.base_url, alice)
    ok, message = wait_job(qtbot, controller, controller.refresh())
    assert ok, message
    entry = tray.action_for(alice)
    assert entry is not None
    assert entry.text().endswith("(revoked elsewhere: sign in again…)")
    assert entry.isEnabled()
    asked: list[str] = []
    tray.sign_in_again.connect(asked.append)
    entry.trigger()
    assert asked == [alice]
    assert not controller.pending  # no switch to a session that is gone
    assert not entry.isChecked()
    assert tray.action_for(bob).isChecked()  # type: ignore[union-attr]
