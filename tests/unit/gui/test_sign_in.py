"""The sign-in dialog: validation inline, the server's error inline, busy while working."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from PySide6.QtCore import QEvent, QObject, QPoint, Qt
from PySide6.QtGui import QColor, QKeyEvent, QPalette
from PySide6.QtWidgets import QAbstractButton, QApplication, QLineEdit, QWidget
from pytestqt.qtbot import QtBot

from switcher.bundled import LOCAL
from switcher.gui.contrast import AA_TEXT, contrast_ratio
from switcher.gui.controller import Controller
from switcher.gui.sign_in import SignInDialog
from tests.support.qt import OFFSCREEN_NOTES, add_account, open_sign_in, type_into, wait_job
from tests.support.targets import PASSWORD, unique_email

pytestmark = pytest.mark.qt_log_ignore(*OFFSCREEN_NOTES)

LONG_EMAIL = "alexandra.konstantinopoulou@engineering.example.com"


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
    dialog.name.setText("Ann")  # asked for first when creating: see the test of the order
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
    dialog.name.setText("Retry")
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
    type_into(qtbot, dialog.name, "Shown")
    type_into(qtbot, dialog.email, email)
    type_into(qtbot, dialog.password, PASSWORD)
    qtbot.keyClick(dialog.password, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: dialog.job is None, timeout=20000)
    assert not dialog.isVisible(), dialog.error.text()
    assert [a.email for a in controller.service.server("test").accounts] == [email]
    assert controller.service.server("elsewhere").accounts == []


# Helpers ---------------------------------------------------------------------


class ReturnPressesTheFocusedButton(QObject):
    """What GNOME's platform theme does, which the offscreen one does not: its
    ButtonPressKeys include Return and Enter, so a focused button (Cancel, a
    checkbox) takes them as a click before the dialog sees them."""

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if (
            event.type() == QEvent.Type.KeyPress
            and isinstance(event, QKeyEvent)
            and event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter)
            and isinstance(watched, QAbstractButton)
            and watched.isEnabled()
        ):
            watched.click()
            return True
        return False


@pytest.fixture
def gnome_keys() -> Iterator[None]:
    app = QApplication.instance()
    assert app is not None
    keys = ReturnPressesTheFocusedButton()
    app.installEventFilter(keys)
    yield
    app.removeEventFilter(keys)


def _active(qtbot: QtBot, dialog: SignInDialog) -> SignInDialog:
    """Keys reach the dialog as they do a window a person types in: it is the active one."""
    dialog.activateWindow()
    qtbot.waitUntil(dialog.isActiveWindow, timeout=2000)
    return dialog


def _settled() -> None:
    """Let the dialog act on what changed (it refits itself on the layout's request)."""
    for _ in range(3):
        QApplication.processEvents()


def _focused() -> QWidget:
    widget = QApplication.focusWidget()
    assert widget is not None
    return widget


def _shows_whole(field: QLineEdit) -> bool:
    """Whether all of the field's text is in view: with nothing scrolled out, the
    cursor moves from the first character to the end by the text's full width."""
    field.setCursorPosition(0)
    field.repaint()  # a line edit scrolls its text when it paints
    start = field.cursorRect().center().x()
    field.setCursorPosition(len(field.text()))
    field.repaint()
    end = field.cursorRect().center().x()
    return end - start >= field.fontMetrics().horizontalAdvance(field.text()) - 1


@pytest.fixture
def dark_theme() -> Iterator[QPalette]:
    """A dark palette for the whole application, as a dark desktop theme sets it."""
    app = QApplication.instance()
    assert isinstance(app, QApplication)
    before = app.palette()
    palette = QPalette()
    for role, colour in (
        (QPalette.ColorRole.Window, "#242424"),
        (QPalette.ColorRole.WindowText, "#ffffff"),
        (QPalette.ColorRole.Base, "#1e1e1e"),
        (QPalette.ColorRole.Text, "#ffffff"),
        (QPalette.ColorRole.Button, "#303030"),
        (QPalette.ColorRole.ButtonText, "#ffffff"),
    ):
        palette.setColor(role, QColor(colour))
    app.setPalette(palette)
    yield palette
    app.setPalette(before)


def _text_contrast(dialog: SignInDialog, label: QWidget) -> float:
    """The contrast of the label's text as the dialog draws it: its most
    contrasting pixel against the dialog's window colour."""
    image = dialog.grab(label.geometry()).toImage()
    background = dialog.palette().color(QPalette.ColorRole.Window)
    seen = {image.pixel(x, y) for x in range(image.width()) for y in range(image.height())}
    return max(contrast_ratio(QColor.fromRgb(pixel), background) for pixel in seen)


# What a new person's trial found -----------------------------------------------


def test_enter_never_cancels_where_return_presses_the_focused_button(
    qtbot: QtBot, make_controller: Callable[..., Controller], gnome_keys: None
) -> None:
    """Enter is the dialog's main action wherever the focus is, or falls while the
    fields are disabled: never Cancel, also on a theme where Return presses it."""
    controller = make_controller()
    dialog = _active(qtbot, open_sign_in(qtbot, controller))
    type_into(qtbot, dialog.email, unique_email("enter"))
    type_into(qtbot, dialog.password, "wrong-password")
    qtbot.keyClick(dialog.password, Qt.Key.Key_Return)
    assert dialog.job is not None  # signing in
    qtbot.keyClick(_focused(), Qt.Key.Key_Return)  # Enter again, while it works
    assert dialog.isVisible()
    qtbot.waitUntil(lambda: dialog.job is None, timeout=20000)
    assert dialog.isVisible()
    assert dialog.error.text() == "Invalid email or password"
    qtbot.keyClick(_focused(), Qt.Key.Key_Return)  # after the refusal: another try
    assert dialog.isVisible()
    assert dialog.job is not None
    qtbot.waitUntil(lambda: dialog.job is None, timeout=20000)
    # Wherever the person has moved the focus to, Enter signs in.
    dialog.email.clear()
    for widget in (dialog.cancel, dialog.create_account, dialog.show_password, dialog.remember):
        checked = widget.isChecked()
        widget.setFocus()
        qtbot.keyClick(widget, Qt.Key.Key_Return)
        assert dialog.isVisible(), widget.text()
        assert widget.isChecked() == checked, widget.text()
        assert dialog.error.text() == "Enter your email address."  # the sign-in's check ran
        assert controller.pending == {}


def test_a_long_address_shows_whole(
    qtbot: QtBot, make_controller: Callable[..., Controller]
) -> None:
    dialog = open_sign_in(qtbot, make_controller())
    dialog.create_account.setChecked(True)
    _settled()
    for field in (dialog.email, dialog.name):
        field.setText(LONG_EMAIL)
        assert _shows_whole(field), field.accessibleName()


def test_a_new_account_reads_name_email_password_in_that_order(
    qtbot: QtBot, make_controller: Callable[..., Controller]
) -> None:
    dialog = _active(qtbot, open_sign_in(qtbot, make_controller()))
    assert dialog.email.hasFocus()  # signing in is what most people came for
    assert not dialog.name.isVisible()
    create = dialog.create_account
    top = create.mapTo(dialog, QPoint(0, 0)).y()
    dialog.create_account.setChecked(True)
    _settled()
    assert create.mapTo(dialog, QPoint(0, 0)).y() == top  # it does not move away when ticked
    rows: list[QWidget] = [create, dialog.name, dialog.email, dialog.password]
    tops = [row.mapTo(dialog, QPoint(0, 0)).y() for row in rows]
    assert tops == sorted(set(tops)), "Create a new account, Name, Email, Password, top down"
    # Tab goes the way the rows read.
    create.setFocus()
    order = [_focused()]
    for _ in rows[1:]:
        qtbot.keyClick(_focused(), Qt.Key.Key_Tab)
        order.append(_focused())
    assert order == rows


def test_the_password_can_be_shown_from_the_keyboard(
    qtbot: QtBot, make_controller: Callable[..., Controller]
) -> None:
    dialog = _active(qtbot, open_sign_in(qtbot, make_controller()))
    assert dialog.show_password.accessibleName() == "Show password"
    dialog.password.setText("hunter2hunter2")
    assert dialog.password.echoMode() == QLineEdit.EchoMode.Password
    dialog.password.setFocus()
    qtbot.keyClick(dialog.password, Qt.Key.Key_Tab)
    assert _focused() is dialog.show_password  # the next stop after the password
    qtbot.keyClick(dialog.show_password, Qt.Key.Key_Space)
    assert dialog.password.echoMode() == QLineEdit.EchoMode.Normal
    qtbot.keyClick(dialog.show_password, Qt.Key.Key_Space)
    assert dialog.password.echoMode() == QLineEdit.EchoMode.Password


def test_the_dialog_shrinks_back_when_an_error_or_a_row_goes(
    qtbot: QtBot, make_controller: Callable[..., Controller]
) -> None:
    dialog = open_sign_in(qtbot, make_controller())
    _settled()
    natural = dialog.height()
    qtbot.keyClick(dialog.password, Qt.Key.Key_Return)  # nothing typed: an error, no request
    _settled()
    assert dialog.error.isVisible()
    assert dialog.height() > natural
    qtbot.keyClicks(dialog.email, "a")  # typing again: the error goes
    _settled()
    assert not dialog.error.isVisible()
    assert dialog.height() == natural
    dialog.show_error("a message long enough to take a few lines at this width. " * 4)
    _settled()
    assert dialog.height() > natural + dialog.fontMetrics().height()  # room for each line
    dialog.create_account.setChecked(True)  # another question: the old answer goes
    _settled()
    assert not dialog.error.isVisible()
    assert dialog.height() > natural  # the Name row
    dialog.create_account.setChecked(False)
    _settled()
    assert dialog.height() == natural


def test_signing_an_account_in_again(
    qtbot: QtBot, make_controller: Callable[..., Controller]
) -> None:
    controller = make_controller()
    email = add_account(qtbot, controller, "again")
    dialog = SignInDialog(controller)
    qtbot.addWidget(dialog)
    dialog.sign_in_again(email)
    dialog.show()
    _active(qtbot, dialog)
    assert dialog.windowTitle() == "Sign in again — switcher"
    assert dialog.email.text() == email
    assert dialog.email.isReadOnly()  # another address would be another account
    assert dialog.password.hasFocus()
    assert not dialog.create_account.isVisible()
    qtbot.keyClicks(dialog.password, "wrong-password")
    qtbot.keyClick(dialog.password, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: dialog.job is None, timeout=20000)
    assert dialog.error.text() == "Invalid email or password"
    assert dialog.windowTitle() == "Sign in again — switcher"
    assert dialog.email.text() == email
    type_into(qtbot, dialog.password, PASSWORD)
    with qtbot.waitSignal(dialog.accepted, timeout=20000):
        qtbot.keyClick(dialog.password, Qt.Key.Key_Return)
    assert controller.snapshot.active is not None
    assert controller.snapshot.active.email == email


def test_the_error_is_legible_on_a_light_palette(
    qtbot: QtBot, make_controller: Callable[..., Controller]
) -> None:
    dialog = open_sign_in(qtbot, make_controller())
    dialog.show_error("invalid email or password")
    _settled()
    assert dialog.palette().color(QPalette.ColorRole.Window).lightness() > 128
    assert _text_contrast(dialog, dialog.error) >= AA_TEXT


def test_the_error_is_legible_on_a_dark_palette(
    qtbot: QtBot, make_controller: Callable[..., Controller], dark_theme: QPalette
) -> None:
    dialog = open_sign_in(qtbot, make_controller())
    dialog.show_error("invalid email or password")
    _settled()
    window = QPalette.ColorRole.Window
    assert dialog.palette().color(window) == dark_theme.color(window)
    assert _text_contrast(dialog, dialog.error) >= AA_TEXT


def test_the_error_follows_a_theme_changed_while_the_dialog_is_open(
    qtbot: QtBot, make_controller: Callable[..., Controller]
) -> None:
    dialog = open_sign_in(qtbot, make_controller())
    dialog.show_error("invalid email or password")
    _settled()
    assert _text_contrast(dialog, dialog.error) >= AA_TEXT
    app = QApplication.instance()
    assert isinstance(app, QApplication)
    before = app.palette()
    dark = QPalette(before)
    dark.setColor(QPalette.ColorRole.Window, QColor("#242424"))
    dark.setColor(QPalette.ColorRole.WindowText, QColor("#ffffff"))
    try:
        app.setPalette(dark)
        _settled()
        assert _text_contrast(dialog, dialog.error) >= AA_TEXT
    finally:
        app.setPalette(before)


def test_the_bundled_server_reads_as_this_computer(
    qtbot: QtBot, make_controller: Callable[..., Controller]
) -> None:
    controller = make_controller()
    controller.service.use_server(LOCAL)
    controller.reload()
    assert controller.snapshot.server == LOCAL
    controller.methods[LOCAL] = frozenset()  # known already: the dialog asks it nothing
    dialog = SignInDialog(controller)
    qtbot.addWidget(dialog)
    assert dialog.server.text() == f"Server: This computer ({controller.snapshot.url})"


def _tick_by_space(qtbot: QtBot, dialog: SignInDialog) -> None:
    dialog.create_account.setFocus()
    qtbot.keyClick(dialog.create_account, Qt.Key.Key_Space)


def _tick_by_its_key(qtbot: QtBot, dialog: SignInDialog) -> None:
    qtbot.keyClick(_focused(), Qt.Key.Key_W, Qt.KeyboardModifier.AltModifier)
    # Alt+W presses the box as a click does, a moment later.
    checked = not dialog.create_account.isChecked()
    qtbot.waitUntil(lambda: dialog.create_account.isChecked() == checked, timeout=2000)


def _tick_by_mouse(qtbot: QtBot, dialog: SignInDialog) -> None:
    box = dialog.create_account
    qtbot.mouseClick(
        box, Qt.MouseButton.LeftButton, pos=QPoint(box.iconSize().width() // 2, box.height() // 2)
    )


@pytest.mark.parametrize("tick", [_tick_by_space, _tick_by_its_key, _tick_by_mouse])
def test_ticking_create_a_new_account_takes_the_focus_to_the_name(
    qtbot: QtBot,
    make_controller: Callable[..., Controller],
    tick: Callable[[QtBot, SignInDialog], None],
) -> None:
    """What the person types next is the name, the row the box just revealed."""
    dialog = _active(qtbot, open_sign_in(qtbot, make_controller()))
    dialog.name.setText("Ann")  # from an earlier tick: selected, a name typed replaces it
    dialog.email.setText("ann@example.com")
    tick(qtbot, dialog)
    assert dialog.create_account.isChecked()
    assert _focused() is dialog.name
    assert dialog.name.selectedText() == "Ann"
    # Unticked, the name goes away: the focus goes on to the email, kept as typed.
    tick(qtbot, dialog)
    assert not dialog.create_account.isChecked()
    assert _focused() is dialog.email
    assert dialog.email.text() == "ann@example.com"


def test_the_first_field_at_fault_is_named_and_takes_the_focus(
    qtbot: QtBot, make_controller: Callable[..., Controller]
) -> None:
    """Checked in the order the rows read: Name, Email, Password; the one at
    fault has the focus, its text selected, so what is typed next corrects it."""
    controller = make_controller()
    dialog = _active(qtbot, open_sign_in(qtbot, controller))
    dialog.create_account.setChecked(True)
    cases = [
        ("", "", "", "Enter your name.", dialog.name),
        ("  ", "alice", "", "Enter your name.", dialog.name),
        ("Ann", "", "", "Enter your email address.", dialog.email),
        ("Ann", "alice", "", "A new account needs an email address.", dialog.email),
        ("Ann", "ann@example.com", "", "Enter your password.", dialog.password),
        (
            "Ann",
            "ann@example.com",
            "short",
            "A new password needs at least 8 characters.",
            dialog.password,
        ),
    ]
    for name, email, password, message, field in cases:
        dialog.name.setText(name)
        dialog.email.setText(email)
        dialog.password.setText(password)
        dialog.create_account.setFocus()
        qtbot.keyClick(dialog.create_account, Qt.Key.Key_Return)
        assert dialog.error.text() == message
        assert _focused() is field, message
        assert field.selectedText() == field.text(), message
        assert controller.pending == {}
    # Signing in: no name asked for.
    dialog.create_account.setChecked(False)
    dialog.email.clear()
    dialog.show_password.setFocus()
    qtbot.keyClick(dialog.show_password, Qt.Key.Key_Return)
    assert dialog.error.text() == "Enter your email address."
    assert _focused() is dialog.email


def test_a_message_that_starts_with_an_address_keeps_its_case(
    qtbot: QtBot, make_controller: Callable[..., Controller]
) -> None:
    """Only a sentence's first word gets a capital: never a URL's scheme or an address."""
    dialog = open_sign_in(qtbot, make_controller())
    for message in (
        "http://127.0.0.1:9 did not answer within 10 s",
        "alice@example.com was created, but the site starts no session yet",
    ):
        dialog.show_error(message)
        assert dialog.error.text() == message
    dialog.show_error("cannot connect to http://127.0.0.1:9 (is the server running?)")
    assert dialog.error.text() == "Cannot connect to http://127.0.0.1:9 (is the server running?)"
