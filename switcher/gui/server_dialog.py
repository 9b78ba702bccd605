"""The Add server dialog: the site's address and an optional name, checked inline.

It stays open, keeping what was typed, until the address is one ``switcher
server add`` takes; given the controller it also waits for the site to answer,
and shows the site's own refusal (unreachable, not better-auth) in the same
place, under the address where it can be corrected, instead of in a
notification after the dialog has gone.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from PySide6.QtCore import QEvent, Qt
from PySide6.QtGui import QPalette, QResizeEvent
from PySide6.QtWidgets import (
    QDialog,
    QFormLayout,
    QLabel,
    QLineEdit,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

# server add's own rule for an address (an http(s) URL with a host), so that
# the dialog refuses what the command line refuses, in the same words.
from switcher.accounts import AccountsError, _site_and_name
from switcher.gui.contrast import error_colour
from switcher.gui.controller import Controller
from switcher.gui.dialog_buttons import action_buttons
from switcher.gui.fit import content_height
from switcher.gui.sign_in_pages import as_sentence
from switcher.protocol.hosts import is_loopback

TITLE = "Add server"
EXAMPLE = "https://app.example.com"
# Word joiners either side of the hyphen: a wrapped line never ends in "better-".
BETTER_AUTH = "better\u2060-\u2060auth"


def with_scheme(typed: str) -> str:
    """``typed``, stripped, with ``https://`` in front when it has no scheme.

    What the command line's refusal suggests ("did you mean https://…?"):
    http for this machine's own addresses, which rarely have a certificate.
    """
    text = typed.strip()
    if not text or "://" in text:
        return text
    authority = text.split("/")[0].rsplit("@", 1)[-1]
    host = authority[1:].split("]")[0] if authority.startswith("[") else authority.split(":")[0]
    return f"{'http' if is_loopback(host) else 'https'}://{text}"


def server_url(typed: str) -> str:
    """The address to add for what was typed; ``AccountsError`` saying why it cannot be.

    A missing scheme is added (``with_scheme``); the rest is ``server add``'s
    rule, plus what that rule lets through and a server's address must never
    have: a user name or password (it would be saved, shown and logged as
    part of the address) and a port that is not one.
    """
    url = with_scheme(typed)
    if not url:
        raise AccountsError(f"enter the site's address, e.g. {EXAMPLE}")
    try:
        parts = urlsplit(url)
    except ValueError:  # urlsplit's: an unclosed "[" of an IPv6 address
        raise AccountsError(f"not an http(s) URL: {url!r}") from None
    # The dialog's own words first, for what a person types by mistake.
    if parts.username is not None or parts.password is not None:
        raise AccountsError(
            "leave the user name and password out of the address: "
            "switcher signs in with the accounts you add to it"
        )
    try:
        parts.port  # noqa: B018 (urlsplit checks the port when asked for it)
    except ValueError:
        raise AccountsError(f"not a port number in {url!r}") from None
    if any(c.isspace() for c in url):
        raise AccountsError(f"an address has no spaces: {url!r}")
    try:
        _site_and_name(url, None, None)
    except ValueError:
        raise AccountsError(f"not an http(s) URL: {url!r}") from None
    return url


class AddServerDialog(QDialog):
    """Ask for a better-auth site's address and an optional name.

    With ``controller``, Add asks the controller to add the server and the
    dialog waits: it closes (accepted) once the server is added, or shows the
    site's answer inline and stays open. Without, Add closes it (accepted) as
    soon as the address is well-formed, and the caller adds ``url()`` and
    ``name()``; to show an error that came later, open a new one with the
    same ``url``, ``name`` and that ``error``.
    """

    def __init__(
        self,
        controller: Controller | None = None,
        parent: QWidget | None = None,
        *,
        url: str = "",
        name: str = "",
        error: str | None = None,
    ) -> None:
        super().__init__(parent)
        self.controller = controller
        self.job: int | None = None
        self._url = ""
        self.setWindowTitle(f"{TITLE} — switcher")
        self.setAccessibleName(TITLE)

        intro = QLabel(
            f"The address of a site that signs people in with {BETTER_AUTH}. "
            f"Before adding it, switcher asks the site where {BETTER_AUTH} answers."
        )
        intro.setWordWrap(True)

        self.url_field = QLineEdit(url)
        self.url_field.setPlaceholderText(EXAMPLE)
        self.url_field.setAccessibleName("Site address")
        self.url_field.setInputMethodHints(Qt.InputMethodHint.ImhUrlCharactersOnly)
        # Room for a typical address without scrolling: about 40 characters
        # of the dialog's font, at any scale (the intro wraps to that width).
        self.url_field.setMinimumWidth(self.fontMetrics().averageCharWidth() * 40)
        # What will be asked when the scheme was left out, said before Add.
        self.completed = QLabel()
        self.completed.setAccessibleName("Address to be used")
        self.completed.hide()
        self.name_field = QLineEdit(name)
        self.name_field.setAccessibleName("Name (optional)")
        # What is wrong with a field, right under it: the address's (most
        # errors: the site's answer too) or the name's (a name taken).
        self.error = self._error_label()
        self.name_error = self._error_label()

        form = QFormLayout()
        # S, not A: Alt+A is Add's; C is Cancel's on KDE.
        url_label = QLabel("&Site address")
        url_label.setBuddy(self.url_field)
        form.addRow(url_label, self.url_field)
        form.addRow("", self.error)
        form.addRow("", self.completed)
        name_label = QLabel("&Name (optional)")
        name_label.setBuddy(self.name_field)
        form.addRow(name_label, self.name_field)
        form.addRow("", self.name_error)

        self.buttons, self.add, self.cancel = action_buttons("&Add", "Add")
        self.buttons.accepted.connect(self.submit)
        self.buttons.rejected.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(form)
        layout.addWidget(self.buttons)

        # Editing a field is the answer to what was wrong with it.
        self.url_field.textEdited.connect(lambda: self._clear_error(self.url_field))
        self.name_field.textEdited.connect(lambda: self._clear_error(self.name_field))
        self.url_field.textChanged.connect(self._typed)
        if controller is not None:
            controller.finished.connect(self._finished)
        self._colour()
        self._typed(url)
        if error:
            self.show_error(error)
        self.url_field.setFocus()

    # -- what the caller reads ----------------------------------------------------------
    def url(self) -> str:
        """The address to add (with the scheme it was missing); "" until Add took it."""
        return self._url

    def name(self) -> str | None:
        """The name typed, or ``None`` for the default (the site's host)."""
        return self.name_field.text().strip() or None

    def show_error(self, message: str) -> None:
        """``message`` under the address (e.g. the site's answer, given back later)."""
        self._show_error(message, self.url_field)

    # -- behaviour ----------------------------------------------------------------------
    def submit(self) -> None:
        if self.job is not None:
            return
        try:
            url = server_url(self.url_field.text())
        except AccountsError as error:
            self._refuse(str(error), self.url_field)
            return
        name = self.name()
        # server add refuses a taken name too, but in the command line's words
        # ("choose another with --name"); the servers on screen are known here.
        taken = {known for known, _ in self.controller.snapshot.servers} if self.controller else ()
        if name in taken:
            self._refuse(f"there is already a server named “{name}”", self.name_field)
            return
        self._url = url
        if self.controller is None:
            self.accept()
            return
        self.job = self.controller.add_server(url, name)
        self._set_busy(True)

    def _error_label(self) -> QLabel:
        label = QLabel()
        label.setWordWrap(True)
        # As tall as its lines at the width it gets, no taller. A wrapped
        # label's size hint is its text at some narrower width (five lines for
        # two), and a form layout gives its row that height when it is more.
        policy = label.sizePolicy()
        policy.setVerticalPolicy(QSizePolicy.Policy.Ignored)
        label.setSizePolicy(policy)
        label.setAccessibleName("Error")
        label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        label.hide()
        return label

    def _error_of(self, field: QLineEdit) -> QLabel:
        return self.name_error if field is self.name_field else self.error

    def _show_error(self, message: str, field: QLineEdit) -> None:
        self._clear_error()  # one thing wrong at a time: the one just found
        text = as_sentence(message)
        label = self._error_of(field)
        label.setText(text)
        label.show()
        # Said with the field, for a screen reader on it.
        field.setAccessibleDescription(text)
        self._show_hint()

    def _refuse(self, message: str, field: QLineEdit) -> None:
        self._show_error(message, field)
        field.setFocus()
        # Not selected: a key pressed next must not replace what was typed.
        field.deselect()
        field.end(False)

    def _finished(self, job: int, ok: bool, message: str) -> None:
        if job != self.job:
            return
        self.job = None
        self._set_busy(False)
        if ok:
            self.accept()
            return
        self._refuse(message, self.url_field)

    def _set_busy(self, busy: bool) -> None:
        if busy:
            # Disabling the focused field would hand the focus on to Cancel,
            # where Space (or Enter, on themes that press the focused button)
            # would end it all: the dialog itself holds it meanwhile.
            self.setFocus(Qt.FocusReason.OtherFocusReason)
            self._clear_error()  # the last check's answer is not this one's
        for widget in (self.url_field, self.name_field, self.add):
            widget.setEnabled(not busy)
        self.add.setText("Checking…" if busy else "&Add")
        self.add.setAccessibleName("Checking the site" if busy else "Add")

    def _typed(self, text: str) -> None:
        url = with_scheme(text)
        if url != text.strip():
            self.completed.setText(f"switcher will use {url}")
        else:
            self.completed.clear()
        self._show_hint()
        # The default name (server add's: the site's host), shown where it would go.
        try:
            host = urlsplit(url).hostname if "://" in url else None
        except ValueError:  # e.g. an unclosed "[" of an IPv6 address, while typing
            host = None
        self.name_field.setPlaceholderText(host or "")

    def _show_hint(self) -> None:
        # In the place an error about the address takes: one line under the
        # field, not two. The error names the address it is about anyway.
        self.completed.setVisible(bool(self.completed.text()) and self.error.isHidden())

    def _clear_error(self, field: QLineEdit | None = None) -> None:
        """Forget what was wrong with ``field`` (with every field, by default)."""
        for each in (self.url_field, self.name_field):
            if field is None or each is field:
                self._error_of(each).hide()
                each.setAccessibleDescription("")
        self._show_hint()

    def event(self, event: QEvent) -> bool:
        handled = super().event(event)
        if event.type() == QEvent.Type.LayoutRequest:
            # A hint or an error came or went: the dialog's height follows.
            self._fit_height()
        return handled

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        if event.size().width() != event.oldSize().width():
            self._fit_height()  # wider, the text wraps to fewer lines; narrower, to more

    def _fit_height(self) -> None:
        """As tall as what is shown needs at the dialog's width, and never less: a hint
        or an error shown squashed the fields into what was left."""
        height = content_height(self)
        if height is None:
            return
        # Also the least the person can make it by hand.
        self.setMinimumHeight(height)
        if height != self.height():
            self.resize(self.width(), height)

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() == QEvent.Type.PaletteChange:
            self._colour()  # a light palette's red is unreadable on a dark one

    def _colour(self) -> None:
        for label in (self.error, self.name_error):
            palette = label.palette()
            palette.setColor(QPalette.ColorRole.WindowText, error_colour(self.palette()))
            label.setPalette(palette)
        muted = self.completed.palette()
        muted.setColor(
            QPalette.ColorRole.WindowText,
            self.palette().color(QPalette.ColorRole.PlaceholderText),
        )
        self.completed.setPalette(muted)
