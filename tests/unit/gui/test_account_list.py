"""The accounts list's model: changed in place, so that selection and scrolling survive."""

from __future__ import annotations

from datetime import UTC, datetime

from PySide6.QtCore import QPersistentModelIndex, Qt
from PySide6.QtGui import QIcon
from pytestqt.qtbot import QtBot

from switcher.gui.account_list import ROW_ROLE, AccountListModel, Badge, Row
from switcher.vault import Account, AccountStatus

NOW = datetime(2026, 11, 30, 10, 0, tzinfo=UTC)


def row(key: str, *, active: bool = False, busy: bool = False, **fields: object) -> Row:
    fields.setdefault("name", key.title())
    account = Account(key, f"{key}@example.com", **fields)  # type: ignore[arg-type]
    return Row(account, "signed in", active=active, busy=busy, icon=QIcon())


def keys(model: AccountListModel) -> list[str]:
    return [model.index(i).data(ROW_ROLE).key for i in range(model.rowCount())]


def test_rows_move_arrive_and_go_without_a_reset(qtbot: QtBot) -> None:
    model = AccountListModel(lambda: NOW)
    model.set_rows([row("a"), row("b"), row("c")], "test")
    held = QPersistentModelIndex(model.index(1))  # "b", as a view's selection holds it
    events: list[str] = []
    model.modelReset.connect(lambda: events.append("reset"))
    model.rowsRemoved.connect(lambda _p, first, _l: events.append(f"removed {first}"))
    model.rowsInserted.connect(lambda _p, first, _l: events.append(f"inserted {first}"))
    model.layoutChanged.connect(lambda: events.append("moved"))
    model.set_rows([row("c"), row("d"), row("b", name="Bea")], "test")
    assert keys(model) == ["c", "d", "b"]
    assert "reset" not in events
    assert events[:2] == ["removed 0", "inserted 1"]
    assert "moved" in events
    assert held.isValid()
    assert held.row() == 2
    assert held.data(Qt.ItemDataRole.DisplayRole) == "Bea"  # and its new data is shown


def test_the_same_rows_again_only_change_data(qtbot: QtBot) -> None:
    model = AccountListModel(lambda: NOW)
    model.set_rows([row("a"), row("b")], "test")
    events: list[str] = []
    for signal in (model.modelReset, model.rowsRemoved, model.rowsInserted, model.layoutChanged):
        signal.connect(lambda *_: events.append("structure"))
    model.dataChanged.connect(lambda *_: events.append("data"))
    model.set_rows([row("a"), row("b", status=AccountStatus.REVOKED)], "test")
    assert events == ["data"]


def test_another_server_is_another_list(qtbot: QtBot) -> None:
    model = AccountListModel(lambda: NOW)
    model.set_rows([row("a")], "one")
    resets: list[bool] = []
    model.modelReset.connect(lambda: resets.append(True))
    model.set_rows([row("a")], "two")
    assert resets == [True]


def test_a_rows_state_reads_as_a_label(qtbot: QtBot) -> None:
    assert row("a", active=True).badge is Badge.ACTIVE
    assert row("a").badge is Badge.PLAIN
    assert row("a", status=AccountStatus.EXPIRED).badge is Badge.ENDED
    assert row("a", active=True, busy=True).badge is Badge.BUSY
    ended = Row(Account("a", "a@example.com"), "revoked elsewhere", False, False, QIcon())
    assert ended.status == "Revoked elsewhere"


def test_without_a_name_the_email_is_the_title_once(qtbot: QtBot) -> None:
    nameless = row("a", name="  ")
    assert nameless.title == "a@example.com"
    assert nameless.subtitle == ""
    assert nameless.spoken(NOW) == "a@example.com, Signed in."


def test_a_name_from_a_server_is_text_not_markup(qtbot: QtBot) -> None:
    tip = row("a", name="<img src=x>Eve").tooltip()
    assert "<img" not in tip
    assert "&lt;img src=x&gt;Eve" in tip
