"""kill -9 at every step of ``switcher accounts add``: the next command reconciles.

Real processes on the bundled server and a real gnome-keyring. The add is
killed at each failpoint (``SWITCHER_FAILPOINT``); then ``accounts list``
must leave the device consistent: every cookie in the keyring belongs to an
account the index lists (adopted, or deleted), the keyring's per-server list
matches the index, no sign-in marker is left, and the person is told once.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import time

import pytest

from switcher.bundled import LOCAL_URL
from switcher.vault import service_name
from tests.support.cli import Cli
from tests.support.secret_service import SecretService
from tests.support.targets import unique_email

SERVICE = service_name(LOCAL_URL)


# point -> (is bob in the index afterwards, what the next `accounts list` says)
OUTCOMES = {
    "add.marked": (False, "a sign-up on local was interrupted before it was saved"),
    "add.answered": (False, "a sign-up on local was interrupted before it was saved"),
    "add.named": (False, "a sign-up on local was interrupted before it was saved"),
    "add.stored": (True, "an interrupted sign-in on local was completed"),
    "add.listed": (True, "an interrupted sign-in on local was completed"),
    "add.saved": (True, None),
}


def _index(cli: Cli) -> dict[str, object]:
    data: dict[str, object] = json.loads((cli.root / "config" / "accounts.json").read_text())
    return data


@pytest.mark.parametrize("point", list(OUTCOMES))
def test_an_add_killed_at_any_step_is_reconciled_by_the_next_command(
    cli: Cli, secret_service: SecretService, point: str
) -> None:
    secret_service.clear(SERVICE)  # other tests' accounts of the same server name
    alice, bob = unique_email("alice"), unique_email("bob")
    cli.add(alice, "--sign-up")

    killed = cli.add(bob, "--sign-up", check=False, env={"SWITCHER_FAILPOINT": point})
    assert killed.returncode == -signal.SIGKILL, killed.stderr

    listing = cli("accounts", "list", "--json")
    expected_in, notice = OUTCOMES[point]
    emails = [a["email"] for a in json.loads(listing.stdout)["accounts"]]
    assert emails == ([alice, bob] if expected_in else [alice])
    if notice is None:
        assert "interrupted" not in listing.stderr
    else:
        assert notice in listing.stderr
        assert bob in listing.stderr
        if not expected_in:  # the sign-up may have made the account: say how to add it
            assert "add it without --sign-up" in listing.stderr
    # Told once: the next command has nothing more to say.
    again = cli("accounts", "list", "--json")
    assert "interrupted" not in again.stderr
    assert _index(cli)["pending"] == []

    # The keyring holds cookies for exactly the accounts the index lists, and
    # its list of this server's accounts says the same.
    servers = _index(cli)["servers"]
    assert isinstance(servers, dict)
    ids = sorted(a["user_id"] for a in servers["local"]["accounts"])
    entries = {
        user: value for (svc, user), value in secret_service.entries().items() if svc == SERVICE
    }
    stored = sorted(entries)
    assert stored == sorted([*ids, "__accounts__"])
    assert sorted(json.loads(entries["__accounts__"])) == ids

    # Every account left is usable: the server honours its cookie.
    for email in emails:
        assert cli("accounts", "use", email).stdout.strip() == f"active: {email}"
    if not expected_in:
        # bob can still be added normally: nothing half-done is in the way
        # (killed before the sign-up was sent, bob does not exist yet).
        cli.add(bob, *(["--sign-up"] if point == "add.marked" else []))
        assert bob in [a["email"] for a in cli.listing()["accounts"]]  # type: ignore[attr-defined]


def test_a_sign_in_in_progress_in_another_process_is_left_alone(cli: Cli) -> None:
    """A live process's marker is not reconciled away under it."""
    alice = unique_email("alice")
    cli.add(alice, "--sign-up")
    config = cli.root / "config" / "accounts.json"
    data = json.loads(config.read_text())
    data["pending"] = [
        {
            "server": "local",
            "email": "busy@example.com",
            "pid": os.getpid(),  # this test process: alive
            "host": socket.gethostname(),
            "started_at": time.time(),
        }
    ]
    config.write_text(json.dumps(data))
    listing = cli("accounts", "list", "--json")
    assert "busy@example.com" not in listing.stderr
    assert json.loads(config.read_text())["pending"][0]["email"] == "busy@example.com"
