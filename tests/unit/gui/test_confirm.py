"""Confirmations: the action named on its button, and Enter or Escape never carry it out."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QMessageBox
from pytestqt.qtbot import QtBot

from switcher.gui.confirm import confirmation
from tests.support.qt import OFFSCREEN_NOTES

pytestmark = pytest.mark.qt_log_ignore(*OFFSCREEN_NOTES)


@pytest.mark.parametrize("key", [Qt.Key.Key_Return, Qt.Key.Key_Enter, Qt.Key.Key_Escape])
def test_enter_and_escape_choose_cancel(qtbot: QtBot, key: Qt.Key) -> None:
    box, act = confirmation(
        "Revoke account", "Revoke alice@example.com?", "Its session ends.", "&Revoke"
    )
    qtbot.addWidget(box)
    box.show()
    qtbot.waitExposed(box)
    qtbot.keyClick(box, key)
    assert box.clickedButton() is not act
    assert box.clickedButton() is box.button(QMessageBox.StandardButton.Cancel)


def test_the_button_says_what_it_does_and_the_title_asks(qtbot: QtBot) -> None:
    box, act = confirmation(
        "Revoke account", "Revoke alice@example.com?", "Its session ends.", "&Revoke"
    )
    qtbot.addWidget(box)
    texts = sorted(b.text() for b in box.buttons())
    assert texts == ["&Cancel", "&Revoke"] or texts == ["&Revoke", "Cancel"]
    assert box.defaultButton() is box.button(QMessageBox.StandardButton.Cancel)
    assert box.buttonRole(act) == QMessageBox.ButtonRole.DestructiveRole
    assert box.windowTitle() == "Revoke account — switcher"
    assert box.text() == "<b>Revoke alice@example.com?</b>"
    act.click()
    assert box.clickedButton() is act


def test_two_sentences_do_not_wrap_into_a_narrow_column(qtbot: QtBot) -> None:
    consequence = (
        "Its session on this computer ends and switcher forgets the account; "
        "you can sign it in again later."
    )
    box, _act = confirmation("Revoke account", "Revoke a@example.com?", consequence, "&Revoke")
    qtbot.addWidget(box)
    box.show()
    qtbot.waitExposed(box)
    label = next(child for child in box.findChildren(QLabel) if child.text() == consequence)
    margins = label.contentsMargins()
    text_height = label.heightForWidth(label.width()) - margins.top() - margins.bottom()
    lines = text_height // label.fontMetrics().lineSpacing()
    assert lines <= 2, f"{lines} lines in a {label.width()} px column"
