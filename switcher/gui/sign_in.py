"""The sign-in dialog: email, password, optionally create the account; errors shown inline."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from switcher.gui.controller import Controller
from switcher.protocol.email import is_email, is_username

MIN_PASSWORD = 8


class SignInDialog(QDialog):
    def __init__(self, controller: Controller, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.controller = controller
        self.job: int | None = None
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

        layout = QVBoxLayout(self)
        layout.addWidget(self.server)
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addWidget(self.buttons)

        self.create_account.toggled.connect(self._mode_changed)
        for field in (self.email, self.password, self.name):
            field.textEdited.connect(self._clear_error)
        controller.finished.connect(self._finished)
        self._mode_changed(False)

    def _mode_changed(self, creating: bool) -> None:
        self._clear_error()  # an answer to signing in says nothing about signing up
        self.email_label.setText("&Email" if creating else "&Email or username")
        self.email.setAccessibleName("Email" if creating else "Email or username")
        self.name.setVisible(creating)
        self.name_label.setVisible(creating)
        self.ok.setText("Create account" if creating else "Sign in")

    def _clear_error(self) -> None:
        self.error.hide()

    def show_error(self, message: str) -> None:
        self.error.setText(message)
        self.error.show()

    def validate(self) -> str | None:
        email = self.email.text().strip()
        creating = self.create_account.isChecked()
        if not email:
            return "Enter your email address." if creating else "Enter your email or username."
        if creating and not is_email(email):
            return "A new account needs an email address."
        if not (is_email(email) or is_username(email)):
            return "That is neither an email address nor a username."
        if not self.password.text():
            return "Enter your password."
        if self.create_account.isChecked() and len(self.password.text()) < MIN_PASSWORD:
            return f"A new password needs at least {MIN_PASSWORD} characters."
        return None

    def submit(self) -> None:
        if self.job is not None:
            return
        problem = self.validate()
        if problem:
            self.show_error(problem)
            return
        self._set_busy(True)
        creating = self.create_account.isChecked()
        self.job = self.controller.add(
            self.email.text().strip(),
            self.password.text(),
            sign_up=creating,
            name=self.name.text().strip() or None if creating else None,
            remember=self.remember.isChecked(),
        )

    def _set_busy(self, busy: bool) -> None:
        for widget in (
            self.email,
            self.password,
            self.create_account,
            self.name,
            self.remember,
            self.ok,
        ):
            widget.setEnabled(not busy)
        if busy:
            self.ok.setText("Signing in…")
            self.error.hide()
        else:
            self.name.setVisible(self.create_account.isChecked())
            self.name_label.setVisible(self.create_account.isChecked())
            self.ok.setText("Create account" if self.create_account.isChecked() else "Sign in")
            self.ok.setDefault(True)  # disabling it let Qt pass the default on

    def _finished(self, job: int, ok: bool, message: str) -> None:
        if job != self.job:
            return
        self.job = None
        self._set_busy(False)
        if ok:
            self.password.clear()
            self.accept()
        else:
            self.show_error(message)
            self.password.setFocus()
            self.password.selectAll()
