"""The accounts window: one row per account, actions and shortcuts."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from switcher.gui.controller import Controller
from switcher.gui.jobs import Job, JobKind
from switcher.gui.window import AccountsWindow
from switcher.vault import AccountStatus
from tests.support.qt import OFFSCREEN_NOTES, wait_job
from tests.support.targets import PASSWORD, unique_email

pytestmark = pytest.mark.qt_log_ignore(*OFFSCREEN_NOTES)


def test_rows_statuses_and_the_shortcuts(
    qtbot: QtBot, make_controller: Callable[..., Controller]
) -> None:
    controller = make_controller()
    window = AccountsWindow(controller)
    qtbot.addWidget(window)
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
    rows = [window.table.topLevelItem(i) for i in range(window.table.topLevelItemCount())]
    assert [row.text(0) for row in rows] == [f"Alice <{emails[0]}>", f"Bob <{emails[1]}>"]  # type: ignore[union-attr]
    assert [row.text(1) for row in rows] == ["signed in", "active"]  # type: ignore[union-attr]
    assert rows[0].text(2).endswith(" UTC")  # type: ignore[union-attr]
    added: list[bool] = []
    window.add_account.connect(lambda: added.append(True))
    qtbot.keyClick(window, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)
    assert added == [True]
    qtbot.keyClick(window, Qt.Key.Key_1, Qt.KeyboardModifier.ControlModifier)
    assert controller.is_pending(Job(JobKind.SWITCH, emails[0]))
    qtbot.waitUntil(lambda: not controller.pending, timeout=20000)
    assert window.table.topLevelItem(0).text(1) == "active"  # type: ignore[union-attr]
    window.table.topLevelItem(1).setSelected(True)  # type: ignore[union-attr]
    assert window.switch_button.isEnabled()
    assert window.revoke_button.isEnabled()
    assert not window.again_button.isEnabled()


def test_sign_in_again_names_the_account(
    qtbot: QtBot, make_controller: Callable[..., Controller]
) -> None:
    from switcher.gui.state import Snapshot

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
    window = AccountsWindow(controller)
    qtbot.addWidget(window)
    assert window.table.topLevelItem(0).text(1) == "revoked elsewhere"  # type: ignore[union-attr]
    window.table.topLevelItem(0).setSelected(True)  # type: ignore[union-attr]
    assert window.again_button.isEnabled()
    assert not window.switch_button.isEnabled()
    with qtbot.waitSignal(window.sign_in_again, timeout=1000) as signal:
        window.again_button.click()
    assert signal.args == [email]
