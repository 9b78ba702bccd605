"""The sign-in dialog's "Sign in with a browser instead…", as a person uses it.

The dialog opens the first browser installed, real headless Firefox ESR (a
wrapper of the same name on PATH), on the site's sign-in page, whose script
signs in as the site's own form would; the dialog closes once the account is
in, and Cancel closes the browser and keeps nothing.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from switcher.gui.controller import Controller
from switcher.gui.sign_in import SignInDialog
from tests.support.headless_browsers import browsers_using, headless_path, kill_browsers_using
from tests.support.qt import OFFSCREEN_NOTES, open_sign_in
from tests.support.sign_up_page import WithSignUpPage, page_url
from tests.support.switcher_server import running_switcher
from tests.support.targets import served_config, unique_email

pytestmark = pytest.mark.qt_log_ignore(*OFFSCREEN_NOTES)
WAIT = 45000


@pytest.fixture
def site(tmp_path: Path) -> Iterator[str]:
    with running_switcher(served_config(tmp_path / "site"), wrap=WithSignUpPage) as app:
        yield app.config.base_url


@pytest.fixture
def data(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, firefox_bin: str) -> Iterator[Path]:
    """switcher's data directory, with the browsers headless on PATH."""
    path = tmp_path / "data"
    monkeypatch.setenv("SWITCHER_DATA_DIR", str(path))
    monkeypatch.setenv("PATH", headless_path(tmp_path / "bin", firefox_bin))
    yield path
    kill_browsers_using(path)


def _controller(make: Callable[..., Controller], site: str, page: str) -> Controller:
    controller = make(site)
    with controller.service.vault.locked() as index:
        index.servers["test"].sign_in_url = page
    return controller


def _waiting_on_the_browser(qtbot: QtBot, controller: Controller, data: Path) -> SignInDialog:
    """The dialog, its "Sign in with a browser…" clicked, the browser up."""
    dialog = open_sign_in(qtbot, controller)
    qtbot.mouseClick(dialog.by_browser, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: bool(browsers_using(data)), timeout=WAIT)
    return dialog


def test_the_account_signed_in_in_the_browser_closes_the_dialog_active(
    qtbot: QtBot, make_controller: Callable[..., Controller], site: str, data: Path
) -> None:
    email = unique_email("gui-br")
    controller = _controller(make_controller, site, page_url(site, [email]))
    told: list[tuple[str, str]] = []
    controller.notify.connect(lambda title, text: told.append((title, text)))
    dialog = open_sign_in(qtbot, controller)
    qtbot.mouseClick(dialog.by_browser, Qt.MouseButton.LeftButton)
    assert dialog.pages.currentWidget() is dialog.browser
    assert "in the Firefox window" in dialog.browser.intro.text()
    assert dialog.ok.text() == "Waiting…" and not dialog.ok.isEnabled()
    qtbot.waitUntil(lambda: not dialog.isVisible(), timeout=WAIT)
    assert dialog.result() == dialog.DialogCode.Accepted
    active = controller.snapshot.active
    assert active is not None and active.email == email
    assert ("Signed in", f"{email} is the active account now") in told
    assert not browsers_using(data)


def test_cancel_closes_the_browser_and_keeps_nothing(
    qtbot: QtBot, make_controller: Callable[..., Controller], site: str, data: Path
) -> None:
    controller = _controller(make_controller, site, site + "/")  # nobody signs in there
    dialog = _waiting_on_the_browser(qtbot, controller, data)
    # Enter is not Cancel: the focus is not left on it (where the theme has
    # Return press the focused button it would), and the browser still waits.
    dialog.activateWindow()
    qtbot.waitUntil(dialog.isActiveWindow, timeout=2000)
    focused = QApplication.focusWidget()
    assert focused is not None and focused is not dialog.cancel
    qtbot.keyClick(focused, Qt.Key.Key_Return)
    assert dialog.isVisible() and dialog.job is not None
    # Escape is Cancel: the key a person presses to get out.
    qtbot.keyClick(dialog, Qt.Key.Key_Escape)
    assert not dialog.isVisible()
    qtbot.waitUntil(lambda: not controller.pending, timeout=WAIT)
    deadline = time.monotonic() + 10
    while browsers_using(data) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not browsers_using(data)
    assert list((data / "browser-profiles" / "firefox").iterdir()) == []
    assert controller.snapshot.accounts == ()


def test_a_browser_closed_mid_sign_in_says_so_and_offers_another_try(
    qtbot: QtBot, make_controller: Callable[..., Controller], site: str, data: Path
) -> None:
    controller = _controller(make_controller, site, site + "/")  # nobody signs in there
    dialog = _waiting_on_the_browser(qtbot, controller, data)
    kill_browsers_using(data)
    qtbot.waitUntil(lambda: dialog.job is None, timeout=WAIT)
    assert dialog.isVisible() and dialog.error.isVisible()
    assert dialog.error.text() == "Firefox was closed before you signed in; nothing was kept"
    assert (dialog.ok.text(), dialog.ok.isEnabled()) == ("Open the browser again", True)
    assert dialog.back.isVisible() and dialog.back.isEnabled()
    qtbot.mouseClick(dialog.back, Qt.MouseButton.LeftButton)
    assert dialog.pages.currentIndex() == 0 and dialog.ok.text() == "Sign in"
    assert controller.snapshot.accounts == ()


def test_back_while_the_browser_waits_closes_it_and_shows_the_password_page(
    qtbot: QtBot, make_controller: Callable[..., Controller], site: str, data: Path
) -> None:
    controller = _controller(make_controller, site, site + "/")  # nobody signs in there
    dialog = _waiting_on_the_browser(qtbot, controller, data)
    assert dialog.back.isEnabled()
    qtbot.mouseClick(dialog.back, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.pages.currentIndex() == 0, timeout=WAIT)
    assert dialog.isVisible() and not dialog.error.isVisible()
    assert (dialog.ok.text(), dialog.ok.isEnabled()) == ("Sign in", True)
    assert dialog.windowTitle() == "Add account — switcher"
    assert not browsers_using(data)
    assert list((data / "browser-profiles" / "firefox").iterdir()) == []
