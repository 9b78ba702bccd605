"""The sign-in dialog: email and password (or a link or code by email), then a second
factor where the site asks for one; optionally create the account; errors shown inline.

One dialog, in steps (a stack of pages): the person never loses what they
typed to a second window, and Cancel at any step leaves nothing behind.
Enter is always the dialog's main action (sign in, verify…), whatever has the
focus, on every platform theme: never Cancel.
"""

from __future__ import annotations

from itertools import pairwise

from PySide6.QtCore import QEvent, Qt
from PySide6.QtGui import QKeySequence, QPalette, QShortcut
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from switcher.accounts import SignInRefusedError
from switcher.browser_sign_in import BrowserSignInError, choose_browser
from switcher.browsers.registry import label
from switcher.gui.contrast import error_colour
from switcher.gui.controller import Controller
from switcher.gui.dialog_buttons import action_buttons
from switcher.gui.fit import content_height
from switcher.gui.labels import server_label
from switcher.gui.sign_in_pages import (
    BrowserPage,
    EmailedPage,
    Pages,
    SecondFactorPage,
    as_sentence,
    text_field_width,
)
from switcher.protocol.email import is_email, is_username
from switcher.sign_in_steps import (
    BROWSER_ONLY,
    CHALLENGE_ENDED,
    Factor,
    SignInMethod,
    TwoFactorChallenge,
)

MIN_PASSWORD = 8
# Room for a long address (50 characters and more) without scrolling it.
FIELD_CHARACTERS = 50
ADD_ACCOUNT = "Add account"
SIGN_IN_AGAIN = "Sign in again"


class SignInDialog(QDialog):
    def __init__(self, controller: Controller, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.controller = controller
        self.job: int | None = None
        self.job_is_send = False  # the job in flight asks the site to send something
        self.server_name = controller.snapshot.server  # fixed when the dialog opens
        self.methods_job: int | None = None
        self.title = ADD_ACCOUNT  # what the dialog is for; sign_in_again changes it
        self.setWindowTitle(f"{self.title} — switcher")
        self.setAccessibleName(self.title)

        self.email = QLineEdit()
        self.email.setPlaceholderText("you@example.com")
        self.email.setAccessibleName("Email or username")
        self.password = QLineEdit()
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.password.setAccessibleName("Password")
        # A checkbox, not an icon inside the field: Tab reaches it, a screen
        # reader names it, and it says what it does.
        self.show_password = QCheckBox("&Show password")
        self.show_password.setAccessibleName("Show password")
        self.show_password.toggled.connect(self._show_password)
        # Not Alt+C: KDE's Cancel button takes it.
        self.create_account = QCheckBox("Create a ne&w account")
        self.create_account.setAccessibleName("Create a new account")
        self.name = QLineEdit()
        self.name.setAccessibleName("Name")
        self.name.setPlaceholderText("Your name")
        self.remember = QCheckBox("Remember me")
        self.remember.setChecked(True)
        self.remember.setAccessibleName("Remember me")
        self.error = QLabel()
        self.error.setObjectName("error")
        self.error.setWordWrap(True)
        self.error.setAccessibleName("Error")
        self.error.hide()
        self._colour_error()
        self.server = QLabel(
            f"Server: {server_label(controller.snapshot.server)} ({controller.snapshot.url})"
        )
        self.server.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

        for field in (self.email, self.password, self.name):
            field.setMinimumWidth(text_field_width(field, FIELD_CHARACTERS))
        form = QFormLayout()
        # "Create a new account" first: it decides what the form asks for, and
        # the Name it reveals comes right under it, so a new account reads
        # Name, Email, Password and nothing above the checkbox moves when it
        # is ticked.
        form.addRow("", self.create_account)
        self.name_label = QLabel("&Name")
        self.name_label.setBuddy(self.name)
        form.addRow(self.name_label, self.name)
        # A site with better-auth's username plugin also signs in by name;
        # a new account always needs an email.
        self.email_label = QLabel("&Email or username")
        self.email_label.setBuddy(self.email)
        # As wide as its longest text: the fields stay put when it changes.
        longest = self.email_label.fontMetrics().horizontalAdvance("Email or username")
        self.email_label.setMinimumWidth(longest)
        form.addRow(self.email_label, self.email)
        form.addRow("&Password", self.password)
        form.addRow("", self.show_password)
        form.addRow("", self.remember)

        self.buttons, self.ok, self.cancel = action_buttons("Sign in", "Sign in")
        # Enter is the main action wherever the focus is. The default button
        # alone does not make it so: where the platform theme has Return
        # press the focused button (GNOME's), Enter on Cancel or a checkbox
        # would press that instead; a shortcut comes before the focused widget.
        for key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            QShortcut(QKeySequence(key), self).activated.connect(self._enter)
        self.buttons.accepted.connect(self.submit)
        self.buttons.rejected.connect(self.reject)

        # Password-free ways in, shown once the site is known to offer them.
        self.by_link = QPushButton("Email me a sign-in &link")
        self.by_code = QPushButton("Email me a sign-in co&de")
        self.passwordless = QWidget()
        row = QHBoxLayout(self.passwordless)
        row.setContentsMargins(0, 0, 0, 0)
        for button in (self.by_link, self.by_code):
            button.setAutoDefault(False)
            button.hide()
            row.addWidget(button)  # sharing the row, as wide as the browser's below
        self.by_link.clicked.connect(lambda: self._send_by_email(link=True))
        self.by_code.clicked.connect(lambda: self._send_by_email(link=False))

        # Under the fields, where the eye goes after the password; the row
        # takes no room until the site is known to offer them.
        form.addRow("", self.passwordless)
        self.form = form
        form.setRowVisible(self.passwordless, False)
        # Every other way the site signs in (OAuth, passkeys…) is on its own pages.
        self.by_browser = QPushButton("Sign in with a &browser…")
        self.by_browser.setAutoDefault(False)
        self.by_browser.setAccessibleName("Sign in with a browser")
        self.by_browser.setToolTip(
            "Open the site's sign-in page in a browser, for any way it signs in: "
            "Google, GitHub, a company account, a passkey…"
        )
        self.by_browser.clicked.connect(self.start_browser_sign_in)
        form.addRow("", self.by_browser)
        password_page = QWidget()
        first = QVBoxLayout(password_page)
        first.setContentsMargins(0, 0, 0, 0)
        first.addLayout(form)
        self.second = SecondFactorPage()
        self.second.send.clicked.connect(self._send_second_factor_code)
        self.second.changed.connect(self._clear_error)
        self.emailed = EmailedPage()
        self.emailed.again.clicked.connect(lambda: self._send_by_email(link=self.emailed.link))
        self.browser = BrowserPage()
        self.browser_job: int | None = None
        self.backing = False  # Back was pressed while the browser waited
        self.pages = Pages()
        for page in (password_page, self.second, self.emailed, self.browser):
            self.pages.addWidget(page)

        self.back = self.buttons.addButton("&Back", QDialogButtonBox.ButtonRole.ResetRole)
        self.back.setAutoDefault(False)
        self.back.clicked.connect(self._back_to_password)
        self.back.hide()

        layout = QVBoxLayout(self)
        layout.addWidget(self.server)
        layout.addWidget(self.pages)
        layout.addWidget(self.error)
        layout.addWidget(self.buttons)
        # The focus moves in the order the rows read.
        chain = (
            self.create_account,
            self.name,
            self.email,
            self.password,
            self.show_password,
            self.remember,
            self.by_link,
            self.by_code,
            self.by_browser,
        )
        for before, after in pairwise(chain):
            QWidget.setTabOrder(before, after)
        self.email.setFocus()  # most people sign in to an account they have

        self.create_account.toggled.connect(self._mode_changed)
        # Only the person's tick (click, Space or Alt+W), not the program's.
        self.create_account.clicked.connect(self._ticked)
        for field in (self.email, self.password, self.name):
            field.textEdited.connect(self._clear_error)
        for field in (self.second.code, self.emailed.answer):
            field.textEdited.connect(self._clear_error)
        controller.finished.connect(self._finished)
        self._mode_changed(False)
        known = controller.methods.get(self.server_name)
        if known is not None:
            self._offer(known)
        else:
            self.methods_job = controller.sign_in_methods(self.server_name)

    def sign_in_again(self, email: str) -> None:
        """Ask for the password of an account switcher has already (its session ended).

        The email is the account's, shown and not editable (another address
        is another account: Add account is for that); the password has the focus.
        """
        self.title = SIGN_IN_AGAIN
        self.setWindowTitle(f"{self.title} — switcher")
        self.setAccessibleName(self.title)
        self.create_account.setChecked(False)
        self.form.setRowVisible(self.create_account, False)
        self.email.setText(email)
        self.email.setReadOnly(True)
        # Without the frame and ground of a field to type in, it reads as
        # what it is: given. Transparent, not the window's colour: that one
        # changes with the theme.
        self.email.setFrame(False)
        palette = self.email.palette()
        palette.setColor(QPalette.ColorRole.Base, Qt.GlobalColor.transparent)
        self.email.setPalette(palette)
        self.email.setCursorPosition(0)
        self.password.setFocus()

    def event(self, event: QEvent) -> bool:
        handled = super().event(event)
        if event.type() == QEvent.Type.LayoutRequest:
            # Whatever changed what the dialog shows (an error, a row, a
            # page), its height follows: a window only ever grows by itself.
            self._fit_height()
        return handled

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() == QEvent.Type.PaletteChange:
            self._colour_error()  # a light palette's red is unreadable on a dark one

    def _colour_error(self) -> None:
        palette = self.error.palette()
        palette.setColor(QPalette.ColorRole.WindowText, error_colour(self.palette()))
        self.error.setPalette(palette)

    def _show_password(self, shown: bool) -> None:
        mode = QLineEdit.EchoMode.Normal if shown else QLineEdit.EchoMode.Password
        self.password.setEchoMode(mode)

    def _enter(self) -> None:
        if self.ok.isVisible() and self.ok.isEnabled():
            self.ok.click()

    def _by_username(self) -> bool:
        """Whether a username may go where the email does (unless the site is known not to)."""
        known = self.controller.methods.get(self.server_name)
        return not self.create_account.isChecked() and (
            known is None or SignInMethod.USERNAME in known
        )

    def _label_email(self) -> None:
        either = self._by_username()
        self.email_label.setText("&Email or username" if either else "&Email")
        self.email.setAccessibleName("Email or username" if either else "Email")

    def _mode_changed(self, creating: bool) -> None:
        self._clear_error()  # an answer to signing in says nothing about signing up
        self._label_email()
        self.form.setRowVisible(self.name, creating)
        self.ok.setText("Create account" if creating else "Sign in")
        self.ok.setAccessibleName(self.ok.text())

    def _ticked(self, creating: bool) -> None:
        if creating:
            # The row the tick revealed is what the person types next: without
            # this the name would go to the box, or to the email under it.
            self.name.setFocus()
            self.name.selectAll()  # as Tab would: a name typed replaces an old one
        else:
            # The name's row is gone; the email is the first field left, as typed.
            self.email.setFocus()

    def _clear_error(self) -> None:
        self.error.hide()

    def show_error(self, message: str) -> None:
        self.error.setText(as_sentence(message))
        self.error.show()

    def validate(self) -> tuple[str, QLineEdit] | None:
        """What is wrong first, in the order the fields read, and that field."""
        email = self.email.text().strip()
        creating = self.create_account.isChecked()
        if creating and not self.name.text().strip():
            return "Enter your name.", self.name
        if not email:
            message = (
                "Enter your email or username."
                if self._by_username()
                else "Enter your email address."
            )
            return message, self.email
        if creating and not is_email(email):
            return "A new account needs an email address.", self.email
        if not is_email(email) and not self._by_username():
            return "This site signs in by email address.", self.email
        if not (is_email(email) or is_username(email)):
            return "That is neither an email address nor a username.", self.email
        if not self.password.text():
            return "Enter your password.", self.password
        if creating and len(self.password.text()) < MIN_PASSWORD:
            return f"A new password needs at least {MIN_PASSWORD} characters.", self.password
        return None

    def start_browser_sign_in(self) -> None:
        """Open the site's sign-in page in a browser; the dialog waits for the site."""
        if self.job is not None:
            return
        try:
            browser, _ = choose_browser(None)
        except BrowserSignInError as error:
            self.show_error(str(error))
            return
        self.browser.start(label(browser), self.controller.service.sign_in_url(self.server_name))
        self._show_page(self.browser)
        self.setWindowTitle("Sign in with a browser — switcher")
        self.browser_job = self.controller.sign_in_with_browser(self.server_name, browser)
        self._start(self.browser_job)

    def reject(self) -> None:
        # Cancel, Escape or closing the dialog: a browser sign-in stops and keeps nothing.
        if self.browser_job is not None:
            self.controller.cancel(self.browser_job)
        super().reject()

    def submit(self) -> None:
        if self.job is not None:
            return
        page = self.pages.currentWidget()
        if page is self.browser:
            self.start_browser_sign_in()
        elif page is self.second:
            self._submit_second_factor()
        elif page is self.emailed:
            self._submit_emailed()
        else:
            self._submit_password()

    def _submit_password(self) -> None:
        problem = self.validate()
        if problem:
            message, field = problem
            self.show_error(message)
            # There, what is typed next corrects it, instead of going wherever
            # the focus was (a checkbox, Cancel) or to another field.
            field.setFocus()
            field.selectAll()
            return
        creating = self.create_account.isChecked()
        self._start(
            self.controller.add(
                self.email.text().strip(),
                self.password.text(),
                sign_up=creating,
                name=self.name.text().strip() if creating else None,
                remember=self.remember.isChecked(),
                # The server the dialog shows, even if the tray moved to another meanwhile.
                server=self.server_name,
            )
        )

    def _submit_second_factor(self) -> None:
        challenge = self.second.challenge
        if challenge is None:
            return
        if not self.second.code.text().strip():
            self.show_error("Enter the code.")
            return
        if self.second.chosen() == Factor.EMAIL_CODE and not challenge.code_sent:
            self.show_error("Choose “Send me a code” first, then enter the code from the email.")
            return
        self._start(
            self.controller.add_second_factor(
                challenge,
                self.second.chosen(),
                self.second.code.text(),
                self.second.trust.isChecked(),
            )
        )

    def _submit_emailed(self) -> None:
        answer = self.emailed.answer.text().strip()
        if not answer:
            self.show_error(
                "Paste the link from the email." if self.emailed.link else "Enter the code."
            )
            return
        email = self.email.text().strip()
        if self.emailed.link:
            job = self.controller.add_by_magic_link(email, answer, self.server_name)
        else:
            job = self.controller.add_by_email_code(email, answer, self.server_name)
        self._start(job)

    def _send_by_email(self, link: bool) -> None:
        if self.job is not None:
            return
        email = self.email.text().strip()
        if not is_email(email):
            self.show_error("Enter your email address to get a link or code.")
            self.email.setFocus()
            return
        self.emailed.link = link
        send = self.controller.send_magic_link if link else self.controller.send_email_code
        self._start(send(email, self.server_name), sending=True)

    def _send_second_factor_code(self) -> None:
        if self.job is None and self.second.challenge is not None:
            job = self.controller.send_second_factor_code(self.second.challenge)
            self._start(job, sending=True)

    def _start(self, job: int, sending: bool = False) -> None:
        self.job = job
        self.job_is_send = sending
        self._set_busy(True)

    def _offer(self, methods: frozenset[SignInMethod]) -> None:
        self.by_link.setVisible(SignInMethod.MAGIC_LINK in methods)
        self.by_code.setVisible(SignInMethod.EMAIL_CODE in methods)
        self.form.setRowVisible(self.passwordless, bool(methods - {SignInMethod.USERNAME}))
        self._label_email()

    def _back_to_password(self) -> None:
        if self.job is not None and self.job == self.browser_job:
            # Back while the browser waits: it closes, keeping nothing, and then
            # the password page shows (the job's end is not an error to show).
            self.controller.cancel(self.job)
            self.backing = True
            self.back.setEnabled(False)
            return
        if self.job is not None:
            return
        self._clear_error()
        self.setWindowTitle(f"{self.title} — switcher")
        self.second.challenge = None
        self.pages.setCurrentIndex(0)
        self.back.hide()
        self._set_busy(False)
        self.password.setFocus()

    def _fit_height(self) -> None:
        """As tall as what is shown needs at the dialog's width: no more, no less."""
        height = content_height(self)
        if height is not None and height != self.height():
            self.resize(self.width(), height)

    def _show_page(self, page: QWidget) -> None:
        self._clear_error()
        self.pages.setCurrentWidget(page)
        self.back.show()
        self._set_busy(False)

    def _set_busy(self, busy: bool) -> None:
        if busy:
            # Disabling the focused field (or the button just pressed) would
            # hand the focus on to the next in line, Cancel: Space, or Enter
            # where the theme presses the focused button, would then end it all.
            self.setFocus(Qt.FocusReason.OtherFocusReason)
        for widget in (
            self.email,
            self.password,
            self.create_account,
            self.name,
            self.remember,
            self.by_link,
            self.by_code,
            self.by_browser,
            self.second,
            self.emailed,
            self.back,
            self.ok,
        ):
            widget.setEnabled(not busy)
        page = self.pages.currentWidget()
        # While a browser waits, Back stops it (as Cancel does) and stays.
        self.back.setEnabled(not busy or (page is self.browser and not self.backing))
        if busy:
            waiting = page is self.browser
            self.ok.setText(
                "Waiting…" if waiting else "Sending…" if self.job_is_send else "Signing in…"
            )
            self._clear_error()
        elif page is self.browser:
            self.ok.setText("Open the browser again")
        elif page is self.second:
            self.ok.setText("Verify")
        elif page is self.emailed:
            self.ok.setText("Sign in")
        else:
            self.ok.setText("Create account" if self.create_account.isChecked() else "Sign in")
        if not busy:
            self.ok.setDefault(True)  # disabling it let Qt pass the default on
        self.ok.setAccessibleName(self.ok.text())

    def _finished(self, job: int, ok: bool, message: str) -> None:
        if job == self.methods_job:
            self.methods_job = None
            methods = self.controller.value_of(job) if ok else None
            if isinstance(methods, frozenset):
                self.controller.remember_methods(self.server_name, methods)
                self._offer(methods)
            return
        if job != self.job:
            return
        self.job = None
        if job == self.browser_job:
            self.browser_job = None
            if self.backing:
                self.backing = False
                self._back_to_password()
                return
        sending = self.job_is_send
        self.job_is_send = False
        if not ok:
            self._failed(message, self.controller.error_of(job))
            return
        value = self.controller.value_of(job)
        if isinstance(value, TwoFactorChallenge):
            self.password.clear()
            self.second.start(value)
            self._show_page(self.second)
            self.second.code.setFocus()
        elif sending and self.pages.currentWidget() is self.second:
            self._set_busy(False)
            self.second.code_sent()
        elif sending:
            self.emailed.start(self.email.text().strip(), self.emailed.link)
            self._show_page(self.emailed)
            self.emailed.answer.setFocus()
        else:
            self.password.clear()
            self.accept()

    def _failed(self, message: str, error: BaseException | None) -> None:
        page = self.pages.currentWidget()
        if (
            page is self.second
            and isinstance(error, SignInRefusedError)
            and error.code in CHALLENGE_ENDED
        ):
            # This sign-in cannot succeed any more: the password again starts a new one.
            self._back_to_password()
        else:
            self._set_busy(False)
        self.show_error(message)
        page = self.pages.currentWidget()
        if page is self.browser:
            self.ok.setFocus()  # to try again; Back goes to the password
            return
        if isinstance(error, SignInRefusedError) and error.code in BROWSER_ONLY:
            self.by_browser.setFocus()  # the way in on this site: Space presses it
            return
        field = {id(self.second): self.second.code, id(self.emailed): self.emailed.answer}.get(
            id(page), self.password
        )
        field.setFocus()
        field.selectAll()
