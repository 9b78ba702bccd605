"""The controller runs every intent off the UI thread and renders results from memory."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from pytestqt.qtbot import QtBot

from switcher.accounts import Imported
from switcher.gui.controller import Controller, imported_summary
from switcher.vault import Account
from tests.support.memory_keyring import MemoryKeyring
from tests.support.qt import add_account, sign_out_elsewhere, wait_job
from tests.support.targets import Target


def test_add_switch_and_revoke_update_the_snapshot(
    qtbot: QtBot, make_controller: Callable[..., Controller]
) -> None:
    controller = make_controller()
    alice, bob = add_account(qtbot, controller, "alice"), add_account(qtbot, controller, "bob")
    assert [a.email for a in controller.snapshot.accounts] == [alice, bob]
    assert controller.snapshot.active is not None
    assert controller.snapshot.active.email == bob
    ok, _ = wait_job(qtbot, controller, controller.switch(alice))
    assert ok
    assert controller.snapshot.active.email == alice
    assert controller.online is True
    ok, _ = wait_job(qtbot, controller, controller.revoke(alice))
    assert ok
    assert [a.email for a in controller.snapshot.accounts] == [bob]
    assert controller.snapshot.active.email == bob
    assert controller.pending == {}


def test_a_failure_is_a_notification_with_the_servers_message(
    qtbot: QtBot, make_controller: Callable[..., Controller]
) -> None:
    controller = make_controller()
    notes: list[tuple[str, str]] = []
    controller.notify.connect(lambda title, message: notes.append((title, message)))
    ok, message = wait_job(qtbot, controller, controller.switch("nobody@example.com"))
    assert not ok
    assert "no account nobody@example.com" in message
    assert notes == [("switcher", message)]


def test_a_session_revoked_elsewhere_is_announced_and_the_next_becomes_active(
    qtbot: QtBot, make_controller: Callable[..., Controller], server: Target
) -> None:
    controller = make_controller()
    alice, bob = add_account(qtbot, controller, "alice"), add_account(qtbot, controller, "bob")
    sign_out_elsewhere(controller, server.base_url, bob)  # the active one
    notes: list[tuple[str, str]] = []
    controller.notify.connect(lambda title, message: notes.append((title, message)))
    ended: list[tuple[str, str]] = []
    controller.session_ended.connect(lambda email, message: ended.append((email, message)))
    ok, _ = wait_job(qtbot, controller, controller.refresh())
    assert ok
    assert controller.snapshot.active is not None
    assert controller.snapshot.active.email == alice
    # One event, one notification: Bob's session ended, so Alice is active now.
    assert notes == []
    assert ended == [(bob, f"{bob}'s session was revoked; sign in again; active now: {alice}")]


def test_reading_state_costs_no_keyring_call(
    qtbot: QtBot, make_controller: Callable[..., Controller], backend: MemoryKeyring
) -> None:
    controller = make_controller()
    add_account(qtbot, controller, "alice")
    reads = backend.reads
    for _ in range(50):
        assert controller.snapshot.accounts
        controller.is_stale()
    assert backend.reads == reads


def test_export_to_a_browser_profile_runs_off_the_ui_thread_and_says_so(
    qtbot: QtBot, make_controller: Callable[..., Controller], tmp_path: Path
) -> None:
    import sqlite3

    from switcher.browsers import Profile

    controller = make_controller()
    alice = add_account(qtbot, controller, "alice")
    profile = tmp_path / "fx"
    profile.mkdir()
    notes: list[tuple[str, str]] = []
    controller.notify.connect(lambda title, message: notes.append((title, message)))
    ok, message = wait_job(
        qtbot, controller, controller.export_to(Profile("firefox", "fx", profile))
    )
    assert ok, message
    with sqlite3.connect(profile / "cookies.sqlite") as db:
        assert db.execute("select count(*) from moz_cookies").fetchone()[0] == 2
    # The browser's and the profile's names, not a path.
    assert notes == [("Exported", f"{alice} is signed in in Firefox's profile “fx”")]
    missing = tmp_path / "nope"
    ok, message = wait_job(
        qtbot, controller, controller.export_to(Profile("firefox", "nope", missing))
    )
    assert not ok
    assert "nope" in message


def test_an_import_s_notification_says_what_came_and_what_did_not() -> None:
    result = Imported(
        added=[Account("u1", "a@example.com")], already=[Account("u2", "b@example.com")], ended=2
    )
    assert imported_summary(result) == (
        "added a@example.com; already here: b@example.com; "
        "2 not honoured by the site (ended, or another site's), not added"
    )
    assert imported_summary(Imported()) == "no session for this site"


def test_one_session_ended_is_one_notification_that_offers_to_sign_in_again(
    qtbot: QtBot, make_controller: Callable[..., Controller], server: Target
) -> None:
    """A switch to an account signed out elsewhere fails; the person hears it once,
    not again from the next refresh, with a way to sign in again."""
    controller = make_controller()
    alice, bob = add_account(qtbot, controller, "alice"), add_account(qtbot, controller, "bob")
    ok, _ = wait_job(qtbot, controller, controller.switch(alice))
    assert ok
    sign_out_elsewhere(controller, server.base_url, bob)
    notes: list[tuple[str, str]] = []
    ended: list[tuple[str, str]] = []
    controller.notify.connect(lambda title, message: notes.append((title, message)))
    controller.session_ended.connect(lambda email, message: ended.append((email, message)))
    ok, _ = wait_job(qtbot, controller, controller.switch(bob))
    assert not ok
    for _ in range(2):
        ok, _ = wait_job(qtbot, controller, controller.refresh())
        assert ok
    assert notes == []
    assert len(ended) == 1
    assert ended[0][0] == bob
    assert "sign in again" in ended[0][1]
    active = controller.snapshot.active
    assert active is not None and active.email == alice
