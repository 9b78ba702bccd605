"""The sign-in dialog: validation inline, the server's error inline, busy while working."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QWidget
from pytestqt.qtbot import QtBot

from switcher.gui.controller import Controller
from tests.support.qt import OFFSCREEN_NOTES, open_sign_in, type_into, wait_job
from tests.support.targets import PASSWORD, unique_email

pytestmark = pytest.mark.qt_log_ignore(*OFFSCREEN_NOTES)


def test_every_control_has_an_accessible_name(
    qtbot: QtBot, make_controller: Callable[..., Controller]
) -> None:
    dialog = open_sign_in(qtbot, make_controller())
    for widget in (
        dialog.email,
        dialog.password,
        dialog.create_account,
        dialog.name,
        dialog.remember,
        dialog.ok,
    ):
        assert isinstance(widget, QWidget)
        assert widget.accessibleName()


def test_bad_input_is_explained_inline_without_a_request(
    qtbot: QtBot, make_controller: Callable[..., Controller]
) -> None:
    controller = make_controller()
    dialog = open_sign_in(qtbot, controller)
    # switcher's own server has no username plugin, and the dialog knows it by now.
    assert dialog.email_label.text() == "&Email"
    cases = [
        ("", "", False, "Enter your email address."),
        ("", "", True, "Enter your email address."),
        ("not@an-email", "x", False, "This site signs in by email address."),
        ("alice", "x", False, "This site signs in by email address."),
        ("alice", "password123", True, "A new account needs an email address."),
        ("a@example.com", "", False, "Enter your password."),
        ("a@example.com", "short", True, "A new password needs at least 8 characters."),
    ]
    for email, password, create, message in cases:
        dialog.email.setText(email)
        dialog.password.setText(password)
        dialog.create_account.setChecked(create)
        qtbot.keyClick(dialog.password, Qt.Key.Key_Return)
        assert dialog.error.text() == message
        assert dialog.error.isVisible()
        assert controller.pending == {}


def test_the_servers_error_is_shown_inline_and_the_password_kept_for_retry(
    qtbot: QtBot, make_controller: Callable[..., Controller]
) -> None:
    controller = make_controller()
    dialog = open_sign_in(qtbot, controller)
    dialog.email.setText(unique_email())
    dialog.password.setText("wrong-password")
    qtbot.keyClick(dialog.password, Qt.Key.Key_Return)
    assert not dialog.ok.isEnabled()  # busy
    assert dialog.ok.text() == "Signing in…"
    qtbot.waitUntil(lambda: dialog.error.isVisible(), timeout=20000)
    assert dialog.error.text() == "Invalid email or password"
    assert dialog.ok.isEnabled()
    assert dialog.isVisible()


def test_creating_an_account_closes_the_dialog_and_makes_it_active(
    qtbot: QtBot, make_controller: Callable[..., Controller]
) -> None:
    controller = make_controller()
    dialog = open_sign_in(qtbot, controller)
    email = unique_email("new")
    dialog.create_account.setChecked(True)
    assert dialog.name.isVisible()
    assert dialog.ok.text() == "Create account"
    dialog.email.setText(email)
    dialog.password.setText(PASSWORD)
    dialog.name.setText("New Person")
    with qtbot.waitSignal(dialog.accepted, timeout=20000):
        dialog.ok.click()
    assert controller.snapshot.active is not None
    assert controller.snapshot.active.email == email
    assert controller.snapshot.active.name == "New Person"
    assert dialog.password.text() == ""


def test_escape_closes(qtbot: QtBot, make_controller: Callable[..., Controller]) -> None:
    dialog = open_sign_in(qtbot, make_controller())
    with qtbot.waitSignal(dialog.rejected, timeout=2000):
        qtbot.keyClick(dialog, Qt.Key.Key_Escape)


def test_enter_after_a_refused_sign_in_tries_again_and_never_cancels(
    qtbot: QtBot, make_controller: Callable[..., Controller]
) -> None:
    """While busy the fields are disabled and focus lands on Cancel; it must not stay the
    button Enter presses."""
    controller = make_controller()
    dialog = open_sign_in(qtbot, controller)
    dialog.activateWindow()
    dialog.password.setFocus()
    email = unique_email("retry")
    dialog.email.setText(email)
    dialog.password.setText("wrong-password")
    qtbot.keyClick(dialog.password, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: dialog.error.isVisible(), timeout=20000)
    assert dialog.error.text() == "Invalid email or password"
    dialog.create_account.setChecked(True)  # the account does not exist: create it instead
    assert not dialog.error.isVisible()  # the old answer is about the old request
    dialog.password.setFocus()
    dialog.password.setText(PASSWORD)
    qtbot.keyClick(dialog.password, Qt.Key.Key_Return)
    assert dialog.isVisible()
    assert controller.pending  # a second attempt, not a cancel
    with qtbot.waitSignal(dialog.accepted, timeout=20000):
        pass
    assert controller.snapshot.active is not None
    assert controller.snapshot.active.email == email


def test_the_password_goes_to_the_server_the_dialog_shows_even_if_the_tray_moved(
    qtbot: QtBot, make_controller: Callable[..., Controller]
) -> None:
    controller = make_controller()
    dialog = open_sign_in(qtbot, controller)
    assert dialog.server.text().startswith("Server: test ")
    controller.service.add_server("http://127.0.0.1:9", name="elsewhere")  # nothing listens
    wait_job(qtbot, controller, controller.use_server("elsewhere"))
    assert controller.snapshot.server == "elsewhere"  # the tray moved on meanwhile
    email = unique_email("shown")
    dialog.create_account.setChecked(True)
    type_into(qtbot, dialog.email, email)
    type_into(qtbot, dialog.password, PASSWORD)
    qtbot.keyClick(dialog.password, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: dialog.job is None, timeout=20000)
    assert not dialog.isVisible(), dialog.error.text()
    assert [a.email for a in controller.service.server("test").accounts] == [email]
    assert controller.service.server("elsewhere").accounts == []
