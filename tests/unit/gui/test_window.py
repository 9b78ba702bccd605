"""The accounts window: one row per account, actions, keyboard and shortcuts."""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterator
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from PySide6.QtCore import QLocale, Qt
from PySide6.QtGui import QAccessible, QColor, QFont, QImage, QPalette
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractItemView,
    QApplication,
    QStyleFactory,
    QWidget,
)
from pytestqt.qtbot import QtBot

from switcher.bundled import LOCAL, LOCAL_URL
from switcher.gui.controller import Controller
from switcher.gui.jobs import Job, JobKind
from switcher.gui.state import Snapshot
from switcher.gui.window import AccountsWindow
from switcher.vault import Account, AccountStatus
from tests.support.qt import OFFSCREEN_NOTES, wait_job
from tests.support.targets import PASSWORD, unique_email

pytestmark = pytest.mark.qt_log_ignore(*OFFSCREEN_NOTES)

FIREFOX_LINUX = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"
KOLKATA = ZoneInfo("Asia/Kolkata")  # UTC+5:30 all year: local times are unmistakable
NOW = datetime(2026, 11, 30, 15, 30, tzinfo=KOLKATA)  # 10:00 UTC


def view_of(window: AccountsWindow) -> QAbstractItemView:
    view = window.findChild(QAbstractItemView)
    assert view is not None
    return view


def data(window: AccountsWindow, row: int, role: Qt.ItemDataRole) -> Any:
    view = view_of(window)
    return view.model().index(row, 0).data(role)


def spoken(window: AccountsWindow, row: int) -> str:
    """What a screen reader says for the row."""
    return str(data(window, row, Qt.ItemDataRole.AccessibleTextRole) or "")


def show(
    controller: Controller,
    *accounts: Account,
    active: str | None = None,
    server: str = "test",
    url: str = "http://127.0.0.1:9",
) -> None:
    """Put these accounts on screen, as a finished job's snapshot would."""
    controller.snapshot = Snapshot(
        server, url, ((server, url),), accounts, active_id=active,
        generation=controller.snapshot.generation,
    )  # fmt: skip
    controller.changed.emit()


def window_on(qtbot: QtBot, controller: Controller, *, shown: bool = False) -> AccountsWindow:
    """The accounts window over ``controller``; ``shown``: on screen, exposed."""
    window = AccountsWindow(controller)
    qtbot.addWidget(window)
    if shown:
        window.show()
        qtbot.waitExposed(window)
    return window


def selected_email(window: AccountsWindow) -> str | None:
    """The email of the account selected in the window, None when none is."""
    selected = window.selected()
    return selected.email if selected is not None else None


def person(n: int, **fields: Any) -> Account:
    fields.setdefault("email", f"person{n}@example.com")
    fields.setdefault("name", f"Person {n}")
    return Account(f"u{n}", **fields)


@pytest.fixture
def in_kolkata(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The process's local zone is Kolkata, its locale British English, for one test."""
    monkeypatch.setenv("TZ", "Asia/Kolkata")
    time.tzset()
    before = QLocale()
    QLocale.setDefault(QLocale(QLocale.Language.English, QLocale.Country.UnitedKingdom))
    yield
    QLocale.setDefault(before)
    monkeypatch.undo()
    time.tzset()


def test_at_its_default_size_nothing_scrolls_sideways(
    qtbot: QtBot, make_controller: Callable[..., Controller]
) -> None:
    controller = make_controller()
    long_name = "Bartholomew Fitzgerald-Montgomery the Third of Somewhere"
    long_email = "bartholomew.fitzgerald-montgomery@a-very-long-department-name.example"
    show(
        controller,
        *(
            person(
                n,
                name=f"{long_name} {n}",
                email=f"{n}.{long_email}",
                signed_in_at="2026-11-27T10:00:00.000Z",
                expires_at="2026-12-04T10:00:00.000Z",
                ip_address="2001:db8:ffff:ffff:ffff:ffff:ffff:ffff",
                user_agent=FIREFOX_LINUX,
            )
            for n in range(5)
        ),
        active="u0",
    )
    window = window_on(qtbot, controller, shown=True)
    view = view_of(window)
    assert not view.horizontalScrollBar().isVisible()
    # Not merely hidden: there is nothing to the right to scroll to.
    assert view.horizontalScrollBar().maximum() == 0
    assert window.width() <= 800  # fits a small screen: not "fits" by being huge
    # What is cut short on screen is all there for a screen reader and on hover.
    assert f"{long_name} 0" in spoken(window, 0)
    assert f"0.{long_email}" in spoken(window, 0)
    assert f"0.{long_email}" in data(window, 0, Qt.ItemDataRole.ToolTipRole)


def test_dates_are_local_and_relative_with_the_exact_time_on_hover(
    qtbot: QtBot, make_controller: Callable[..., Controller], in_kolkata: None
) -> None:
    controller = make_controller()
    show(
        controller,
        person(1, signed_in_at="2026-11-27T10:00:00.000Z", expires_at="2026-12-04T10:00:00.000Z"),
        person(2, signed_in_at="2026-11-20T10:00:00.000Z", expires_at="2026-11-30T08:00:00.000Z",
               status=AccountStatus.EXPIRED),
        person(3),
    )  # fmt: skip
    window = window_on(qtbot, controller)
    window.now = lambda: NOW
    assert "signed in 3 days ago, expires in 4 days" in spoken(window, 0).lower()
    assert spoken(window, 0) == (
        "Person 1, person1@example.com. Signed in 3 days ago, expires in 4 days."
    )
    assert "UTC" not in spoken(window, 0)
    tooltip = data(window, 0, Qt.ItemDataRole.ToolTipRole)
    assert "27 November 2026" in tooltip
    assert "4 December 2026" in tooltip
    assert "15:30" in tooltip  # 10:00 UTC where the person is
    assert "10:00" not in tooltip
    assert "UTC" not in tooltip
    assert "expired 2 hours ago" in spoken(window, 1)
    # No dates known: nothing made up, and no empty sentence either.
    assert spoken(window, 2) == "Person 3, person3@example.com, Signed in."
    assert window.line_of(2) == ""
    assert "Signed in: not known" in window.row(2).description()  # type: ignore[union-attr]
    assert window.line_of(0) == "Signed in 3 days ago · expires in 4 days"
    assert window.line_of(1) == "Signed in 10 days ago · expired 2 hours ago"


def test_the_active_account_stands_out_in_words_not_colour_alone(
    qtbot: QtBot, make_controller: Callable[..., Controller]
) -> None:
    controller = make_controller()
    show(controller, person(1), person(2), active="u2")
    window = window_on(qtbot, controller)
    font = data(window, 1, Qt.ItemDataRole.FontRole)
    assert isinstance(font, QFont)
    assert font.bold()
    other = data(window, 0, Qt.ItemDataRole.FontRole)
    assert other is None or not other.bold()
    assert re.search(r"\bActive\b", spoken(window, 1))
    assert "Active" not in spoken(window, 0)
    assert window.status_of(1) == "Active"
    assert window.status_of(0) == "Signed in"


def test_devices_are_described_for_a_person(
    qtbot: QtBot, make_controller: Callable[..., Controller]
) -> None:
    controller = make_controller()
    show(
        controller,
        person(1, user_agent="switcher", ip_address="127.0.0.1"),
        person(2, user_agent=FIREFOX_LINUX, ip_address="203.0.113.7"),
        person(3),
    )
    window = window_on(qtbot, controller)
    assert "switcher on this computer" in spoken(window, 0)
    assert "Firefox on Linux" in spoken(window, 1)
    assert "Mozilla" not in spoken(window, 1)
    assert "203.0.113.7" in data(window, 1, Qt.ItemDataRole.ToolTipRole)
    assert "Firefox on Linux" in data(window, 1, Qt.ItemDataRole.ToolTipRole)
    assert "Firefox on Linux" in window.line_of(1)


def test_the_active_account_is_selected_on_open_and_the_list_has_the_focus(
    qtbot: QtBot, make_controller: Callable[..., Controller]
) -> None:
    controller = make_controller()
    show(controller, person(1), person(2), person(3), active="u2")
    window = window_on(qtbot, controller)
    assert selected_email(window) == "person2@example.com"
    assert window.revoke_button.isEnabled()
    window.show()
    window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is view_of(window), timeout=2000)
    assert view_of(window).currentIndex().row() == 1


def test_without_an_active_account_the_first_is_selected(
    qtbot: QtBot, make_controller: Callable[..., Controller]
) -> None:
    controller = make_controller()
    show(controller, person(1), person(2))
    window = window_on(qtbot, controller)
    assert selected_email(window) == "person1@example.com"
    assert window.switch_button.isEnabled()


def test_selection_and_scroll_position_survive_refreshes(
    qtbot: QtBot, make_controller: Callable[..., Controller]
) -> None:
    controller = make_controller()
    people = [person(n) for n in range(30)]
    show(controller, *people, active="u0")
    window = window_on(qtbot, controller, shown=True)
    view = view_of(window)
    view.setCurrentIndex(view.model().index(20, 0))
    view.scrollTo(view.model().index(20, 0))
    scrolled = view.verticalScrollBar().value()
    assert scrolled > 0
    for _ in range(3):  # as every finished refresh does
        people[5] = person(5, status=AccountStatus.REVOKED)
        show(controller, *people, active="u0")
    assert view.verticalScrollBar().value() == scrolled
    assert view.currentIndex().row() == 20
    assert selected_email(window) == "person20@example.com"
    # Accounts come and go above the selected one: it stays selected.
    show(controller, person(99), *people[:3], *people[4:], active="u0")
    assert selected_email(window) == "person20@example.com"
    assert view.currentIndex().row() == 20
    # The selected one goes (revoked): the next one is selected, not nothing.
    show(controller, *people[:20], *people[21:], active="u0")
    assert selected_email(window) == "person21@example.com"


def test_a_new_active_account_is_selected_and_scrolled_into_view(
    qtbot: QtBot, make_controller: Callable[..., Controller]
) -> None:
    controller = make_controller()
    people = [person(n) for n in range(30)]
    show(controller, *people, active="u0")
    window = window_on(qtbot, controller, shown=True)
    view = view_of(window)
    model = view.model()

    def on_screen(row: int) -> bool:
        return view.viewport().rect().contains(view.visualRect(model.index(row, 0)))

    view.setCurrentIndex(model.index(3, 0))  # the person looks at another account
    view.scrollToTop()
    assert not on_screen(25)
    # A switch made elsewhere (the tray, the command line).
    show(controller, *people, active="u25")
    assert view.currentIndex().row() == 25
    assert selected_email(window) == "person25@example.com"
    assert on_screen(25)
    # An account added at the end of a list that scrolls, which becomes the active one.
    view.setCurrentIndex(model.index(2, 0))
    view.scrollToTop()
    show(controller, *people, person(30), active="u30")
    assert selected_email(window) == "person30@example.com"
    assert on_screen(30)
    # The same active account again: the person's own choice stays, and where it is.
    view.setCurrentIndex(model.index(2, 0))
    view.scrollToTop()
    show(controller, *people, person(30), active="u30")
    assert view.currentIndex().row() == 2
    assert view.verticalScrollBar().value() == 0
    # No active account any more (it was revoked): the selection is not moved either.
    show(controller, *people, active=None)
    assert view.currentIndex().row() == 2


def test_tab_follows_the_reading_order(
    qtbot: QtBot, make_controller: Callable[..., Controller]
) -> None:
    controller = make_controller()
    show(controller, person(1), person(2), active="u1")
    window = window_on(qtbot, controller, shown=True)
    view = view_of(window)
    # Settings (top right), the list, then the buttons under it from left to right.
    reading = [
        window.settings_button,
        view,
        window.add_button,
        window.revoke_button,
        window.again_button,
        window.browser_button,
        window.switch_button,
    ]
    chain: list[QWidget] = [window.settings_button]
    widget = window.settings_button.nextInFocusChain()
    while widget is not None and widget is not window.settings_button:
        if widget.focusPolicy() & Qt.FocusPolicy.TabFocus:
            chain.append(widget)
        widget = widget.nextInFocusChain()
    assert chain == reading
    # As a person meets it: focus starts on the list; disabled buttons are passed over.
    window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is view, timeout=2000)
    met = []
    for _ in range(5):
        qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Tab)
        met.append(QApplication.focusWidget())
    enabled = [w for w in reading[2:] if w.isEnabled()]
    assert met == [*enabled, window.settings_button, view]
    qtbot.keyClick(view, Qt.Key.Key_Backtab)
    assert QApplication.focusWidget() is window.settings_button


def dark(palette: QPalette) -> QPalette:
    """A dark palette of the kind a dark desktop theme gives Qt."""
    role = QPalette.ColorRole
    for name, colour in (
        (role.Window, "#2b2b2b"),
        (role.WindowText, "#eeeeee"),
        (role.Base, "#1f1f1f"),
        (role.Text, "#eeeeee"),
        (role.Button, "#353535"),
        (role.ButtonText, "#eeeeee"),
        (role.Highlight, "#3584e4"),
        (role.HighlightedText, "#ffffff"),
    ):
        palette.setColor(name, QColor(colour))
    return palette


def themed_window(
    qtbot: QtBot, controller: Controller, theme: str
) -> tuple[AccountsWindow, QAbstractItemView]:
    """The window in Qt's Fusion style, light or dark, shown and active."""
    window = window_on(qtbot, controller)
    view = view_of(window)
    fusion = QStyleFactory.create("Fusion")
    fusion.setParent(view)  # a widget does not own the style it is given
    view.setStyle(fusion)
    if theme == "dark":
        view.setPalette(dark(view.palette()))
    window.show()
    qtbot.waitExposed(window)
    window.activateWindow()
    return window, view


def row_image(view: QAbstractItemView, row: int) -> QImage:
    index = view.model().index(row, 0)
    return view.viewport().grab(view.visualRect(index)).toImage()


def pixels_like(image: QImage, colour: QColor, tolerance: int = 40) -> int:
    """How many of the image's pixels are (nearly) this colour."""
    return sum(
        1
        for y in range(image.height())
        for x in range(image.width())
        if max(
            abs(image.pixelColor(x, y).red() - colour.red()),
            abs(image.pixelColor(x, y).green() - colour.green()),
            abs(image.pixelColor(x, y).blue() - colour.blue()),
        )
        <= tolerance
    )


@pytest.mark.parametrize("theme", ["light", "dark"])
def test_the_selected_row_does_not_outshine_the_active_one(
    qtbot: QtBot, make_controller: Callable[..., Controller], theme: str
) -> None:
    controller = make_controller()
    show(controller, person(1), person(2), person(3), active="u1")
    window, view = themed_window(qtbot, controller, theme)
    view.setCurrentIndex(view.model().index(2, 0))  # another account than the active one
    window.add_button.setFocus()  # the focus mark is another test's
    qtbot.waitUntil(lambda: not view.hasFocus(), timeout=2000)
    highlight = view.palette().color(QPalette.ColorRole.Highlight)
    active, plain, selected = (row_image(view, row) for row in (0, 1, 2))
    # The highlight's colour says "Active" (the badge): a selected row painted
    # solid in it looks more active than the active row itself.
    assert pixels_like(active, highlight) > 4 * pixels_like(selected, highlight)
    # Yet the selection still shows, away from any text.
    x, y = selected.width() - 8, selected.height() // 2
    assert selected.pixelColor(x, y) != plain.pixelColor(x, y)


@pytest.mark.parametrize("theme", ["light", "dark"])
def test_the_focused_list_shows_where_the_keyboard_is(
    qtbot: QtBot, make_controller: Callable[..., Controller], theme: str
) -> None:
    controller = make_controller()
    show(controller, person(1), person(2), person(3), active="u1")
    window, view = themed_window(qtbot, controller, theme)
    view.setCurrentIndex(view.model().index(1, 0))
    # As the window opens: focus given, no Tab pressed (Fusion then draws no focus frame).
    view.setFocus()
    qtbot.waitUntil(view.hasFocus, timeout=2000)
    focused = row_image(view, 1)
    window.add_button.setFocus()
    qtbot.waitUntil(lambda: not view.hasFocus(), timeout=2000)
    unfocused = row_image(view, 1)
    assert focused.size() == unfocused.size()
    # A mark plain to see: a line around the row, far from the colour under it.
    changed = sum(
        1
        for y in range(focused.height())
        for x in range(focused.width())
        if max(
            abs(focused.pixelColor(x, y).red() - unfocused.pixelColor(x, y).red()),
            abs(focused.pixelColor(x, y).green() - unfocused.pixelColor(x, y).green()),
            abs(focused.pixelColor(x, y).blue() - unfocused.pixelColor(x, y).blue()),
        )
        >= 64
    )
    assert changed >= 2 * (focused.width() + focused.height())


def test_an_empty_focused_list_shows_the_focus_too(
    qtbot: QtBot, make_controller: Callable[..., Controller]
) -> None:
    controller = make_controller()
    show(controller)
    window, view = themed_window(qtbot, controller, "light")
    view.setFocus()  # Tab stops at the list even with no row to show it on
    qtbot.waitUntil(view.hasFocus, timeout=2000)
    focused = view.viewport().grab().toImage()
    window.add_button.setFocus()
    qtbot.waitUntil(lambda: not view.hasFocus(), timeout=2000)
    unfocused = view.viewport().grab().toImage()
    ring = view.palette().color(QPalette.ColorRole.Highlight)
    edge = 2 * (focused.width() + focused.height())
    assert pixels_like(focused, ring, tolerance=64) >= edge
    assert pixels_like(unfocused, ring, tolerance=64) == 0


def test_every_button_has_a_mnemonic_of_its_own(
    qtbot: QtBot, make_controller: Callable[..., Controller]
) -> None:
    window = AccountsWindow(make_controller())
    qtbot.addWidget(window)
    buttons = window.findChildren(QAbstractButton)
    assert len(buttons) >= 6
    mnemonics = []
    for button in buttons:
        found = re.search(r"&([^&])", button.text().replace("&&", ""))
        assert found, f"{button.text()!r} has no mnemonic"
        mnemonics.append(found.group(1).lower())
    assert len(mnemonics) == len(set(mnemonics)), [b.text() for b in buttons]


def test_the_keyboard_reaches_everything(
    qtbot: QtBot, make_controller: Callable[..., Controller]
) -> None:
    controller = make_controller()
    show(
        controller,
        person(1),
        person(2),
        person(3, status=AccountStatus.EXPIRED),
        active="u1",
    )
    window = window_on(qtbot, controller, shown=True)
    view = view_of(window)
    window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is view, timeout=2000)
    qtbot.keyClick(view, Qt.Key.Key_Down)
    assert selected_email(window) == "person2@example.com"
    switched: list[str] = []

    def switch(email: str, server: str | None = None, *, answered: bool = False) -> int:
        switched.append(email)
        return 0

    controller.switch = switch  # type: ignore[method-assign]
    qtbot.keyClick(view, Qt.Key.Key_Return)
    assert switched == ["person2@example.com"]
    with qtbot.waitSignal(window.revoke, timeout=1000) as revoked:
        qtbot.keyClick(view, Qt.Key.Key_Delete)
    assert revoked.args == ["person2@example.com"]
    # An ended session's way back is signing in again.
    qtbot.keyClick(view, Qt.Key.Key_Down)
    with qtbot.waitSignal(window.sign_in_again, timeout=1000) as again:
        qtbot.keyClick(view, Qt.Key.Key_Return)
    assert again.args == ["person3@example.com"]
    # The same actions on the row itself (right click, Menu key).
    menu = window.row_menu()
    qtbot.addWidget(menu)
    assert {a.text(): a.isEnabled() for a in menu.actions()} == {
        "&Switch": False,
        "Open in &browser": False,
        "Sign in a&gain…": True,
        "&Revoke…": True,
    }
    # Tab leaves the list for the buttons.
    qtbot.keyClick(view, Qt.Key.Key_Tab)
    assert isinstance(QApplication.focusWidget(), QAbstractButton)


def test_screen_readers_hear_each_account(
    qtbot: QtBot, make_controller: Callable[..., Controller]
) -> None:
    controller = make_controller()
    show(controller, person(1, user_agent=FIREFOX_LINUX), person(2), active="u1")
    window = window_on(qtbot, controller, shown=True)
    view = QAccessible.queryAccessibleInterface(view_of(window))
    assert view is not None
    names = [
        view.child(i).text(QAccessible.Text.Name)
        for i in range(view.childCount())
        if view.child(i) is not None
    ]
    first = next(name for name in names if "person1@example.com" in name)
    assert "Person 1" in first
    assert "Active" in first
    assert "Firefox on Linux" in first


def test_the_header_names_the_server_for_a_person(
    qtbot: QtBot, make_controller: Callable[..., Controller]
) -> None:
    controller = make_controller()
    show(controller, person(1), server=LOCAL, url=LOCAL_URL)
    window = window_on(qtbot, controller)
    header = window.header.text()
    assert "This computer" in header
    assert LOCAL_URL in header
    assert "not checked yet" in header.lower()
    controller.reachable[LOCAL] = False
    controller.changed.emit()
    assert "offline" in window.header.text().lower()
    show(controller, person(1), server="a<b>", url="https://a.example")
    assert "a&lt;b&gt;" in window.header.text()  # a server's name is text, not markup


def test_rows_statuses_and_the_shortcuts(
    qtbot: QtBot, make_controller: Callable[..., Controller]
) -> None:
    controller = make_controller()
    window = window_on(qtbot, controller)
    window.show()
    emails = []
    for label in ("alice", "bob"):
        emails.append(unique_email(label))
        ok, message = wait_job(
            qtbot,
            controller,
            controller.add(emails[-1], PASSWORD, sign_up=True, name=label.title(), remember=True),
        )
        assert ok, message
    assert [data(window, row, Qt.ItemDataRole.DisplayRole) for row in (0, 1)] == ["Alice", "Bob"]
    assert [window.status_of(row) for row in (0, 1)] == ["Signed in", "Active"]
    # A session switcher signed in: from this computer, moments ago.
    assert window.line_of(0).startswith("Signed in just now · expires in ")
    assert window.line_of(0).endswith(" · switcher on this computer")
    added: list[bool] = []
    window.add_account.connect(lambda: added.append(True))
    qtbot.keyClick(window, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)
    assert added == [True]
    qtbot.keyClick(window, Qt.Key.Key_1, Qt.KeyboardModifier.ControlModifier)
    assert controller.is_pending(Job(JobKind.SWITCH, emails[0]))
    qtbot.waitUntil(lambda: not controller.pending, timeout=20000)
    assert window.status_of(0) == "Active"
    view = view_of(window)
    view.setCurrentIndex(view.model().index(1, 0))
    assert window.switch_button.isEnabled()
    assert window.revoke_button.isEnabled()
    assert not window.again_button.isEnabled()


def test_sign_in_again_names_the_account(
    qtbot: QtBot, make_controller: Callable[..., Controller]
) -> None:
    controller = make_controller()
    email = unique_email("gone")
    ok, message = wait_job(
        qtbot, controller, controller.add(email, PASSWORD, sign_up=True, name="Gone", remember=True)
    )
    assert ok, message
    index = controller.service.vault.index
    gone = index.servers[index.current].accounts[0]
    gone.status = AccountStatus.REVOKED  # as a refresh would mark it
    controller.snapshot = Snapshot.of(index)
    window = window_on(qtbot, controller)
    assert window.status_of(0) == "Revoked elsewhere"
    assert window.again_button.isEnabled()
    assert not window.switch_button.isEnabled()
    with qtbot.waitSignal(window.sign_in_again, timeout=1000) as signal:
        window.again_button.click()
    assert signal.args == [email]
