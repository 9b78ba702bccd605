"""The sign-in dialog's later steps, driven by keyboard and mouse as a person does.

Against the real better-auth 1.7.25 with twoFactor, magicLink and emailOTP on
(and one site with none of them): the second factor in the same dialog, a
link or a code by email, and what a failure at each step shows.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLineEdit
from pytestqt.qtbot import QtBot

from switcher.gui.controller import Controller
from switcher.gui.sign_in import SignInDialog
from switcher.sign_in_steps import Factor
from tests.support.peer import PeerServer
from tests.support.qt import OFFSCREEN_NOTES, open_sign_in, type_into
from tests.support.targets import PASSWORD, SECRET, unique_email
from tests.support.two_factor import mailed, user_with_totp

pytestmark = [pytest.mark.peer, pytest.mark.qt_log_ignore(*OFFSCREEN_NOTES)]
WAIT = 20000  # ms a step may take against the peer


@pytest.fixture(scope="module")
def site(mail_log: Path) -> Iterator[PeerServer]:
    flags = {"two_factor": True, "magic_link": True, "email_otp": True}
    with PeerServer(secret=SECRET, mail_log=str(mail_log), **flags) as peer:  # type: ignore[arg-type]
        yield peer


@pytest.fixture(scope="module")
def hasty_site() -> Iterator[PeerServer]:
    """Gives a sign-in 2 s for its second factor."""
    with PeerServer(secret=SECRET, two_factor=True, two_factor_cookie_max_age=2) as peer:
        yield peer


@pytest.fixture(scope="module")
def plain_site() -> Iterator[PeerServer]:
    with PeerServer(secret=SECRET) as peer:
        yield peer


def _enter(qtbot: QtBot, dialog: SignInDialog, field: QLineEdit) -> None:
    qtbot.keyClick(field, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: dialog.job is None, timeout=WAIT)


def active_email(controller: Controller) -> str | None:
    server = controller.service.server()
    return next((a.email for a in server.accounts if a.user_id == server.active), None)


def _password_step(qtbot: QtBot, dialog: SignInDialog, email: str) -> None:
    type_into(qtbot, dialog.email, email)
    type_into(qtbot, dialog.password, PASSWORD)
    _enter(qtbot, dialog, dialog.password)


def test_the_second_factor_is_a_second_step_in_the_same_dialog(
    qtbot: QtBot, make_controller: Callable[..., Controller], site: PeerServer
) -> None:
    user = user_with_totp(site.base_url, unique_email("dlg"))
    controller = make_controller(site.base_url)
    dialog = open_sign_in(qtbot, controller)
    _password_step(qtbot, dialog, user.email)
    assert dialog.pages.currentWidget() is dialog.second
    assert dialog.second.intro.text() == f"{user.email} also signs in with a second factor."
    assert dialog.ok.text() == "Verify"
    assert dialog.back.isVisible()
    assert dialog.second.code.hasFocus()  # type the code straight away
    assert dialog.password.text() == ""  # not kept longer than needed
    # A wrong code: said inline, the code selected for another try.
    type_into(qtbot, dialog.second.code, user.wrong_code())
    _enter(qtbot, dialog, dialog.second.code)
    assert dialog.error.text() == "That code is not right, or no longer current: try again"
    assert dialog.isVisible()
    assert dialog.pages.currentWidget() is dialog.second
    assert active_email(controller) is None
    # The right one, trusting the device: the dialog closes, the account is active.
    type_into(qtbot, dialog.second.code, user.code())
    qtbot.keyClick(dialog, Qt.Key.Key_T, Qt.KeyboardModifier.AltModifier)  # its mnemonic
    qtbot.waitUntil(dialog.second.trust.isChecked)  # a mnemonic clicks after a short animation
    dialog.second.code.setFocus()
    _enter(qtbot, dialog, dialog.second.code)
    assert not dialog.isVisible()
    assert active_email(controller) == user.email
    # Trusted: the next sign-in closes after the password.
    again = open_sign_in(qtbot, controller)
    _password_step(qtbot, again, user.email)
    assert not again.isVisible()


def test_a_code_by_email_is_sent_from_the_second_step(
    qtbot: QtBot, make_controller: Callable[..., Controller], site: PeerServer, mail_log: Path
) -> None:
    user = user_with_totp(site.base_url, unique_email("dlgmail"))
    controller = make_controller(site.base_url)
    dialog = open_sign_in(qtbot, controller)
    _password_step(qtbot, dialog, user.email)
    labels = [dialog.second.factor.itemText(i) for i in range(dialog.second.factor.count())]
    assert labels == [
        f.label.capitalize() for f in (Factor.TOTP, Factor.EMAIL_CODE, Factor.BACKUP_CODE)
    ]
    assert not dialog.second.send.isVisible()  # an app's code needs nothing sent
    dialog.second.factor.setCurrentIndex(1)
    assert dialog.second.send.isVisible()
    # A code typed before one was asked for: said at once, nothing sent.
    type_into(qtbot, dialog.second.code, "123456")
    qtbot.keyClick(dialog.second.code, Qt.Key.Key_Return)
    assert dialog.job is None
    assert dialog.error.text().startswith("Choose “Send me a code” first")
    qtbot.mouseClick(dialog.second.send, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.job is None, timeout=WAIT)
    assert dialog.second.send.text() == "Send &again"
    assert dialog.second.intro.text().endswith("The site sent a code: enter it below.")
    assert not dialog.error.isVisible()  # what was said before the code was sent is gone
    type_into(qtbot, dialog.second.code, mailed(mail_log, "two-factor-otp", user.email)["otp"])
    _enter(qtbot, dialog, dialog.second.code)
    assert not dialog.isVisible()
    assert active_email(controller) == user.email


def test_a_challenge_that_expired_goes_back_to_the_password(
    qtbot: QtBot, make_controller: Callable[..., Controller], hasty_site: PeerServer
) -> None:
    user = user_with_totp(hasty_site.base_url, unique_email("dlgslow"))
    controller = make_controller(hasty_site.base_url)
    dialog = open_sign_in(qtbot, controller)
    _password_step(qtbot, dialog, user.email)
    assert dialog.pages.currentWidget() is dialog.second
    time.sleep(2.5)
    type_into(qtbot, dialog.second.code, user.code())
    _enter(qtbot, dialog, dialog.second.code)
    assert dialog.pages.currentWidget() is not dialog.second
    assert dialog.error.text().endswith("sign in again")
    assert dialog.password.hasFocus()
    assert dialog.email.text() == user.email  # kept: only the password is typed again
    assert not dialog.back.isVisible()
    # Signing in again from there works.
    type_into(qtbot, dialog.password, PASSWORD)
    _enter(qtbot, dialog, dialog.password)
    assert dialog.pages.currentWidget() is dialog.second


def test_back_returns_to_the_password_and_nothing_is_kept(
    qtbot: QtBot, make_controller: Callable[..., Controller], site: PeerServer
) -> None:
    user = user_with_totp(site.base_url, unique_email("dlgback"))
    controller = make_controller(site.base_url)
    dialog = open_sign_in(qtbot, controller)
    qtbot.wait(50)  # settled at its size
    first = dialog.height()
    _password_step(qtbot, dialog, user.email)
    # As tall as the step shown: the second is shorter, and going back is not.
    qtbot.waitUntil(lambda: dialog.height() < first, timeout=2000)
    qtbot.mouseClick(dialog.back, Qt.MouseButton.LeftButton)
    assert dialog.pages.currentIndex() == 0
    assert dialog.ok.text() == "Sign in"
    qtbot.waitUntil(lambda: dialog.height() == first, timeout=2000)
    dialog.reject()
    assert controller.service.server().accounts == []


def test_a_magic_link_is_asked_for_and_pasted_in_the_dialog(
    qtbot: QtBot, make_controller: Callable[..., Controller], site: PeerServer, mail_log: Path
) -> None:
    controller = make_controller(site.base_url)
    dialog = open_sign_in(qtbot, controller)
    assert dialog.by_link.isVisible() and dialog.by_code.isVisible()
    # Without an address there is nothing to send to.
    qtbot.mouseClick(dialog.by_link, Qt.MouseButton.LeftButton)
    assert dialog.error.text() == "Enter your email address to get a link or code."
    email = unique_email("dlglink")
    type_into(qtbot, dialog.email, email)
    qtbot.mouseClick(dialog.by_link, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.job is None, timeout=WAIT)
    assert dialog.pages.currentWidget() is dialog.emailed
    assert email in dialog.emailed.intro.text()
    assert dialog.emailed.answer.hasFocus()
    type_into(qtbot, dialog.emailed.answer, "not a link")
    _enter(qtbot, dialog, dialog.emailed.answer)
    assert dialog.error.text().startswith("That is not a link")
    type_into(qtbot, dialog.emailed.answer, mailed(mail_log, "magic-link", email)["url"])
    _enter(qtbot, dialog, dialog.emailed.answer)
    assert not dialog.isVisible()
    assert active_email(controller) == email


def test_a_sign_in_code_by_email_in_the_dialog(
    qtbot: QtBot, make_controller: Callable[..., Controller], site: PeerServer, mail_log: Path
) -> None:
    controller = make_controller(site.base_url)
    dialog = open_sign_in(qtbot, controller)
    email = unique_email("dlgcode")
    type_into(qtbot, dialog.email, email)
    qtbot.mouseClick(dialog.by_code, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.job is None, timeout=WAIT)
    assert dialog.pages.currentWidget() is dialog.emailed
    code = mailed(mail_log, "email-otp", email)["otp"]
    type_into(qtbot, dialog.emailed.answer, "000000" if code != "000000" else "111111")
    _enter(qtbot, dialog, dialog.emailed.answer)
    assert dialog.error.text() == "That code is not right: try again, or ask for a new one"
    type_into(qtbot, dialog.emailed.answer, code)
    _enter(qtbot, dialog, dialog.emailed.answer)
    assert not dialog.isVisible()
    assert active_email(controller) == email


def test_a_site_without_those_plugins_offers_only_the_password(
    qtbot: QtBot, make_controller: Callable[..., Controller], plain_site: PeerServer
) -> None:
    controller = make_controller(plain_site.base_url)
    dialog = open_sign_in(qtbot, controller)
    assert not dialog.passwordless.isVisible()
    assert controller.methods["test"] == frozenset()
    # Asked once per server: a second dialog does not ask again.
    second = SignInDialog(controller)
    qtbot.addWidget(second)
    assert second.methods_job is None
