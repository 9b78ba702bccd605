"""The sign-in dialog's later steps: a second factor, and a link or code sent by email.

Each page is a plain form; the dialog (``sign_in.py``) owns the buttons, the
error line and the jobs, and moves between the pages (``Pages``). Also what
the sign-in and Add server dialogs share: a field's width, an error's sentence.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QStyle,
    QStyleOptionFrame,
    QVBoxLayout,
    QWidget,
)

from switcher.sign_in_steps import Factor, TwoFactorChallenge

# A code or a pasted link: room for a code at a glance; a link scrolls anyway.
CODE_CHARACTERS = 24
# QLineEdit keeps this much room between its frame and its text, on each side.
_LINE_EDIT_PADDING = 2
# A word of a sentence, as a message's first: lowercase letters (an apostrophe
# inside), maybe followed by punctuation. Not a URL, host, address or path.
_PLAIN_WORD = re.compile(r"[a-z]+(?:'[a-z]+)?[,:;.!?]?")
# Names that are written in lowercase also at the start of a sentence.
_LOWERCASE_NAMES = frozenset({"switcher"})


def as_sentence(message: str) -> str:
    """``message`` standing on its own: with a capital, if it starts with a plain word.

    The service's messages are written to follow "switcher: " on the command
    line, so most start in lowercase; in a dialog they stand alone. Many start
    with what they are about instead (``https://example.com: no such host``,
    an email address, a name such as switcher's own): a capital there would
    change it, so only a plain lowercase word gets one. A message the site
    wrote keeps the case the site gave it.
    """
    first = message.split(maxsplit=1)[0] if message.strip() else ""
    if not _PLAIN_WORD.fullmatch(first) or first.rstrip(",:;.!?") in _LOWERCASE_NAMES:
        return message
    return message[:1].upper() + message[1:]


def text_field_width(field: QLineEdit, characters: int) -> int:
    """How wide ``field`` must be to show ``characters`` characters of its font.

    Counted in the font's "x", as QLineEdit's own size hint is, plus the frame
    and margins the style draws around the text: right at any font and scale.
    """
    field.ensurePolished()  # the style's font, not the default one
    metrics = field.fontMetrics()
    margins = field.textMargins()
    text = (
        metrics.horizontalAdvance("x") * characters
        + margins.left()
        + margins.right()
        + 2 * _LINE_EDIT_PADDING
    )
    option = QStyleOptionFrame()
    field.initStyleOption(option)
    size = QSize(text, field.sizeHint().height())
    return (
        field.style().sizeFromContents(QStyle.ContentsType.CT_LineEdit, option, size, field).width()
    )


class Pages(QWidget):
    """The dialog's steps, one shown at a time, sized by the one shown.

    QStackedWidget sizes itself by its largest page (its height for a width
    is the tallest page's, whatever is shown), so the dialog around it could
    not shrink back after a long page; hidden pages in a box layout take no room.
    The part of QStackedWidget's interface the dialog and its tests use; the
    dialog puts the focus where it belongs on each page.
    """

    def __init__(self) -> None:
        super().__init__()
        self._pages: list[QWidget] = []
        self._current = -1
        self._layout = QVBoxLayout(self)
        self._layout.setContentsMargins(0, 0, 0, 0)

    def addWidget(self, page: QWidget) -> int:
        self._pages.append(page)
        self._layout.addWidget(page)
        if self._current < 0:
            self._current = 0
        else:
            page.hide()
        return len(self._pages) - 1

    def widget(self, index: int) -> QWidget | None:
        return self._pages[index] if 0 <= index < len(self._pages) else None

    def currentIndex(self) -> int:
        return self._current

    def currentWidget(self) -> QWidget | None:
        return self.widget(self._current)

    def setCurrentWidget(self, page: QWidget) -> None:
        self.setCurrentIndex(self._pages.index(page))

    def setCurrentIndex(self, index: int) -> None:
        old, new = self.currentWidget(), self.widget(index)
        if new is None or new is old:
            return
        new.show()
        if old is not None:
            old.hide()
        self._current = index


class SecondFactorPage(QWidget):
    """Which factor, the code, whether to trust this device."""

    changed = Signal()  # another factor was chosen: what was said about the last one is old

    def __init__(self) -> None:
        super().__init__()
        self.challenge: TwoFactorChallenge | None = None
        self.intro = QLabel()
        self.intro.setWordWrap(True)
        self.factor = QComboBox()
        self.factor.setAccessibleName("Second factor")
        self.code = QLineEdit()
        self.code.setAccessibleName("Code")
        self.code.setMinimumWidth(text_field_width(self.code, CODE_CHARACTERS))
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

    def __init__(self) -> None:
        super().__init__()
        self.link = True
        self.intro = QLabel()
        self.intro.setWordWrap(True)
        self.answer = QLineEdit()
        self.answer.setMinimumWidth(text_field_width(self.answer, CODE_CHARACTERS))
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
