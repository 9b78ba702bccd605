"""The accounts service against every server kind, with an in-memory keyring."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import httpx
import pytest

from switcher.accounts import Accounts, AccountsError, Event, EventKind, token_of
from switcher.secrets import KeyringSecrets
from switcher.vault import AccountStatus, Server, Vault, VaultError
from tests.support.browser import Browser
from tests.support.memory_keyring import MemoryKeyring
from tests.support.targets import PASSWORD, Serve, Target, unique_email


class Harness:
    def __init__(self, target: Target, config: Path) -> None:
        self.target = target
        self.config = config
        self.events: list[Event] = []
        self.service = self.open()
        self.service.add_server(target.base_url, name="t")
        self.service.use_server("t")

    def open(self) -> Accounts:
        service = Accounts(Vault(self.config, KeyringSecrets()), timeout=10)
        service.subscribe(self.events.append)
        return service

    def add(self, label: str, **kwargs: object) -> str:
        email = unique_email(label)
        self.service.add(email, PASSWORD, sign_up=True, name=label.title(), **kwargs)  # type: ignore[arg-type]
        return email

    @property
    def server(self) -> Server:
        self.service.vault.load()  # other processes (services) may have saved since
        return self.service.server()

    def emails(self) -> list[str]:
        return [a.email for a in self.server.accounts]

    def active_email(self) -> str | None:
        server = self.server
        account = server.account(server.active) if server.active else None
        return account.email if account else None

    def server_side_active(self) -> str | None:
        """Who the server thinks this device is signed in as (get-session with our cookies)."""
        browser = Browser(self.target.base_url)
        try:
            # The saved state, as a new process reads it (its own keyring reads).
            cookies = self.open().device_cookies()
            browser.jar.update({c.name: c.value for c in cookies})
            session = browser.get("/get-session").json()
            return session["user"]["email"] if session else None
        finally:
            browser.close()

    def token(self, email: str) -> str:
        account = self.server.find(email)
        assert account is not None
        token = token_of(self.service.vault.cookies(self.server, account))
        assert token is not None
        return token

    def revoke_elsewhere(self, email: str) -> None:
        """End a session from another device, as a person signing out in a browser would."""
        browser = Browser(self.target.base_url)
        try:
            cookie = f"{self.target.names.session_token}={self.target.sign(self.token(email))}"
            assert browser.post("/sign-out", {}, cookie=cookie).status_code == 200
        finally:
            browser.close()


@pytest.fixture
def harness(target: Target, tmp_path: Path, backend: MemoryKeyring) -> Harness:
    return Harness(target, tmp_path / "config")


def test_added_accounts_are_listed_in_order_and_the_newest_is_active(
    harness: Harness, backend: MemoryKeyring
) -> None:
    alice, bob = harness.add("alice"), harness.add("bob")
    assert harness.emails() == [alice, bob]
    assert harness.active_email() == bob
    assert harness.server_side_active() == bob
    assert [e.kind for e in harness.events].count(EventKind.ADDED) == 2
    # One keyring entry per account, plus the server's list of account ids.
    services = {service for service, _ in backend.entries}
    assert services == {f"switcher {harness.target.base_url}"}
    assert len(backend.entries) == 3
    # The index is plain JSON without a single secret in it.
    index = (harness.config / "accounts.json").read_text()
    for value in backend.entries.values():
        for token in (json.loads(value) if value.startswith("{") else {"cookies": []})["cookies"]:
            assert token["value"] not in index
            assert token["value"].split(".")[0] not in index


def test_use_switches_on_the_server_without_touching_the_keyring(
    harness: Harness, backend: MemoryKeyring
) -> None:
    alice, _ = harness.add("alice"), harness.add("bob")
    writes, reads = backend.writes, backend.reads
    harness.service.use(alice)
    assert harness.active_email() == alice
    assert backend.writes == writes
    assert backend.reads == reads  # cookies were already in memory
    assert harness.server_side_active() == alice  # a new process: reads of its own
    assert harness.events[-1].kind == EventKind.ACTIVE_CHANGED


def test_a_fresh_process_reads_each_account_once(harness: Harness, backend: MemoryKeyring) -> None:
    first, second = harness.add("alice"), harness.add("bob")
    fresh = harness.open()
    reads = backend.reads
    fresh.use(first)
    fresh.use(second)
    fresh.use(first)
    assert backend.reads - reads == 2


def test_revoking_the_active_account_makes_the_next_one_active(harness: Harness) -> None:
    alice, bob = harness.add("alice"), harness.add("bob")
    harness.service.revoke(bob)
    assert harness.emails() == [alice]
    assert harness.active_email() == alice
    assert harness.server_side_active() == alice


def test_revoking_another_account_keeps_the_active_one(harness: Harness) -> None:
    alice, bob = harness.add("alice"), harness.add("bob")
    harness.service.revoke(alice)
    assert harness.emails() == [bob]
    assert harness.active_email() == bob
    assert harness.server_side_active() == bob


def test_a_session_revoked_elsewhere_is_marked_and_the_active_one_replaced(
    harness: Harness,
) -> None:
    alice, bob = harness.add("alice"), harness.add("bob")
    harness.revoke_elsewhere(bob)
    harness.events.clear()
    harness.service.refresh()
    account = harness.server.find(bob)
    assert account is not None
    assert account.status == AccountStatus.REVOKED
    assert harness.active_email() == alice
    assert harness.server_side_active() == alice
    kinds = [e.kind for e in harness.events]
    assert EventKind.ACTIVE_CHANGED in kinds
    with pytest.raises(AccountsError, match="sign in again"):
        harness.service.use(bob)
    # Signing in again brings it back, as the same account.
    harness.service.add(bob, PASSWORD)
    assert harness.emails() == [alice, bob]
    assert harness.server.find(bob).status == AccountStatus.VALID  # type: ignore[union-attr]


def test_use_of_a_session_that_ended_unnoticed_says_so(harness: Harness) -> None:
    alice, _ = harness.add("alice"), harness.add("bob")
    harness.revoke_elsewhere(alice)
    with pytest.raises(AccountsError, match="has ended"):
        harness.service.use(alice)
    assert harness.server.find(alice).status == AccountStatus.REVOKED  # type: ignore[union-attr]


def test_switching_to_an_active_account_that_ended_makes_the_next_one_active(
    harness: Harness,
) -> None:
    alice, bob = harness.add("alice"), harness.add("bob")
    harness.revoke_elsewhere(bob)  # bob is the active one
    harness.events.clear()
    with pytest.raises(AccountsError, match=f"has ended.*active now: {alice}"):
        harness.service.use(bob)
    assert harness.server.find(bob).status == AccountStatus.REVOKED  # type: ignore[union-attr]
    assert harness.active_email() == alice
    assert harness.server_side_active() == alice
    assert EventKind.ACTIVE_CHANGED in [e.kind for e in harness.events]
    assert token_of(harness.service.active_cookies()) == harness.token(alice)


def test_the_active_cookies_of_an_ended_session_are_an_error_not_nothing(
    harness: Harness,
) -> None:
    # `switcher cookie` feeds scripts (curl -H "Cookie: $(switcher cookie)"):
    # an empty answer would silently make them anonymous.
    harness.add("alice")
    only = harness.add("bob")
    harness.revoke_elsewhere(only)
    harness.revoke_elsewhere(harness.emails()[0])
    with pytest.raises(AccountsError, match="has ended"):
        harness.service.use(only)
    assert harness.active_email() is None
    with pytest.raises(AccountsError, match="no active account"):
        harness.service.active_cookies()


def test_an_account_signed_in_again_after_it_ended_is_in_the_keyrings_list(
    harness: Harness,
) -> None:
    # The keyring's list of a server's accounts is what rebuilds a lost index.
    alice = harness.add("alice")
    harness.revoke_elsewhere(alice)
    harness.service.refresh()
    server = harness.server
    assert server.find(alice).status == AccountStatus.REVOKED  # type: ignore[union-attr]
    assert harness.service.vault.directory(server) == []
    harness.service.add(alice, PASSWORD)
    account = harness.server.find(alice)
    assert account is not None and account.status == AccountStatus.VALID
    assert harness.service.vault.directory(harness.server) == [account.user_id]


def test_signing_in_the_same_user_again_keeps_one_account(harness: Harness) -> None:
    alice = harness.add("alice")
    old = harness.token(alice)
    harness.service.add(alice, PASSWORD)
    assert harness.emails() == [alice]
    assert harness.token(alice) != old


def test_sign_out_ends_every_session_of_the_device(harness: Harness) -> None:
    harness.add("alice")
    harness.add("bob")
    jar = harness.service.device_cookies()  # what a browser of this device holds
    assert harness.service.sign_out() == 2
    assert harness.emails() == []
    assert harness.server.active is None
    browser = Browser(harness.target.base_url)
    try:
        browser.jar.update({c.name: c.value for c in jar})
        assert browser.get("/multi-session/list-device-sessions").json() == []
    finally:
        browser.close()


def test_sign_out_counts_the_sessions_it_ended_not_those_already_gone(
    harness: Harness,
) -> None:
    harness.add("alice")
    bob = harness.add("bob")
    harness.revoke_elsewhere(bob)
    harness.service.refresh()
    assert harness.service.sign_out() == 1
    assert harness.emails() == []  # the ended one is forgotten as well


def test_a_wrong_password_changes_nothing(harness: Harness, backend: MemoryKeyring) -> None:
    alice = harness.add("alice")
    before = dict(backend.entries)
    with pytest.raises(AccountsError, match="Invalid email or password"):
        harness.service.add(alice, "wrong-password")
    assert backend.entries == before
    assert harness.emails() == [alice]


def test_an_account_beyond_the_servers_maximum_is_refused_and_nothing_is_lost(
    serve: Serve, tmp_path: Path, backend: MemoryKeyring
) -> None:
    harness = Harness(serve(max_sessions=2), tmp_path / "config")
    alice, bob = harness.add("alice"), harness.add("bob")
    with pytest.raises(AccountsError, match="allows no more accounts"):
        harness.add("carol")
    assert harness.emails() == [alice, bob]
    assert harness.active_email() == bob
    assert harness.server_side_active() == bob


def test_a_deployment_cookie_prefix_and_secure_cookies_are_discovered_not_assumed(
    serve: Serve, tmp_path: Path, backend: MemoryKeyring
) -> None:
    harness = Harness(serve(cookie_prefix="myapp", secure_cookies=True), tmp_path / "config")
    alice, bob = harness.add("alice"), harness.add("bob")
    stored = [
        cookie["name"]
        for (_, user), value in backend.entries.items()
        if user != "__accounts__"
        for cookie in json.loads(value)["cookies"]
    ]
    assert len(stored) == 2
    assert all(name.startswith("__Secure-myapp.session_token_multi-") for name in stored)
    harness.service.use(alice)
    assert harness.server_side_active() == alice
    harness.service.revoke(alice)
    assert harness.active_email() == bob
    assert harness.server_side_active() == bob
    harness.service.refresh()
    assert harness.server.find(bob).status == AccountStatus.VALID  # type: ignore[union-attr]
    assert harness.service.sign_out() == 1


class Interleaving(httpx.BaseTransport):
    """The real network, with another switcher's action run while one request is in flight."""

    def __init__(self, path: str, action: Callable[[], None]) -> None:
        self.inner = httpx.HTTPTransport()
        self.path = path
        self.action: Callable[[], None] | None = action

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        if self.action is not None and request.url.path.endswith(self.path):
            action, self.action = self.action, None
            action()
        return self.inner.handle_request(request)

    def close(self) -> None:
        # Each operation's client closes its transport: start the next one afresh.
        self.inner.close()
        self.inner = httpx.HTTPTransport()


def _in_another_thread(call: Callable[[], object]) -> Callable[[], None]:
    """Run ``call`` on a thread and wait up to 10 s: a lock held across the request blocks it."""

    def run() -> None:
        errors: list[BaseException] = []

        def target() -> None:
            try:
                call()
            except BaseException as error:
                errors.append(error)

        thread = threading.Thread(target=target, daemon=True)
        thread.start()
        thread.join(10)
        assert not thread.is_alive(), "the other switcher waited for a lock held across a request"
        assert not errors, errors

    return run


def _interleaved(harness: Harness, path: str, action: Callable[[], object]) -> Accounts:
    transport = Interleaving(path, _in_another_thread(action))
    service = Accounts(
        Vault(harness.config, KeyringSecrets()), transport_for=lambda server: transport, timeout=10
    )
    service.subscribe(harness.events.append)
    return service


def test_an_account_added_while_a_refresh_is_in_flight_stays_signed_in(
    harness: Harness,
) -> None:
    alice = harness.add("alice")
    carol = unique_email("carol")
    other = harness.open()  # another process: the command line beside the app
    app = _interleaved(
        harness,
        "/multi-session/list-device-sessions",
        lambda: other.add(carol, PASSWORD, sign_up=True, name="Carol"),
    )
    app.refresh()
    # The device list answered without carol (her cookie was not sent): that
    # is no reason to call her session ended.
    assert harness.emails() == [alice, carol]
    assert all(a.status == AccountStatus.VALID for a in harness.server.accounts)
    assert harness.active_email() == carol
    assert harness.server_side_active() == carol


def test_a_switch_made_while_another_switch_is_in_flight_is_not_lost(harness: Harness) -> None:
    alice, bob, carol = harness.add("alice"), harness.add("bob"), harness.add("carol")
    other = harness.open()
    app = _interleaved(harness, "/multi-session/set-active", lambda: other.use(bob))
    app.use(alice)
    # Both switches happened, in the order they finished: the last one wins.
    assert harness.active_email() == alice
    harness.service.use(carol)
    assert harness.active_email() == carol


def test_revoking_an_account_signed_in_again_meanwhile_keeps_the_new_session(
    harness: Harness,
) -> None:
    alice, bob = harness.add("alice"), harness.add("bob")
    other = harness.open()
    app = _interleaved(harness, "/multi-session/revoke", lambda: other.add(alice, PASSWORD))
    with pytest.raises(AccountsError, match="signed in again"):
        app.revoke(alice)
    assert harness.emails() == [alice, bob]
    harness.service.use(alice)  # the new session stands
    assert harness.server_side_active() == alice


def test_sign_out_keeps_an_account_signed_in_meanwhile(harness: Harness) -> None:
    harness.add("alice")
    carol = unique_email("carol")
    other = harness.open()
    app = _interleaved(
        harness, "/sign-out", lambda: other.add(carol, PASSWORD, sign_up=True, name="Carol")
    )
    assert app.sign_out() == 1
    assert harness.emails() == [carol]
    assert harness.server_side_active() == carol


def test_sessions_the_keyring_holds_but_the_index_lost_are_adopted_at_start(
    harness: Harness, backend: MemoryKeyring
) -> None:
    """What an older version's unsaved index rebuild left: cookies only the keyring knows."""
    alice, bob = harness.add("alice"), harness.add("bob")
    harness.revoke_elsewhere(alice)
    with harness.service.vault.locked() as index:
        index.servers["t"].accounts.clear()  # the index forgot both; the keyring did not
        index.servers["t"].active = None
    assert harness.service.reconcile() == []  # a plain list does not scan the keyring
    notices = harness.service.reconcile(everything=True)
    # bob's session still stands: adopted. alice's ended: left alone (the entry may
    # belong to another switcher profile on the same keyring), never adopted.
    assert notices == [f"{bob}: a stored session on t was restored"]
    assert harness.emails() == [bob]
    assert harness.active_email() == bob
    assert harness.server_side_active() == bob
    service = f"switcher {harness.target.base_url}"
    assert sum(1 for (s, user) in backend.entries if s == service and user != "__accounts__") == 2
    assert harness.service.reconcile(everything=True) == []  # said once


def test_a_server_lost_with_the_index_brings_its_accounts_back_when_added_again(
    harness: Harness,
) -> None:
    alice, bob = harness.add("alice"), harness.add("bob")
    for name in ("accounts.json", "accounts.json.bak"):
        (harness.config / name).unlink()
    (harness.config / "accounts.json").write_text("{damaged")
    service = harness.open()
    assert "add your other servers again" in service.vault.notices[0]
    assert "t" not in service.vault.index.servers  # only the bundled server is known
    service.reconcile(everything=True)  # what the first list does
    service.add_server(harness.target.base_url, name="t")
    notices = service.reconcile("t")  # the next `accounts list`: no app start needed
    assert sorted(notices) == sorted(
        f"{email}: a stored session on t was restored" for email in (alice, bob)
    )
    assert sorted(a.email for a in service.server("t").accounts) == sorted([alice, bob])


def _disk_full_after(monkeypatch: pytest.MonkeyPatch, good: int) -> list[bytes]:
    """The index's saves fail with ENOSPC after ``good`` of them.

    A full disk cannot be caused for real here: the one fault these tests fake.
    """
    import errno

    import switcher.vault

    saves: list[bytes] = []
    real_write = switcher.vault.write_atomic  # type: ignore[attr-defined]

    def write(path: Path, data: bytes, **kwargs: Path) -> None:
        saves.append(data)
        if len(saves) > good:
            raise OSError(errno.ENOSPC, "No space left on device")
        real_write(path, data, **kwargs)

    monkeypatch.setattr(switcher.vault, "write_atomic", write)
    return saves


def test_signing_in_again_when_the_index_cannot_be_saved_keeps_the_new_session(
    harness: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Signing in again ends the account's previous session on the server (multi-session
    keeps one per user): the new one, already in the keyring, must not be thrown away."""
    alice, bob = harness.add("alice"), harness.add("bob")
    saves = _disk_full_after(monkeypatch, good=1)  # the sign-in's marker, then nothing
    with pytest.raises(VaultError, match="No space left"):
        harness.service.add(alice, PASSWORD)
    monkeypatch.undo()
    assert len(saves) == 3  # the marker; the new session (refused); clearing the marker
    fresh = harness.open()  # another process: nothing cached
    fresh.use(alice)
    assert harness.server_side_active() == alice
    assert harness.emails() == [alice, bob]


def test_a_new_account_whose_save_failed_is_completed_by_the_next_list(
    harness: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    alice = harness.add("alice")
    carol = unique_email("carol")
    _disk_full_after(monkeypatch, good=2)  # the marker, the marker naming carol, then nothing
    with pytest.raises(VaultError, match="No space left"):
        harness.service.add(carol, PASSWORD, sign_up=True, name="Carol")
    monkeypatch.undo()
    assert harness.emails() == [alice]
    fresh = harness.open()
    marker = fresh.vault.index.pending[0]
    # This process is alive: its marker waits (another process may still be signing in).
    assert fresh.reconcile() == []
    with fresh.vault.locked() as index:  # ... until the sign-in is old enough to be over
        index.pending = [replace(marker, started_at=marker.started_at - 3600)]
    assert fresh.reconcile() == [f"{carol}: an interrupted sign-in on t was completed"]
    assert harness.emails() == [alice, carol]
    fresh.use(carol)
    assert harness.server_side_active() == carol
