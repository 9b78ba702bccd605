"""The sign-in dialog on sites configured their own way, as a person uses it.

Against the real better-auth 1.7.25: a username, an email not verified yet,
a rate limit, a base path found by the tray's Add server…, an origin the
site does not trust. Each answer shows inline and nothing else changes.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from switcher.gui.controller import Controller
from switcher.gui.sign_in import SignInDialog
from tests.support.browser import Browser
from tests.support.peer import PeerServer
from tests.support.qt import OFFSCREEN_NOTES, open_sign_in, type_into, wait_job
from tests.support.serving import free_port
from tests.support.targets import PASSWORD, SECRET, unique_email

pytestmark = [pytest.mark.peer, pytest.mark.qt_log_ignore(*OFFSCREEN_NOTES)]
WAIT = 20000


def _peer(**flags: object) -> Iterator[PeerServer]:
    with PeerServer(secret=SECRET, **flags) as peer:  # type: ignore[arg-type]
        yield peer


@pytest.fixture(scope="module")
def usernames() -> Iterator[PeerServer]:
    yield from _peer(username=True)


@pytest.fixture(scope="module")
def verifying(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PeerServer]:
    log = tmp_path_factory.mktemp("mail") / "sent.jsonl"
    yield from _peer(require_email_verification=True, mail_log=str(log))


@pytest.fixture(scope="module")
def limited() -> Iterator[PeerServer]:
    yield from _peer(rate_limit=True)


@pytest.fixture(scope="module")
def mounted() -> Iterator[PeerServer]:
    yield from _peer(base_path="/auth")


def _sign_in(qtbot: QtBot, dialog: SignInDialog, who: str, password: str = PASSWORD) -> None:
    type_into(qtbot, dialog.email, who)
    type_into(qtbot, dialog.password, password)
    qtbot.keyClick(dialog.password, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: dialog.job is None, timeout=WAIT)


def test_a_username_signs_in_from_the_dialog(
    qtbot: QtBot, make_controller: Callable[..., Controller], usernames: PeerServer
) -> None:
    name = unique_email("u").split("@")[0].replace("-", "_")
    email = unique_email("named")
    browser = Browser(usernames.base_url)
    made = browser.post(
        "/sign-up/email", {"email": email, "password": PASSWORD, "name": "N", "username": name}
    )
    assert made.status_code == 200, made.text
    browser.close()
    controller = make_controller(usernames.base_url)
    dialog = open_sign_in(qtbot, controller)
    assert dialog.email_label.text() == "&Email or username"
    _sign_in(qtbot, dialog, "two words")
    assert dialog.error.text() == "That is neither an email address nor a username."
    _sign_in(qtbot, dialog, name, "wrong-password")
    assert dialog.error.text() == "Invalid username or password"
    _sign_in(qtbot, dialog, name)
    assert not dialog.isVisible()
    assert [a.email for a in controller.service.server().accounts] == [email]


def test_a_sign_up_that_waits_for_verification_says_so_inline(
    qtbot: QtBot, make_controller: Callable[..., Controller], verifying: PeerServer
) -> None:
    controller = make_controller(verifying.base_url)
    dialog = open_sign_in(qtbot, controller)
    email = unique_email("unverified")
    dialog.create_account.setChecked(True)
    type_into(qtbot, dialog.name, "New")
    _sign_in(qtbot, dialog, email)
    assert dialog.isVisible()
    assert dialog.error.text() == (
        f"The site started no session for {email}: if the account is new, open the "
        "verification link the site sent to that address, then sign in"
    )
    dialog.create_account.setChecked(False)
    _sign_in(qtbot, dialog, email)
    assert "is not verified yet" in dialog.error.text()
    assert controller.service.server().accounts == []


def test_a_rate_limit_says_how_long_to_wait(
    qtbot: QtBot, make_controller: Callable[..., Controller], limited: PeerServer
) -> None:
    controller = make_controller(limited.base_url)
    dialog = open_sign_in(qtbot, controller)
    seen = []
    for _ in range(5):
        _sign_in(qtbot, dialog, unique_email("limited"), "wrong-password")
        seen.append(dialog.error.text())
    assert any(text.startswith("Too many requests") and text.endswith(" s)") for text in seen), seen


def test_a_site_found_at_its_base_path_by_add_server_signs_in(
    qtbot: QtBot, make_controller: Callable[..., Controller], mounted: PeerServer
) -> None:
    controller = make_controller()
    ok, message = wait_job(qtbot, controller, controller.add_server(mounted.base_url, "mounted"))
    assert ok, message
    assert controller.snapshot.server == "mounted"  # the added server is the one shown
    dialog = open_sign_in(qtbot, controller)
    email = unique_email("mounted")
    dialog.create_account.setChecked(True)
    type_into(qtbot, dialog.name, "M")
    _sign_in(qtbot, dialog, email)
    assert not dialog.isVisible(), dialog.error.text()
    assert [a.email for a in controller.service.server("mounted").accounts] == [email]


def test_an_origin_the_site_does_not_trust_is_named_inline(
    qtbot: QtBot, make_controller: Callable[..., Controller]
) -> None:
    port = free_port()
    with PeerServer(secret=SECRET, port=port, base_url=f"http://localhost:{port}") as peer:
        controller = make_controller(peer.base_url)
        dialog = open_sign_in(qtbot, controller)
        dialog.create_account.setChecked(True)
        type_into(qtbot, dialog.name, "O")
        _sign_in(qtbot, dialog, unique_email("origin"))
        assert dialog.error.text().startswith(
            f"The site refused requests from http://127.0.0.1:{port} (Invalid origin)"
        )
        assert controller.service.server().accounts == []
