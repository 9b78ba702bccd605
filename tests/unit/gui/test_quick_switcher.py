"""The quick switcher: every server's accounts, a filter, the keyboard, and the app's channel."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QEvent, QPoint, Qt, QTimer
from PySide6.QtGui import QFocusEvent
from PySide6.QtWidgets import QApplication, QWidget
from pytestqt.qtbot import QtBot

from switcher.app_channel import ask
from switcher.bundled import LOCAL, LOCAL_URL
from switcher.gui.quick_switcher import (
    EMPTY_TEXT,
    TITLE,
    Entry,
    Picked,
    QuickSwitcher,
    choose,
    entries_from_index,
    matches,
    pick_handler,
)
from switcher.gui.single_instance import InstanceServer
from switcher.vault import Account, AccountStatus, Index, Server
from tests.support.qt import OFFSCREEN_NOTES

pytestmark = pytest.mark.qt_log_ignore(*OFFSCREEN_NOTES)

WORK = "work.example.com"


def two_servers() -> Index:
    """Four accounts here (Bob active, Dave's session expired), three at work (Alice active)."""
    index = Index(current=LOCAL, servers={LOCAL: Server(LOCAL, LOCAL_URL)})
    here = index.servers[LOCAL]
    here.accounts = [
        Account("u1", "alice@example.com", "Alice Liddell"),
        Account("u2", "bob@example.com", "Bob Builder"),
        Account("u3", "carol@example.org", "Carol"),
        Account("u4", "dave@example.com", "", status=AccountStatus.EXPIRED),
    ]
    here.active = "u2"
    work = index.servers[WORK] = Server(WORK, f"https://{WORK}")
    work.accounts = [
        Account("w1", "alice@work.example.com", "Alice (work)"),
        Account("w2", "eve@work.example.com", "Eve", status=AccountStatus.REVOKED),
        Account("w3", "frank@work.example.com", "Frank"),
    ]
    work.active = "w1"
    return index


@pytest.fixture
def switcher(qtbot: QtBot) -> Iterator[QuickSwitcher]:
    widget = QuickSwitcher(entries_from_index(two_servers()))
    qtbot.addWidget(widget)
    yield widget
    widget.hide()


def emails(widget: QuickSwitcher) -> list[str]:
    return [e.account.email for e in widget.visible_entries()]


def highlighted(widget: QuickSwitcher) -> str | None:
    entry = widget.current()
    return entry.account.email if entry else None


def shown(qtbot: QtBot, widget: QuickSwitcher) -> None:
    """Presented, and given the focus (the offscreen platform activates it a moment later)."""
    widget.present()
    qtbot.waitExposed(widget)
    qtbot.waitUntil(lambda: QApplication.focusWidget() is widget.filter)


def spoken(widget: QuickSwitcher, row: int) -> str:
    return str(widget.list.item(row).data(Qt.ItemDataRole.AccessibleTextRole))


# -- the entries --------------------------------------------------------------------


def test_every_account_of_every_server_in_the_index_order() -> None:
    entries = entries_from_index(two_servers())
    assert [(e.server, e.account.email, e.active) for e in entries] == [
        (LOCAL, "alice@example.com", False),
        (LOCAL, "bob@example.com", True),
        (LOCAL, "carol@example.org", False),
        (LOCAL, "dave@example.com", False),
        (WORK, "alice@work.example.com", True),
        (WORK, "eve@work.example.com", False),
        (WORK, "frank@work.example.com", False),
    ]
    assert [e.state for e in entries] == [
        "", "active", "", "expired", "active", "revoked elsewhere", ""
    ]  # fmt: skip
    assert [e.usable for e in entries] == [True, True, True, False, True, False, True]


def test_entries_are_copies_the_worker_cannot_change_under_the_list() -> None:
    index = two_servers()
    entry = entries_from_index(index)[0]
    index.servers[LOCAL].accounts[0].status = AccountStatus.REVOKED
    assert entry.usable


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("alice", True),
        ("ALICE", True),  # any case
        ("liddell", True),  # the name
        ("example.com", True),  # the email
        ("this computer", True),  # the bundled server as a person reads it
        ("local", True),  # and its index name
        ("alice comp", True),  # every word, anywhere
        ("alice work", False),
        ("", True),
    ],
)
def test_the_filter_looks_at_name_email_and_server(query: str, expected: bool) -> None:
    alice = entries_from_index(two_servers())[0]
    assert matches(alice, query) is expected


# -- filtering and the keyboard ---------------------------------------------------------


def test_it_opens_with_every_account_the_first_usable_highlighted_and_the_field_focused(
    qtbot: QtBot, switcher: QuickSwitcher
) -> None:
    shown(qtbot, switcher)
    assert switcher.windowTitle() == TITLE
    assert len(emails(switcher)) == 7
    assert highlighted(switcher) == "alice@example.com"
    assert QApplication.focusWidget() is switcher.filter
    # Clicking the list never takes the focus from the field.
    assert switcher.list.focusPolicy() == Qt.FocusPolicy.NoFocus


def test_typing_filters_and_highlights_the_first_match(
    qtbot: QtBot, switcher: QuickSwitcher
) -> None:
    shown(qtbot, switcher)
    qtbot.keyClicks(switcher.filter, "ALI")
    assert emails(switcher) == ["alice@example.com", "alice@work.example.com"]
    assert highlighted(switcher) == "alice@example.com"
    qtbot.keyClicks(switcher.filter, "ce wo")  # "ALIce wo": both words must match
    assert emails(switcher) == ["alice@work.example.com"]
    assert highlighted(switcher) == "alice@work.example.com"
    switcher.filter.clear()
    assert len(emails(switcher)) == 7


def test_up_and_down_move_the_highlight_while_the_field_keeps_the_focus(
    qtbot: QtBot, switcher: QuickSwitcher
) -> None:
    shown(qtbot, switcher)
    qtbot.keyClicks(switcher.filter, "example.com")  # carol@example.org is left out
    assert "carol@example.org" not in emails(switcher)
    qtbot.keyClick(switcher.filter, Qt.Key.Key_Down)
    assert highlighted(switcher) == "bob@example.com"
    qtbot.keyClick(switcher.filter, Qt.Key.Key_Down)  # over the hidden Carol
    assert highlighted(switcher) == "dave@example.com"  # ended, but it can be highlighted
    qtbot.keyClick(switcher.filter, Qt.Key.Key_Up)
    qtbot.keyClick(switcher.filter, Qt.Key.Key_Up)
    qtbot.keyClick(switcher.filter, Qt.Key.Key_Up)  # stops at the top
    assert highlighted(switcher) == "alice@example.com"
    qtbot.keyClick(switcher.filter, Qt.Key.Key_PageDown)
    assert highlighted(switcher) == "frank@work.example.com"  # the last shown
    qtbot.keyClick(switcher.filter, Qt.Key.Key_Down)  # stops at the bottom
    assert highlighted(switcher) == "frank@work.example.com"
    # The keys moved the highlight only: the text is what was typed.
    assert switcher.filter.text() == "example.com"
    assert QApplication.focusWidget() is switcher.filter


def test_enter_switches_to_the_highlighted_account_and_closes(
    qtbot: QtBot, switcher: QuickSwitcher
) -> None:
    shown(qtbot, switcher)
    qtbot.keyClicks(switcher.filter, "frank")
    with qtbot.waitSignal(switcher.chosen) as chosen:
        qtbot.keyClick(switcher.filter, Qt.Key.Key_Return)
    assert chosen.args == [WORK, "frank@work.example.com"]
    assert not switcher.isVisible()


def test_enter_on_the_keypad_and_after_moving_takes_what_is_highlighted(
    qtbot: QtBot, switcher: QuickSwitcher
) -> None:
    shown(qtbot, switcher)
    qtbot.keyClick(switcher.filter, Qt.Key.Key_Down)
    with qtbot.waitSignal(switcher.chosen) as chosen:
        qtbot.keyClick(switcher.filter, Qt.Key.Key_Enter)
    assert chosen.args == [LOCAL, "bob@example.com"]


def test_an_ended_session_is_listed_never_chosen_by_default_and_asks_to_sign_in_again(
    qtbot: QtBot, switcher: QuickSwitcher
) -> None:
    shown(qtbot, switcher)
    qtbot.keyClicks(switcher.filter, "e")  # everyone but Alice has an "e"; Eve's ended
    assert highlighted(switcher) != "eve@work.example.com"
    switcher.filter.setText("eve")
    assert highlighted(switcher) == "eve@work.example.com"  # the only match
    switched: list[Any] = []
    switcher.chosen.connect(lambda *args: switched.append(args))
    with qtbot.waitSignal(switcher.sign_in_again) as again:
        qtbot.keyClick(switcher.filter, Qt.Key.Key_Return)
    assert again.args == [WORK, "eve@work.example.com"]
    assert switched == []
    row = [e.account.email for e in switcher.entries].index("eve@work.example.com")
    assert spoken(switcher, row) == (
        "Eve <eve@work.example.com>, work.example.com, revoked elsewhere, sign in again"
    )


def test_enter_with_nothing_matching_does_nothing(qtbot: QtBot, switcher: QuickSwitcher) -> None:
    shown(qtbot, switcher)
    qtbot.keyClicks(switcher.filter, "nobody")
    assert emails(switcher) == []
    assert not switcher.list.isVisible()
    assert switcher.placeholder.isVisible()
    assert switcher.placeholder.text() == "No account matches “nobody”"
    signals: list[Any] = []
    switcher.chosen.connect(lambda *args: signals.append(args))
    switcher.sign_in_again.connect(lambda *args: signals.append(args))
    qtbot.keyClick(switcher.filter, Qt.Key.Key_Return)
    assert signals == []
    assert switcher.isVisible()


def test_esc_closes_without_a_choice(qtbot: QtBot, switcher: QuickSwitcher) -> None:
    shown(qtbot, switcher)
    qtbot.keyClicks(switcher.filter, "bob")
    signals: list[Any] = []
    switcher.chosen.connect(lambda *args: signals.append(args))
    with qtbot.waitSignal(switcher.rejected):
        qtbot.keyClick(switcher.filter, Qt.Key.Key_Escape)
    assert not switcher.isVisible()
    assert signals == []


def test_a_click_switches_to_the_entry_clicked(qtbot: QtBot, switcher: QuickSwitcher) -> None:
    shown(qtbot, switcher)
    row = [e.account.email for e in switcher.entries].index("carol@example.org")
    where = switcher.list.visualItemRect(switcher.list.item(row)).center()
    with qtbot.waitSignal(switcher.chosen) as chosen:
        qtbot.mouseClick(switcher.list.viewport(), Qt.MouseButton.LeftButton, pos=where)
    assert chosen.args == [LOCAL, "carol@example.org"]


def test_showing_it_again_clears_the_filter_and_the_highlight(
    qtbot: QtBot, switcher: QuickSwitcher
) -> None:
    shown(qtbot, switcher)
    qtbot.keyClicks(switcher.filter, "work")
    qtbot.keyClick(switcher.filter, Qt.Key.Key_Down)
    qtbot.keyClick(switcher.filter, Qt.Key.Key_Escape)
    shown(qtbot, switcher)
    assert switcher.filter.text() == ""
    assert len(emails(switcher)) == 7
    assert highlighted(switcher) == "alice@example.com"
    shown(qtbot, switcher)  # asked again while it shows: the same, still shown
    assert switcher.isVisible()


def test_new_entries_keep_the_filter_and_the_highlight(
    qtbot: QtBot, switcher: QuickSwitcher
) -> None:
    """The app refreshes an open quick switcher: the person's place in it stays."""
    shown(qtbot, switcher)
    qtbot.keyClicks(switcher.filter, "work")
    qtbot.keyClick(switcher.filter, Qt.Key.Key_Down)
    qtbot.keyClick(switcher.filter, Qt.Key.Key_Down)
    assert highlighted(switcher) == "frank@work.example.com"
    index = two_servers()
    index.servers[WORK].accounts[0].status = AccountStatus.EXPIRED
    switcher.set_entries(entries_from_index(index))
    assert switcher.filter.text() == "work"
    assert highlighted(switcher) == "frank@work.example.com"
    assert [e.usable for e in switcher.visible_entries()] == [False, False, True]


def test_losing_the_focus_closes_it_like_a_launcher(qtbot: QtBot, switcher: QuickSwitcher) -> None:
    shown(qtbot, switcher)
    qtbot.waitUntil(switcher.isActiveWindow)
    other = QWidget()
    qtbot.addWidget(other)
    other.show()
    other.activateWindow()
    qtbot.waitUntil(lambda: not switcher.isVisible())
    # Taking the focus within itself is not losing it.
    shown(qtbot, switcher)
    qtbot.waitUntil(switcher.isActiveWindow)
    QApplication.sendEvent(switcher.filter, QFocusEvent(QEvent.Type.FocusIn))
    assert switcher.isVisible()


# -- what it shows ------------------------------------------------------------------------


def test_one_server_shows_no_server_names(qtbot: QtBot) -> None:
    index = two_servers()
    del index.servers[WORK]
    widget = QuickSwitcher(entries_from_index(index))
    qtbot.addWidget(widget)
    assert not widget.several_servers
    assert spoken(widget, 1) == "Bob Builder <bob@example.com>, active"
    # Servers without accounts are not "more than one server" either.
    index.servers[WORK] = Server(WORK, f"https://{WORK}")
    widget.set_entries(entries_from_index(index))
    assert not widget.several_servers


def test_several_servers_name_each_entrys_server(qtbot: QtBot, switcher: QuickSwitcher) -> None:
    assert switcher.several_servers
    assert spoken(switcher, 0) == "Alice Liddell <alice@example.com>, This computer"
    assert spoken(switcher, 4) == "Alice (work) <alice@work.example.com>, work.example.com, active"


def test_many_servers_and_accounts_scroll_up_and_down_never_sideways(qtbot: QtBot) -> None:
    index = Index.empty()
    for number in range(6):
        name = f"server-{number}.a-rather-long-host-name-for-a-site.example.com"
        index.servers[name] = Server(name, f"https://{name}")
        index.servers[name].accounts = [
            Account(f"{number}-{i}", f"person{i}-{'x' * 60}@{name}", "N" * 200) for i in range(4)
        ]
    widget = QuickSwitcher(entries_from_index(index))
    qtbot.addWidget(widget)
    shown(qtbot, widget)
    assert len(emails(widget)) == 24
    assert widget.width() == 440  # long names are elided, not widening the window
    # Each row fits beside the vertical scroll bar: nothing hides past the right edge.
    assert widget.list.visualItemRect(widget.list.item(0)).width() == (
        widget.list.viewport().width()
    )
    assert widget.list.horizontalScrollBar().maximum() == 0
    assert widget.list.horizontalScrollBarPolicy() == Qt.ScrollBarPolicy.ScrollBarAlwaysOff
    assert widget.list.verticalScrollBar().isVisible()
    for _ in range(23):
        qtbot.keyClick(widget.filter, Qt.Key.Key_Down)
    last = widget.list.item(23)
    assert highlighted(widget) == last.data(Qt.ItemDataRole.UserRole).account.email
    # The highlighted entry is scrolled into view.
    assert widget.list.viewport().rect().contains(widget.list.visualItemRect(last))
    qtbot.keyClicks(widget.filter, "server-3")
    assert len(emails(widget)) == 4
    widget.grab()  # paints every visible row without failing


def test_no_accounts_yet_says_how_to_add_one(qtbot: QtBot) -> None:
    widget = QuickSwitcher(entries_from_index(Index.empty()))
    qtbot.addWidget(widget)
    shown(qtbot, widget)
    assert EMPTY_TEXT.startswith("No accounts yet — ")
    assert widget.placeholder.isVisible()
    assert widget.placeholder.text() == EMPTY_TEXT
    assert not widget.list.isVisible()
    assert widget.current() is None
    qtbot.keyClick(widget.filter, Qt.Key.Key_Return)  # nothing to take, nothing breaks
    assert widget.isVisible()


def test_the_height_stays_while_typing(qtbot: QtBot, switcher: QuickSwitcher) -> None:
    shown(qtbot, switcher)
    height = switcher.height()
    qtbot.keyClicks(switcher.filter, "frank")
    assert switcher.height() == height
    qtbot.keyClicks(switcher.filter, "nobody")
    assert switcher.height() == height


def test_it_opens_centred_on_the_screen_with_the_pointer(
    qtbot: QtBot, switcher: QuickSwitcher
) -> None:
    shown(qtbot, switcher)
    area = switcher.screen().availableGeometry()
    frame = switcher.frameGeometry()
    assert abs(frame.center().x() - area.center().x()) <= 4  # give or take a window frame
    assert frame.top() < area.center().y() - frame.height() // 2  # above the middle
    assert area.contains(frame)


def test_the_icon_comes_from_the_callers_picture_once_per_set_of_entries(qtbot: QtBot) -> None:
    asked: list[str] = []

    def icon_for(account: Account) -> Any:
        from PySide6.QtGui import QIcon

        asked.append(account.email)
        return QIcon()

    widget = QuickSwitcher(entries_from_index(two_servers()), icon_for=icon_for)
    qtbot.addWidget(widget)
    widget.grab()
    widget.grab()
    assert sorted(asked) == sorted({e.account.email for e in widget.entries})


# -- the app's channel and the command's own quick switcher ----------------------------------


def test_the_apps_pick_request_shows_the_quick_switcher_and_is_answered_at_once(
    qtbot: QtBot, switcher: QuickSwitcher, tmp_path: Path
) -> None:
    name = str(tmp_path / f"{uuid.uuid4().hex[:8]}.sock")
    server = InstanceServer(name)
    answers: list[dict[str, Any] | None] = []

    def command_line(request: dict[str, Any]) -> None:
        thread = threading.Thread(target=lambda: answers.append(ask(request, 5, name=name)))
        thread.start()
        qtbot.waitUntil(lambda: not thread.is_alive(), timeout=5000)

    try:
        # An app without the handler says so: the command then shows its own.
        command_line({"op": "pick"})
        assert answers == [None]
        assert not switcher.isVisible()

        index = two_servers()
        server.handle("pick", pick_handler(lambda: switcher, lambda: entries_from_index(index)))
        switcher.filter.setText("left over from last time")
        del index.servers[WORK]  # what the app knows when asked, not when wired
        command_line({"op": "pick", "activation_token": "token-from-the-launcher"})
        assert answers[-1] == {"v": 1, "ok": True}
        assert switcher.isVisible()  # before the choice: the command has ended
        assert switcher.filter.text() == ""
        assert len(emails(switcher)) == 4
    finally:
        server.close()


def test_choose_returns_the_choice_or_none_on_esc(qtbot: QtBot) -> None:
    """``switcher pick`` without the app: the quick switcher in its own event loop."""

    def then(*keys: Qt.Key, text: str = "") -> None:
        def act() -> None:
            widget = next(
                (
                    w
                    for w in QApplication.topLevelWidgets()
                    if isinstance(w, QuickSwitcher) and w.isVisible()
                ),
                None,
            )
            if widget is None:  # not shown yet
                QTimer.singleShot(20, act)
                return
            qtbot.keyClicks(widget.filter, text)
            for key in keys:
                qtbot.keyClick(widget.filter, key)

        QTimer.singleShot(0, act)

    then(Qt.Key.Key_Return, text="frank")
    assert choose(two_servers()) == Picked(WORK, "frank@work.example.com")
    then(Qt.Key.Key_Return, text="dave")
    assert choose(two_servers()) == Picked(LOCAL, "dave@example.com", sign_in_again=True)
    then(Qt.Key.Key_Escape, text="bob")
    assert choose(two_servers()) is None


def test_a_position_off_every_screen_still_opens_on_one(
    qtbot: QtBot, switcher: QuickSwitcher, monkeypatch: pytest.MonkeyPatch
) -> None:
    from PySide6.QtGui import QCursor

    monkeypatch.setattr(QCursor, "pos", staticmethod(lambda: QPoint(-10_000, -10_000)))
    shown(qtbot, switcher)
    assert switcher.screen().availableGeometry().contains(switcher.frameGeometry())


def test_entry_is_plain_data() -> None:
    entry = Entry(LOCAL, Account("u1", "a@example.com"), active=True)
    assert entry.state == "active"
    assert entry.usable
