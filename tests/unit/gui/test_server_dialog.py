"""The Add server dialog: the address checked inline, kept until it is right; Enter adds."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog, QWidget
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
    assert dialog.error.text() == "There is already a server named “test”"
    assert dialog.name_field.hasFocus() or dialog.focusWidget() is dialog.name_field
    assert controller.pending == {}
