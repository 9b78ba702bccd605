"""Sites that keep sessions alive (better-auth's expiresIn and updateAge).

A session in use moves its end forward on the server; the cookie switcher
stored at sign-in still carries the first Max-Age. Only the server's answer
may end an account here: never the stored cookie's own clock.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from switcher.accounts import Accounts
from switcher.protocol.cookies import is_session_cookie
from switcher.protocol.dates import parse_iso
from switcher.secrets import KeyringSecrets
from switcher.vault import AccountStatus, Vault
from tests.support.browser import Browser
from tests.support.memory_keyring import MemoryKeyring
from tests.support.peer import PeerServer
from tests.support.targets import PASSWORD, SECRET, unique_email

pytestmark = pytest.mark.peer

LIFETIME = 6  # seconds a session lasts without use (expiresIn)


@pytest.fixture(scope="module")
def site() -> Iterator[PeerServer]:
    with PeerServer(secret=SECRET, expires_in=LIFETIME, update_age=1) as peer:
        yield peer


@dataclass
class KeptAlive:
    """Alice and Bob signed in; Bob active and idle; Alice's session used in a browser."""

    service: Accounts
    alice: str
    bob: str
    alice_first_end: str  # expiresAt the server gave at sign-in
    alice_first_cookie_end: float  # the stored cookie's own end
    started: float  # time.monotonic() just before the sign-ins

    def wait_past_first_ends(self) -> None:
        time.sleep(max(0.0, LIFETIME + 1.5 - (time.monotonic() - self.started)))


def _keep_alice_alive(tmp_path: Path, site: PeerServer) -> KeptAlive:
    service = Accounts(Vault(tmp_path / "config", KeyringSecrets()), timeout=10)
    service.add_server(site.base_url, name="site")
    service.use_server("site")
    alice, bob = unique_email("alice"), unique_email("bob")
    started = time.monotonic()
    service.add(alice, PASSWORD, sign_up=True, name="Alice")
    service.add(bob, PASSWORD, sign_up=True, name="Bob")  # active; nobody uses it again
    account = service.find(alice)
    stored = next(c for c in service.vault.cookies(service.server(), account) if c.expires)
    # Alice's session is used in a browser (it was exported there): the site
    # moves its end forward, as it does once updateAge has passed.
    time.sleep(2)
    session = next(c for c in service.device_cookies(alice) if is_session_cookie(c.name))
    browser = Browser(site.base_url)
    try:
        used = browser.get("/get-session", cookie=f"{session.name}={session.value}")
        assert used.status_code == 200 and used.json()["user"]["email"] == alice
    finally:
        browser.close()
    assert account.expires_at is not None and stored.expires is not None
    return KeptAlive(service, alice, bob, account.expires_at, stored.expires, started)


def test_a_session_the_site_kept_alive_outlives_its_first_cookie(
    tmp_path: Path, backend: MemoryKeyring, site: PeerServer
) -> None:
    kept = _keep_alice_alive(tmp_path, site)
    kept.wait_past_first_ends()
    # Past the first end of both sessions: Alice's still stands, Bob's does not.
    server = kept.service.refresh()
    by_email = {a.email: a for a in server.accounts}
    assert by_email[kept.alice].status == AccountStatus.VALID
    assert parse_iso(str(by_email[kept.alice].expires_at)) > parse_iso(kept.alice_first_end)
    assert by_email[kept.bob].status == AccountStatus.EXPIRED
    assert server.active == by_email[kept.alice].user_id
    assert kept.service.active_cookies()  # its cookie is kept, and usable


def test_switching_to_a_session_the_site_kept_alive_works_past_its_first_cookie(
    tmp_path: Path, backend: MemoryKeyring, site: PeerServer
) -> None:
    kept = _keep_alice_alive(tmp_path, site)
    kept.wait_past_first_ends()
    # No refresh first: the switch itself must send the session the site kept.
    service = kept.service
    assert service.use(kept.alice).status == AccountStatus.VALID
    assert service.server().active == service.find(kept.alice).user_id
    # An export gets the end the server gave, later than the first cookie's.
    exported = [c.expires for c in service.device_cookies(kept.alice) if c.expires is not None]
    assert exported and all(end > kept.alice_first_cookie_end for end in exported)


def _two_idle_accounts(tmp_path: Path, site: PeerServer, keep_alive: bool) -> Accounts:
    service = Accounts(
        Vault(tmp_path / "config", KeyringSecrets()), timeout=10, keep_alive=keep_alive
    )
    service.add_server(site.base_url, name="site")
    service.use_server("site")
    started = time.monotonic()
    service.add(unique_email("alice"), PASSWORD, sign_up=True, name="Alice")
    service.add(unique_email("bob"), PASSWORD, sign_up=True, name="Bob")
    # Refreshes as the app makes them (each minute there; here past half a lifetime)...
    time.sleep(max(0.0, LIFETIME / 2 + 0.5 - (time.monotonic() - started)))
    service.refresh()
    # ...and again after both sessions' first ends.
    time.sleep(max(0.0, LIFETIME + 1.5 - (time.monotonic() - started)))
    return service


def test_refreshes_keep_every_idle_accounts_session_alive(
    tmp_path: Path, backend: MemoryKeyring, site: PeerServer
) -> None:
    service = _two_idle_accounts(tmp_path, site, keep_alive=True)
    server = service.refresh()
    assert [a.status for a in server.accounts] == [AccountStatus.VALID, AccountStatus.VALID]
    for account in server.accounts:  # each stored session is still the live one
        assert service.use(account.email).status == AccountStatus.VALID


def test_without_keep_alive_idle_sessions_lapse_as_the_site_says(
    tmp_path: Path, backend: MemoryKeyring, site: PeerServer
) -> None:
    service = _two_idle_accounts(tmp_path, site, keep_alive=False)
    server = service.refresh()
    assert [a.status for a in server.accounts] == [AccountStatus.EXPIRED, AccountStatus.EXPIRED]
