"""Qt helpers for widget tests: the offscreen platform, and waiting for a controller's jobs."""

from __future__ import annotations

import os
import tempfile
from typing import TYPE_CHECKING

from pytestqt.qtbot import QtBot

from switcher.gui.controller import Controller

if TYPE_CHECKING:
    from PySide6.QtWidgets import QLineEdit

    from switcher.gui.sign_in import SignInDialog
from tests.support.targets import PASSWORD, unique_email

# The offscreen platform cannot do these; harmless, and only there.
OFFSCREEN_NOTES = (
    "This plugin does not support propagateSizeHints()",
    "This plugin does not support raise()",
)


def use_offscreen_platform() -> None:
    """Before any QApplication exists: no display needed, and no warning about a
    missing runtime directory (qt_log_level_fail turns warnings into failures)."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    if not os.environ.get("XDG_RUNTIME_DIR"):
        runtime = tempfile.mkdtemp(prefix="switcher-xdg-runtime-")
        os.chmod(runtime, 0o700)
        os.environ["XDG_RUNTIME_DIR"] = runtime


def wait_job(
    qtbot: QtBot, controller: Controller, job: int, timeout: int = 20000
) -> tuple[bool, str]:
    """Block (running the event loop) until ``job`` finishes; its (ok, message)."""
    result: list[tuple[bool, str]] = []

    def record(finished: int, ok: bool, message: str) -> None:
        if finished == job:
            result.append((ok, message))

    controller.finished.connect(record)
    qtbot.waitUntil(lambda: bool(result), timeout=timeout)
    controller.finished.disconnect(record)
    return result[0]


def add_account(qtbot: QtBot, controller: Controller, label: str) -> str:
    """Sign a new account up through the controller (as the dialog does); its email."""
    email = unique_email(label)
    ok, message = wait_job(
        qtbot,
        controller,
        controller.add(email, PASSWORD, sign_up=True, name=label.title(), remember=True),
    )
    assert ok, message
    return email


def open_sign_in(qtbot: QtBot, controller: Controller) -> SignInDialog:
    """The sign-in dialog, shown, once it has asked the site how it signs people in."""
    from switcher.gui.sign_in import SignInDialog

    dialog = SignInDialog(controller)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitUntil(lambda: dialog.methods_job is None, timeout=20000)
    return dialog


def type_into(qtbot: QtBot, field: QLineEdit, text: str) -> None:
    """Replace a field's text by typing, key by key, as a person does."""
    field.clear()
    qtbot.keyClicks(field, text)


def sign_out_elsewhere(controller: Controller, base_url: str, email: str) -> None:
    """End ``email``'s session on the server, as its owner would from another device."""
    from tests.support.browser import Browser

    account = next(a for a in controller.snapshot.accounts if a.email == email)
    token = next(
        c.value
        for c in controller.service.vault.cookies(controller.service.server(), account)
        if c.name.startswith("better-auth.session_token")
    )
    other = Browser(base_url)
    try:
        ended = other.post("/sign-out", {}, cookie=f"better-auth.session_token={token}")
        assert ended.status_code == 200
    finally:
        other.close()
