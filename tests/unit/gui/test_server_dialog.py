"""The Add server dialog: the address checked inline, kept until it is right; Enter adds."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QAbstractButton, QApplication, QDialog, QLabel, QWidget
from pytestqt.qtbot import QtBot

from switcher.accounts import Accounts, AccountsError
from switcher.gui.controller import Controller
from switcher.gui.server_dialog import AddServerDialog
from switcher.secrets import KeyringSecrets
from switcher.vault import Vault
from tests.support.fault_server import refused_port
from tests.support.memory_keyring import MemoryKeyring
from tests.support.qt import OFFSCREEN_NOTES, type_into
from tests.support.targets import Target

pytestmark = pytest.mark.qt_log_ignore(*OFFSCREEN_NOTES)


def _open(
    qtbot: QtBot,
    controller: Controller | None = None,
    *,
    url: str = "",
    name: str = "",
    error: str | None = None,
) -> AddServerDialog:
    dialog = AddServerDialog(controller, url=url, name=name, error=error)
    qtbot.addWidget(dialog)
    dialog.show()
    return dialog


def _enter(qtbot: QtBot, dialog: AddServerDialog, url: str) -> None:
    """Type ``url`` as a person does and press Enter in the field."""
    type_into(qtbot, dialog.url_field, url)
    qtbot.keyClick(dialog.url_field, Qt.Key.Key_Return)


def _refusal_of_server_add(tmp_path: Path, url: str) -> str:
    """What ``switcher server add URL --no-check`` says about ``url`` (its service's words)."""
    service = Accounts(Vault(tmp_path / "config", KeyringSecrets()))
    with pytest.raises(AccountsError) as refused:
        service.add_server(url)
    return str(refused.value)


def test_every_control_has_an_accessible_name(qtbot: QtBot) -> None:
    dialog = _open(qtbot)
    assert dialog.accessibleName() == "Add server"
    for widget in (dialog.url_field, dialog.name_field, dialog.add, dialog.cancel, dialog.error):
        assert isinstance(widget, QWidget)
        assert widget.accessibleName()
    assert dialog.url_field.hasFocus() or dialog.focusWidget() is dialog.url_field


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("", "Enter the site's address, e.g. https://app.example.com"),
        ("   ", "Enter the site's address, e.g. https://app.example.com"),
        ("https://alice:secret@example.com", "Leave the user name and password out"),
        ("https://example.com:99999", "Not a port number in 'https://example.com:99999'"),
        ("https://exa mple.com", "An address has no spaces"),
        ("https://[::1", "Not an http(s) URL: 'https://[::1'"),
    ],
)
def test_bad_addresses_are_explained_inline_and_what_was_typed_stays(
    qtbot: QtBot, typed: str, message: str
) -> None:
    dialog = _open(qtbot)
    _enter(qtbot, dialog, typed)
    assert dialog.isVisible()
    assert dialog.result() != QDialog.DialogCode.Accepted
    assert dialog.error.isVisible()
    assert dialog.error.text().startswith(message), dialog.error.text()
    assert dialog.url_field.text() == typed  # kept, not selected: a key does not replace it
    assert not dialog.url_field.hasSelectedText()
    assert dialog.url() == ""
    # Editing the address is the answer to the error: it goes.
    qtbot.keyClicks(dialog.url_field, "x")
    assert not dialog.error.isVisible()


@pytest.mark.parametrize("typed", ["ftp://example.com", "https://", "https:///path"])
def test_server_adds_own_refusals_are_the_dialogs_in_the_same_words(
    qtbot: QtBot, backend: MemoryKeyring, tmp_path: Path, typed: str
) -> None:
    """One rule for an address, the command line's: not a second one for the dialog."""
    dialog = _open(qtbot)
    _enter(qtbot, dialog, typed)
    expected = _refusal_of_server_add(tmp_path, typed)
    assert dialog.error.text() == expected[:1].upper() + expected[1:]
    assert dialog.isVisible()
    assert dialog.url_field.text() == typed


@pytest.mark.parametrize(
    ("typed", "used"),
    [
        ("example.com", "https://example.com"),
        ("app.example.com/api/auth", "https://app.example.com/api/auth"),
        ("localhost:3000", "http://localhost:3000"),
        ("127.0.0.1:3000", "http://127.0.0.1:3000"),
        ("[::1]:3000", "http://[::1]:3000"),
        ("  https://app.example.com  ", "https://app.example.com"),
    ],
)
def test_an_address_without_a_scheme_gets_one_and_says_so(
    qtbot: QtBot, typed: str, used: str
) -> None:
    """https:// in front (http:// for this machine), as server add's "did you mean" says."""
    dialog = _open(qtbot)
    type_into(qtbot, dialog.url_field, typed)
    if "://" not in typed:
        assert dialog.completed.isVisible()
        assert dialog.completed.text() == f"switcher will use {used}"
    else:
        assert not dialog.completed.isVisible()
    with qtbot.waitSignal(dialog.accepted, timeout=2000):
        qtbot.keyClick(dialog.url_field, Qt.Key.Key_Return)
    assert dialog.url() == used
    assert dialog.name() is None


def test_the_name_is_optional_and_shows_the_default(qtbot: QtBot) -> None:
    dialog = _open(qtbot)
    type_into(qtbot, dialog.url_field, "https://app.example.com/")
    assert dialog.name_field.placeholderText() == "app.example.com"
    type_into(qtbot, dialog.name_field, "  ")
    assert dialog.name() is None
    type_into(qtbot, dialog.name_field, " work ")
    with qtbot.waitSignal(dialog.accepted, timeout=2000):
        qtbot.keyClick(dialog.name_field, Qt.Key.Key_Return)  # Enter in any field is Add
    assert (dialog.url(), dialog.name()) == ("https://app.example.com/", "work")


def test_escape_and_cancel_add_nothing_and_enter_is_never_cancel(qtbot: QtBot) -> None:
    dialog = _open(qtbot, url="https://app.example.com")
    assert dialog.add.isDefault()
    assert not dialog.cancel.isDefault() and not dialog.cancel.autoDefault()
    with qtbot.waitSignal(dialog.rejected, timeout=2000):
        qtbot.keyClick(dialog, Qt.Key.Key_Escape)
    assert dialog.url() == ""
    again = _open(qtbot, url="https://app.example.com")
    with qtbot.waitSignal(again.rejected, timeout=2000):
        again.cancel.click()
    assert again.url() == ""


def test_an_error_given_back_shows_when_it_opens_with_what_was_typed(qtbot: QtBot) -> None:
    """The way to show the site's refusal when the caller adds the server itself."""
    dialog = _open(
        qtbot, url="https://app.example.com", name="work", error="the site did not answer"
    )
    assert dialog.error.isVisible()
    assert dialog.error.text() == "The site did not answer"
    assert dialog.url_field.accessibleDescription() == "The site did not answer"
    assert (dialog.url_field.text(), dialog.name_field.text()) == (
        "https://app.example.com",
        "work",
    )


def test_with_the_controller_the_sites_refusal_is_inline_and_a_retry_adds_it(
    qtbot: QtBot, make_controller: Callable[..., Controller], server: Target
) -> None:
    controller = make_controller()
    dialog = _open(qtbot, controller)
    with refused_port() as port:
        nothing_there = f"http://127.0.0.1:{port}"
        _enter(qtbot, dialog, nothing_there)
        assert not dialog.add.isEnabled() and dialog.add.text() == "Checking…"
        assert not dialog.url_field.isEnabled()
        qtbot.keyClick(dialog, Qt.Key.Key_Return)  # Enter while it checks: nothing, never Cancel
        assert dialog.isVisible()
        qtbot.waitUntil(lambda: dialog.error.isVisible(), timeout=20000)
    assert nothing_there in dialog.error.text()
    assert dialog.isVisible() and dialog.add.isEnabled() and dialog.url_field.isEnabled()
    assert dialog.url_field.text() == nothing_there
    assert [name for name, _ in controller.snapshot.servers] == ["local", "test"]
    # The same site by another name of this machine: a server of its own.
    other_name = server.base_url.replace("127.0.0.1", "localhost")
    type_into(qtbot, dialog.url_field, other_name)
    assert not dialog.error.isVisible()
    with qtbot.waitSignal(dialog.accepted, timeout=20000):
        qtbot.keyClick(dialog.url_field, Qt.Key.Key_Return)
    assert controller.snapshot.server == "localhost"
    assert controller.snapshot.url == other_name


def test_with_the_controller_a_taken_name_is_refused_before_asking(
    qtbot: QtBot, make_controller: Callable[..., Controller]
) -> None:
    controller = make_controller()
    dialog = _open(qtbot, controller, url="https://app.example.com")
    type_into(qtbot, dialog.name_field, "test")
    qtbot.keyClick(dialog.name_field, Qt.Key.Key_Return)
    assert dialog.name_error.text() == "There is already a server named “test”"  # under the name
    assert dialog.name_field.hasFocus() or dialog.focusWidget() is dialog.name_field
    assert controller.pending == {}


# What a new person's trial found -------------------------------------------------

LONG_ERROR = (
    "https://app.example.com: the TLS handshake failed (if the site speaks plain http "
    "on that port, use http://app.example.com)"
)


def _settled() -> None:
    """Let the dialog act on what changed (it refits itself on the layout's request)."""
    for _ in range(3):
        QApplication.processEvents()


def _fits(dialog: AddServerDialog) -> None:
    """Every field at its natural height, every text line whole."""
    _settled()
    for field in (dialog.url_field, dialog.name_field):
        assert field.height() >= field.sizeHint().height(), field.accessibleName()
    for label in dialog.findChildren(QLabel):
        if label.isVisible():
            needed = max(label.heightForWidth(label.width()), label.minimumSizeHint().height())
            assert label.height() >= needed, label.text()
            if label.wordWrap():  # and no blank line around it, as if it had more
                assert label.height() < needed + label.fontMetrics().height(), label.text()
    layout = dialog.layout()
    assert layout is not None
    assert dialog.height() >= layout.totalHeightForWidth(dialog.width())


def test_the_dialog_grows_to_fit_a_hint_or_an_error_and_shrinks_back(qtbot: QtBot) -> None:
    dialog = _open(qtbot)
    _fits(dialog)
    natural = dialog.height()
    type_into(qtbot, dialog.url_field, "example.com")  # the hint: https:// will be added
    assert dialog.completed.isVisible()
    _fits(dialog)
    assert dialog.height() > natural
    type_into(qtbot, dialog.url_field, "https://bob:secret@app.example.com")
    qtbot.keyClick(dialog.url_field, Qt.Key.Key_Return)  # an error of two lines
    assert dialog.error.isVisible()
    _fits(dialog)
    dialog.show_error(LONG_ERROR)
    _fits(dialog)
    assert dialog.height() > natural + 2 * dialog.fontMetrics().height()
    type_into(qtbot, dialog.url_field, "https://app.example.com")  # the error goes
    _settled()
    assert dialog.height() == natural


def test_an_error_given_back_with_a_hint_fits_when_it_opens(qtbot: QtBot) -> None:
    dialog = _open(qtbot, url="example.com", error=LONG_ERROR)
    assert dialog.error.isVisible()
    _fits(dialog)


@pytest.mark.parametrize(
    "message",
    [
        "https://example.com: no such host",
        "http://127.0.0.1:3999 did not answer within 10 s",
        "example.com: no such host",
        "alice@example.com was created, but the site starts no session yet",
        "switcher cannot read Vivaldi profiles yet",
        "Invalid email or password",
    ],
)
def test_a_message_that_starts_with_an_address_or_a_name_keeps_its_case(
    qtbot: QtBot, message: str
) -> None:
    dialog = _open(qtbot)
    dialog.show_error(message)
    assert dialog.error.text() == message
    assert dialog.url_field.accessibleDescription() == message


def test_a_message_that_starts_with_a_word_starts_with_a_capital(qtbot: QtBot) -> None:
    dialog = _open(qtbot)
    dialog.show_error("cannot connect to https://example.com (is the server running?)")
    assert dialog.error.text() == "Cannot connect to https://example.com (is the server running?)"


def _is_under(widget: QWidget, field: QWidget, dialog: QWidget) -> bool:
    """Whether ``widget`` is right under ``field``: below it, nothing shown between."""
    top = widget.mapTo(dialog, QPoint(0, 0)).y()
    bottom = field.mapTo(dialog, QPoint(0, field.height())).y()
    if top < bottom:
        return False
    for other in dialog.findChildren(QWidget):
        if other in (widget, field) or not other.isVisible() or other.isWindow():
            continue
        other_top = other.mapTo(dialog, QPoint(0, 0)).y()
        if bottom <= other_top < top and other.height() > 0:
            return False
    return True


def test_the_error_is_under_the_field_it_is_about(
    qtbot: QtBot, make_controller: Callable[..., Controller]
) -> None:
    dialog = _open(qtbot, make_controller())
    _enter(qtbot, dialog, "example.com:99999")
    _settled()
    assert dialog.error.isVisible()
    assert _is_under(dialog.error, dialog.url_field, dialog)
    assert dialog.url_field.accessibleDescription() == dialog.error.text()
    # A name that is taken: said under the name.
    type_into(qtbot, dialog.url_field, "example.com")
    assert not dialog.error.isVisible()
    assert dialog.completed.isVisible()
    type_into(qtbot, dialog.name_field, "test")
    qtbot.keyClick(dialog.name_field, Qt.Key.Key_Return)
    _settled()
    assert dialog.name_error.isVisible()
    assert dialog.name_error.text() == "There is already a server named “test”"
    assert _is_under(dialog.name_error, dialog.name_field, dialog)
    assert dialog.name_field.accessibleDescription() == dialog.name_error.text()
    assert dialog.url_field.accessibleDescription() == ""
    type_into(qtbot, dialog.name_field, "work")
    assert not dialog.name_error.isVisible()
    assert dialog.name_field.accessibleDescription() == ""


def _mnemonic(text: str) -> str | None:
    """The letter after a single "&" in ``text`` (lowercase), if it has one."""
    at = text.replace("&&", "").find("&")
    return text.replace("&&", "")[at + 1].lower() if at >= 0 else None


def test_every_label_and_button_has_a_key_of_its_own(qtbot: QtBot) -> None:
    dialog = _open(qtbot)
    # KDE's Cancel is "&Cancel" (the offscreen platform's has no key): C is taken.
    keys = ["c"]
    for widget in dialog.findChildren(QLabel) + dialog.findChildren(QAbstractButton):
        key = _mnemonic(widget.text())
        if key is not None:
            keys.append(key)
    assert len(keys) == len(set(keys)), keys
    assert len(keys) >= 4  # Cancel, the two fields and Add each have one


def test_a_new_check_clears_the_last_error(
    qtbot: QtBot, make_controller: Callable[..., Controller]
) -> None:
    with refused_port() as port:
        nothing_there = f"http://127.0.0.1:{port}"
        dialog = _open(qtbot, make_controller(), url=nothing_there, error="the site did not answer")
        assert dialog.error.isVisible()
        qtbot.keyClick(dialog.url_field, Qt.Key.Key_Return)  # try again, as it is
        assert dialog.add.text() == "Checking…"
        assert not dialog.error.isVisible()  # the old answer is not this check's
        assert dialog.url_field.accessibleDescription() == ""
        qtbot.waitUntil(lambda: dialog.error.isVisible(), timeout=20000)
    assert nothing_there in dialog.error.text()
