"""Questions before something that cannot be undone: a verb on the button, Cancel the default.

Yes/No with Yes as the default made Enter the destructive answer. The GNOME
and KDE guidelines agree: the title asks the question, the text says what
will happen, the button names the action ("Revoke"), and the safe choice is
what Enter and Escape do.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QMessageBox, QPushButton, QWidget

from switcher.html_text import escape


def confirmation(
    title: str, question: str, consequence: str, verb: str, parent: QWidget | None = None
) -> tuple[QMessageBox, QPushButton]:
    """The box and its action button (for ``ask`` and for tests)."""
    box = QMessageBox(parent)
    box.setIcon(QMessageBox.Icon.Warning)
    box.setWindowTitle(f"{title} — switcher")
    # The question stands out, as in GNOME's and KDE's dialogs; it may hold an
    # email or a server's name, which stay text.
    box.setTextFormat(Qt.TextFormat.RichText)
    box.setText(f"<b>{escape(question)}</b>")
    box.setInformativeText(consequence)
    act = box.addButton(verb, QMessageBox.ButtonRole.DestructiveRole)
    cancel = box.addButton(QMessageBox.StandardButton.Cancel)
    # QMessageBox wraps its text at a narrow width of its own (four short lines
    # for two sentences): its labels get room for about 60 characters a line.
    room = box.fontMetrics().averageCharWidth() * 60
    for name in ("qt_msgbox_label", "qt_msgbox_informativelabel"):
        label = box.findChild(QLabel, name)
        if label is not None:
            label.setMinimumWidth(room)
    box.setDefaultButton(cancel)
    box.setEscapeButton(cancel)
    return box, act


def ask(
    title: str, question: str, consequence: str, verb: str, parent: QWidget | None = None
) -> bool:
    """True only when the person chose ``verb``."""
    box, act = confirmation(title, question, consequence, verb, parent)
    box.exec()
    return box.clickedButton() is act
