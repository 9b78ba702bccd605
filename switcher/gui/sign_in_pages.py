"""The sign-in dialog's later steps: a second factor, and a link or code sent by email.

Each page is a plain form; the dialog (``sign_in.py``) owns the buttons, the
error line and the jobs, and moves between the pages.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from switcher.sign_in_steps import Factor, TwoFactorChallenge


class SecondFactorPage(QWidget):
    """Which factor, the code, whether to trust this device."""

    changed = Signal()  # another factor was chosen: what was said about the last one is old

    def __init__(self, field_width: int) -> None:
        super().__init__()
        self.challenge: TwoFactorChallenge | None = None
        self.intro = QLabel()
        self.intro.setWordWrap(True)
        self.factor = QComboBox()
        self.factor.setAccessibleName("Second factor")
        self.code = QLineEdit()
        self.code.setAccessibleName("Code")
        self.code.setMinimumWidth(field_width)
        self.send = QPushButton("Send me a &code")
        self.send.setAccessibleName("Send me a code")
        self.send.setAutoDefault(False)
        self.trust = QCheckBox("&Trust this device: skip the code next time")
        self.trust.setAccessibleName("Trust this device")

        form = QFormLayout()
        self.factor_label = QLabel("&Use")
        self.factor_label.setBuddy(self.factor)
        form.addRow(self.factor_label, self.factor)
        code_label = QLabel("C&ode")
        code_label.setBuddy(self.code)
        row = QHBoxLayout()
        row.addWidget(self.code, 1)
        row.addWidget(self.send)
        form.addRow(code_label, row)
        form.addRow("", self.trust)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.intro)
        layout.addLayout(form)
        self.factor.currentIndexChanged.connect(self._factor_changed)

    def start(self, challenge: TwoFactorChallenge) -> None:
        self.challenge = challenge
        self.intro.setText(f"{challenge.email} also signs in with a second factor.")
        self.factor.blockSignals(True)
        self.factor.clear()
        for factor in challenge.factors:
            self.factor.addItem(factor.label.capitalize(), factor)
        self.factor.blockSignals(False)
        # One factor on offer needs no choice.
        single = len(challenge.factors) == 1
        self.factor.setVisible(not single)
        self.factor_label.setVisible(not single)
        self.code.clear()
        self.trust.setChecked(False)
        self._factor_changed()

    def chosen(self) -> Factor:
        factor = self.factor.currentData()
        return factor if isinstance(factor, Factor) else Factor.TOTP

    def code_sent(self) -> None:
        if self.challenge is not None:
            self.intro.setText(
                f"{self.challenge.email} also signs in with a second factor. "
                "The site sent a code: enter it below."
            )
        self.send.setText("Send &again")
        self.code.setFocus()

    def _factor_changed(self) -> None:
        self.changed.emit()
        factor = self.chosen()
        self.send.setVisible(factor == Factor.EMAIL_CODE)
        sent = self.challenge is not None and self.challenge.code_sent
        self.send.setText("Send &again" if sent else "Send me a &code")
        self.code.setPlaceholderText(
            {Factor.TOTP: "123456", Factor.EMAIL_CODE: "from the email", Factor.BACKUP_CODE: ""}[
                factor
            ]
        )
        self.code.clear()
        self.code.setFocus()


class EmailedPage(QWidget):
    """Where the person pastes the link, or types the code, the site emailed."""

    def __init__(self, field_width: int) -> None:
        super().__init__()
        self.link = True
        self.intro = QLabel()
        self.intro.setWordWrap(True)
        self.answer = QLineEdit()
        self.answer.setMinimumWidth(field_width)
        self.again = QPushButton("Send &again")
        self.again.setAccessibleName("Send again")
        self.again.setAutoDefault(False)
        self.label = QLabel()
        self.label.setBuddy(self.answer)
        form = QFormLayout()
        row = QHBoxLayout()
        row.addWidget(self.answer, 1)
        row.addWidget(self.again)
        form.addRow(self.label, row)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.intro)
        layout.addLayout(form)

    def start(self, email: str, link: bool) -> None:
        self.link = link
        what = "a sign-in link" if link else "a sign-in code"
        self.intro.setText(
            f"The site sent {what} to {email}. "
            + ("Copy the link from the email and paste it here." if link else "Enter it here.")
        )
        self.label.setText("&Link" if link else "C&ode")
        self.answer.setAccessibleName("Link" if link else "Code")
        self.answer.setPlaceholderText("https://…" if link else "123456")
        self.answer.clear()
        self.answer.setFocus()


class BrowserPage(QWidget):
    """While the person signs in in a browser window switcher opened."""

    def __init__(self) -> None:
        super().__init__()
        self.intro = QLabel()
        self.intro.setWordWrap(True)
        self.intro.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.intro)

    def start(self, browser: str, url: str) -> None:
        # The site, not the whole URL: a long sign-in URL would widen the dialog.
        site = urlsplit(url).netloc or url
        self.intro.setText(
            f"Sign in to {site} in the {browser} window, any way the site offers. "
            "switcher adds the account as soon as the site has signed you in, "
            "then closes the window."
        )
