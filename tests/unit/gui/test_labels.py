"""One wording for an account's state, shared by the tray menu and the accounts window."""

from __future__ import annotations

from switcher.gui.jobs import Job, JobKind
from switcher.gui.labels import account_state, busy_state, server_label
from switcher.gui.state import Snapshot
from switcher.vault import Account, AccountStatus


def _snapshot(*accounts: Account, active: str | None = None) -> Snapshot:
    return Snapshot("local", "http://127.0.0.1:3000", (), accounts, active_id=active)


def test_what_is_being_done_comes_first_then_why_it_cannot_be_used() -> None:
    alice = Account("u1", "alice@example.com")
    bob = Account("u2", "bob@example.com", status=AccountStatus.REVOKED)
    carol = Account("u3", "carol@example.com", status=AccountStatus.EXPIRED)
    snapshot = _snapshot(alice, bob, carol, active="u1")
    nothing: set[Job] = set()
    assert [account_state(snapshot, nothing, a) for a in (alice, bob, carol)] == [
        "active",
        "revoked elsewhere",
        "expired",
    ]
    revoking = {Job(JobKind.REVOKE, bob.email), Job(JobKind.SWITCH, carol.email)}
    assert account_state(snapshot, revoking, bob) == "revoking…"
    assert busy_state(revoking, carol) == "switching…"
    assert busy_state(revoking, alice) is None
    assert alice.status.ended is None
    assert account_state(_snapshot(alice, active="u2"), nothing, alice) == "signed in"


def test_the_bundled_server_reads_as_this_computer_and_others_keep_their_names() -> None:
    assert server_label("local") == "This computer"
    assert server_label("work") == "work"
    assert server_label("Local") == "Local"
    assert server_label("local", in_sentence=True) == "this computer"
    assert server_label("Work", in_sentence=True) == "Work"
