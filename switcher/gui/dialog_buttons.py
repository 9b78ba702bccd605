"""A dialog's main action and Cancel, set up so that Enter can never mean Cancel."""

from __future__ import annotations

from PySide6.QtWidgets import QDialogButtonBox, QPushButton

Button = QDialogButtonBox.StandardButton


def action_buttons(verb: str, name: str) -> tuple[QDialogButtonBox, QPushButton, QPushButton]:
    """The box, its action button (text ``verb``, accessible ``name``) and Cancel.

    The action is the default button. Cancel is never an auto-default: once
    the focus moves to it (the action disabled while busy), Qt would make it
    the button Enter presses.
    """
    buttons = QDialogButtonBox(Button.Ok | Button.Cancel)
    act = buttons.button(Button.Ok)
    act.setText(verb)
    act.setAccessibleName(name)
    act.setDefault(True)
    cancel = buttons.button(Button.Cancel)
    cancel.setAccessibleName("Cancel")
    cancel.setAutoDefault(False)
    return buttons, act, cancel
