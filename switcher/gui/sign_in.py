"""The sign-in dialog: email and password (or a link or code by email), then a second
factor where the site asks for one; optionally create the account; errors shown inline.

One dialog, in steps (a stack of pages): the person never loses what they
typed to a second window, and Cancel at any step leaves nothing behind.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSizePolicy,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from switcher.accounts import SignInRefusedError
from switcher.browser_sign_in import BrowserSignInError, choose_browser
from switcher.browsers.registry import label
from switcher.gui.controller import Controller
from switcher.gui.sign_in_pages import BrowserPage, EmailedPage, SecondFactorPage
from switcher.protocol.email import is_email, is_username
from switcher.sign_in_steps import (
    BROWSER_ONLY,
    CHALLENGE_ENDED,
    Factor,
    SignInMethod,
    TwoFactorChallenge,
)

MIN_PASSWORD = 8


class SignInDialog(QDialog):
    def __init__(self, controller: Controller, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.controller = controller
        self.job: int | None = None
        self.job_is_send = False  # the job in flight asks the site to send something
        self.server_name = controller.snapshot.server  # fixed when the dialog opens
        self.methods_job: int | None = None
        self.setWindowTitle("Add account — switcher")
        self.setAccessibleName("Add account")

        self.email = QLineEdit()
        self.email.setPlaceholderText("you@example.com")
        self.email.setAccessibleName("Email or username")
        self.password = QLineEdit()
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.password.setAccessibleName("Password")
        self.create_account = QCheckBox("Create a new account")
        self.create_account.setAccessibleName("Create a new account")
        self.name = QLineEdit()
        self.name.setAccessibleName("Name")
        self.name.setPlaceholderText("Your name")
        self.remember = QCheckBox("Remember me")
        self.remember.setChecked(True)
        self.remember.setAccessibleName("Remember me")
        self.error = QLabel()
        self.error.setObjectName("error")
        self.error.setStyleSheet("color: #c62828;")
        self.error.setWordWrap(True)
        self.error.setAccessibleName("Error")
        self.error.hide()
        self.server = QLabel(f"Server: {controller.snapshot.server} ({controller.snapshot.url})")
        self.server.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

        # Room for a long address without scrolling the text: about 30
        # characters of the dialog's font, at any scale.
        wide = self.fontMetrics().averageCharWidth() * 30
        for field in (self.email, self.password, self.name):
            field.setMinimumWidth(wide)
        form = QFormLayout()
        # A site with better-auth's username plugin also signs in by name;
        # a new account always needs an email.
        self.email_label = QLabel("&Email or username")
        self.email_label.setBuddy(self.email)
        # As wide as its longest text: the fields stay put when it changes.
        longest = self.email_label.fontMetrics().horizontalAdvance("Email or username")
        self.email_label.setMinimumWidth(longest)
        form.addRow(self.email_label, self.email)
        form.addRow("&Password", self.password)
        form.addRow("", self.create_account)
        self.name_label = QLabel("&Name")
        self.name_label.setBuddy(self.name)
        form.addRow(self.name_label, self.name)
        form.addRow("", self.remember)

        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.ok = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok.setText("Sign in")
        self.ok.setAccessibleName("Sign in")
        self.ok.setDefault(True)
        # While busy the fields are disabled and focus lands on Cancel; an
        # auto-default Cancel would then take Enter meant for the next attempt.
        cancel = self.buttons.button(QDialogButtonBox.StandardButton.Cancel)
        cancel.setAutoDefault(False)
        self.buttons.accepted.connect(self.submit)
        self.buttons.rejected.connect(self.reject)
        self.cancel = cancel

        # Password-free ways in, shown once the site is known to offer them.
        self.by_link = QPushButton("Email me a sign-in &link")
        self.by_code = QPushButton("Email me a sign-in co&de")
        self.passwordless = QWidget()
        row = QHBoxLayout(self.passwordless)
        row.setContentsMargins(0, 0, 0, 0)
        for button in (self.by_link, self.by_code):
            button.setAutoDefault(False)
            button.hide()
            row.addWidget(button)
        row.addStretch(1)
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
        self.second = SecondFactorPage(wide)
        self.second.send.clicked.connect(self._send_second_factor_code)
        self.second.changed.connect(self._clear_error)
        self.emailed = EmailedPage(wide)
        self.emailed.again.clicked.connect(lambda: self._send_by_email(link=self.emailed.link))
        self.browser = BrowserPage()
        self.browser_job: int | None = None
        self.backing = False  # Back was pressed while the browser waited
        self.pages = QStackedWidget()
        for page in (password_page, self.second, self.emailed, self.browser):
            self.pages.addWidget(page)
        self.pages.currentChanged.connect(self._fit_page)
        self._fit_page()

        self.back = self.buttons.addButton("&Back", QDialogButtonBox.ButtonRole.ResetRole)
        self.back.setAutoDefault(False)
        self.back.clicked.connect(self._back_to_password)
        self.back.hide()

        layout = QVBoxLayout(self)
        layout.addWidget(self.server)
        layout.addWidget(self.pages)
        layout.addWidget(self.error)
        layout.addWidget(self.buttons)

        self.create_account.toggled.connect(self._mode_changed)
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
        self.name.setVisible(creating)
        self.name_label.setVisible(creating)
        self.ok.setText("Create account" if creating else "Sign in")

    def _clear_error(self) -> None:
        if self.error.isVisible():
            self.error.hide()
            self._fit_height()  # the room the message took goes, not to a gap between rows

    def show_error(self, message: str) -> None:
        # The service's messages are one-line sentences without a capital (as
        # the command line prints them after "switcher: "); here they stand alone.
        self.error.setText(message[:1].upper() + message[1:])
        self.error.show()

    def validate(self) -> str | None:
        email = self.email.text().strip()
        creating = self.create_account.isChecked()
        if not email:
            return (
                "Enter your email or username."
                if self._by_username()
                else ("Enter your email address.")
            )
        if creating and not is_email(email):
            return "A new account needs an email address."
        if not is_email(email) and not self._by_username():
            return "This site signs in by email address."
        if not (is_email(email) or is_username(email)):
            return "That is neither an email address nor a username."
        if not self.password.text():
            return "Enter your password."
        if self.create_account.isChecked() and len(self.password.text()) < MIN_PASSWORD:
            return f"A new password needs at least {MIN_PASSWORD} characters."
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
        self.cancel.setFocus()

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
            self.show_error(problem)
            return
        creating = self.create_account.isChecked()
        self._start(
            self.controller.add(
                self.email.text().strip(),
                self.password.text(),
                sign_up=creating,
                name=self.name.text().strip() or None if creating else None,
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
        self._fit_page()

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
        self.setWindowTitle("Add account — switcher")
        self.second.challenge = None
        self.pages.setCurrentIndex(0)
        self.back.hide()
        self._set_busy(False)
        self.password.setFocus()

    def _fit_page(self) -> None:
        """The dialog as tall as the page shown, not as the tallest page."""
        current = self.pages.currentWidget()
        for index in range(self.pages.count()):
            page = self.pages.widget(index)
            if page is None:
                continue
            ignored = QSizePolicy.Policy.Ignored
            preferred = QSizePolicy.Policy.Preferred
            policy = preferred if page is current else ignored
            page.setSizePolicy(policy, policy)
        self.pages.updateGeometry()
        self._fit_height()

    def _fit_height(self) -> None:
        if not self.isVisible():
            return  # showing it sizes it to its contents; before that its width means nothing
        layout = self.layout()
        height = self.minimumSizeHint().height()
        if layout is not None:
            layout.activate()
            if layout.hasHeightForWidth():
                # Wrapped text (a page's introduction, an error) needs the
                # height it takes at this width, not at its narrowest.
                height = max(height, layout.totalHeightForWidth(self.width()))
        self.resize(self.width(), height)

    def _show_page(self, page: QWidget) -> None:
        self._clear_error()
        self.pages.setCurrentWidget(page)
        self.back.show()
        self._set_busy(False)

    def _set_busy(self, busy: bool) -> None:
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
            self.name.setVisible(self.create_account.isChecked())
            self.name_label.setVisible(self.create_account.isChecked())
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
