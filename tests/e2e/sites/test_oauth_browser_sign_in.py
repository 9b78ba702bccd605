"""An OAuth-only site's accounts added with `switcher accounts add --browser`.

The real better-auth 1.7.25 with genericOAuth and no password at all, a local
OAuth provider that approves at once as the identity the test chooses, and
the site's own sign-in page (its root) starting the flow as soon as it
loads. switcher opens real headless Chromium or Firefox ESR there, takes the
session the site sets after the provider's redirect, and the account then
works like any other: switch, export, revoke.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from switcher.gui.app import SwitcherApp
from switcher.gui.controller import Controller
from switcher.gui.settings import Settings
from tests.support.cli import Cli
from tests.support.headless_browsers import browsers_using, headless_path, kill_browsers_using
from tests.support.oauth_provider import Provider
from tests.support.peer import PeerServer
from tests.support.qt import OFFSCREEN_NOTES, open_sign_in, type_into
from tests.support.secret_service import SecretService
from tests.support.targets import unique_email

pytestmark = pytest.mark.peer


@pytest.fixture
def cli(
    own_secret_service: SecretService, tmp_path: Path, firefox_bin: str, oauth_site: PeerServer
) -> Iterator[Cli]:
    home = tmp_path / "home"
    path = headless_path(tmp_path / "bin", firefox_bin)
    ran = Cli.subprocess(home, own_secret_service.child_env()).with_env(PATH=path)
    ran("server", "add", oauth_site.base_url, "--name", "sso")
    ran("server", "use", "sso")
    yield ran
    kill_browsers_using(home / "data")


def _listed(cli: Cli) -> dict[str, bool]:
    listing = json.loads(cli("accounts", "list", "--json").stdout)
    return {a["email"]: a["active"] for a in listing["accounts"]}


@pytest.mark.parametrize("browser", ["chromium", "firefox"])
def test_two_oauth_accounts_come_in_through_the_browser_and_switch_like_any_other(
    cli: Cli, provider: Provider, browser: str, tmp_path: Path
) -> None:
    work, home = unique_email(f"{browser}-work"), unique_email(f"{browser}-home")
    for email in (work, home):
        provider.approve_as(email, "SSO person")
        ran = cli("accounts", "add", "--browser", browser, "--timeout", "45")
        assert ran.stdout == f"signed in as {email} (active)\n"
    assert _listed(cli) == {work: False, home: True}
    assert not browsers_using(cli.root / "data")
    assert cli("accounts", "use", work).stdout == f"active: {work}\n"
    out = tmp_path / "cookies.txt"
    cli("export", "cookies-txt", "--output", str(out))
    assert sum("_multi-" in line for line in out.read_text().splitlines()) == 2
    cli("accounts", "revoke", work)
    assert _listed(cli) == {home: True}


def test_a_password_sign_up_on_the_oauth_only_site_points_to_the_browser(cli: Cli) -> None:
    ran = cli(
        "accounts", "add", unique_email("up"), "--sign-up", "--password-stdin",
        stdin="a password of some length\n", check=False,
    )  # fmt: skip
    assert ran.returncode == 1
    assert ran.stderr == (
        "switcher: this site does not let new accounts sign up with a password here; create "
        "the account on the site, with a browser (switcher accounts add --browser)\n"
    )


def test_a_password_sign_in_on_the_oauth_only_site_points_to_the_browser(cli: Cli) -> None:
    ran = cli(
        "accounts", "add", unique_email("pw"), "--password-stdin", stdin="x" * 12, check=False
    )
    assert ran.returncode == 1
    assert ran.stderr == (
        "switcher: this site does not sign in with passwords; sign in with a browser instead "
        "(switcher accounts add --browser)\n"
    )


@pytest.mark.qt_log_ignore(*OFFSCREEN_NOTES)
def test_the_tray_s_sign_in_with_browser_adds_an_oauth_account(
    qtbot: QtBot,
    make_controller: Callable[..., Controller],
    oauth_site: PeerServer,
    provider: Provider,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    firefox_bin: str,
) -> None:
    data = tmp_path / "data"
    monkeypatch.setenv("SWITCHER_DATA_DIR", str(data))
    monkeypatch.setenv("PATH", headless_path(tmp_path / "bin", firefox_bin))
    service = make_controller(oauth_site.base_url).service
    app = SwitcherApp(service, settings=Settings(), use_tray=True, serve_local=False)
    try:
        assert app.tray is not None
        email = unique_email("tray-sso")
        provider.approve_as(email, "Tray Person")
        entry = next(a for a in app.tray.menu.actions() if a.text() == "Sign in with browser…")
        entry.trigger()
        dialog = app.dialog
        assert dialog is not None and dialog.isVisible()
        assert dialog.pages.currentWidget() is dialog.browser
        qtbot.waitUntil(lambda: not dialog.isVisible(), timeout=45000)
        active = app.controller.snapshot.active
        assert active is not None and active.email == email
        # The menu follows the state: the new account is there before it opens.
        shown = app.tray.action_for(email)
        assert shown is not None and shown.isChecked()
    finally:
        app.timer.stop()
        app.controller.shutdown()
        kill_browsers_using(data)


@pytest.mark.qt_log_ignore(*OFFSCREEN_NOTES)
def test_a_password_in_the_dialog_on_the_oauth_only_site_points_to_the_browser_button(
    qtbot: QtBot, make_controller: Callable[..., Controller], oauth_site: PeerServer
) -> None:
    dialog = open_sign_in(qtbot, make_controller(oauth_site.base_url))
    type_into(qtbot, dialog.email, unique_email("pw"))
    type_into(qtbot, dialog.password, "a password of some length")
    qtbot.keyClick(dialog.password, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: dialog.job is None, timeout=20000)
    assert dialog.error.text() == (
        "This site does not sign in with passwords; sign in with a browser instead"
    )
    assert dialog.by_browser.hasFocus()
