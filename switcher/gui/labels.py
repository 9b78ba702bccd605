"""How an account's state reads, the same in the tray menu and the accounts window."""

from __future__ import annotations

from switcher.bundled import LOCAL
from switcher.gui.jobs import Job, JobKind
from switcher.gui.state import Snapshot
from switcher.vault import Account

# What a person reads for the bundled server: its index name is jargon.
THIS_COMPUTER = "This computer"

SWITCHING = "switching…"
REVOKING = "revoking…"


def busy_state(pending: set[Job], account: Account) -> str | None:
    """What is being done to the account right now, if anything."""
    if Job(JobKind.SWITCH, account.email) in pending:
        return SWITCHING
    if Job(JobKind.REVOKE, account.email) in pending:
        return REVOKING
    return None


def account_state(snapshot: Snapshot, pending: set[Job], account: Account) -> str:
    """One word or two for the account's state column."""
    return (
        busy_state(pending, account)
        or account.status.ended
        or ("active" if snapshot.is_active(account) else "signed in")
    )


def server_label(name: str, in_sentence: bool = False) -> str:
    """A server's name as a person reads it; the command line keeps the index name.

    ``in_sentence``: within a sentence ("its session on this computer ends").
    """
    if name != LOCAL:
        return name
    return THIS_COMPUTER.lower() if in_sentence else THIS_COMPUTER
