"""The accounts service with an in-memory keyring, on switcher's own server."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from switcher.accounts import Accounts, AccountsError, Event, EventKind
from switcher.secrets import KeyringSecrets
from switcher.vault import Vault
from tests.support.memory_keyring import MemoryKeyring
from tests.support.targets import PASSWORD


def test_an_unreachable_server_is_reported_and_nothing_changes(
    tmp_path: Path, backend: MemoryKeyring
) -> None:
    from tests.support.switcher_server import free_socket

    sock = free_socket()
    port = sock.getsockname()[1]
    sock.close()
    service = Accounts(Vault(tmp_path / "config", KeyringSecrets()), timeout=2)
    events: list[Event] = []
    service.subscribe(events.append)
    service.add_server(f"http://127.0.0.1:{port}", name="down")
    with pytest.raises(AccountsError, match="cannot connect"):
        service.add("a@example.com", PASSWORD, server_name="down")
    assert service.server("down").accounts == []
    assert [e.kind for e in events] == [EventKind.OFFLINE]


def test_a_refresh_refused_with_a_better_auth_error_is_one_clear_line(
    tmp_path: Path, backend: MemoryKeyring
) -> None:
    from switcher.protocol.cookie import Cookie
    from switcher.vault import Account
    from tests.support.fault_server import FaultServer, http_response

    body = json.dumps({"message": "Too many requests. Please try again later."}).encode()
    with FaultServer(http_response(429, body)) as limited:
        service = Accounts(Vault(tmp_path / "config", KeyringSecrets()), timeout=5)
        service.add_server(limited.base_url, name="limited")
        with service.vault.locked() as index:
            server = index.servers["limited"]
            account = Account(user_id="u1", email="a@example.com")
            server.accounts.append(account)
            cookie = Cookie("better-auth.session_token_multi-abc", "abc.sig", "127.0.0.1")
            service.vault.store_cookies(server, account, [cookie])
        with pytest.raises(AccountsError, match="Too many requests"):
            service.refresh("limited")


def test_a_session_the_site_will_not_extend_is_asked_for_once_not_at_every_refresh(
    tmp_path: Path, backend: MemoryKeyring, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A --no-remember session stays a one-day session: keep-alive asks once, in vain."""
    import dataclasses
    import time

    import httpx

    from switcher import accounts as accounts_module
    from switcher.server import AuthApp
    from tests.support.local_transport import InProcessTransport, bundled_config

    # One-day sessions shortened to 2 s, remembered ones to 6 s: half of each passes quickly.
    config = dataclasses.replace(
        bundled_config(tmp_path), expires_in=6, update_age=1, dont_remember_expires_in=2
    )
    asked: list[str] = []

    class Counting(InProcessTransport):
        def handle_request(self, request: httpx.Request) -> httpx.Response:
            asked.append(request.url.path)
            return super().handle_request(request)

    transport = Counting(AuthApp(config))
    try:
        service = Accounts(
            Vault(tmp_path / "config", KeyringSecrets()), transport_for=lambda _s: transport
        )
        service.add("brief@example.com", PASSWORD, sign_up=True, remember=False)
        first_end = service.find("brief@example.com").expires_at
        time.sleep(1.2)  # past half of its 2 s
        asked.clear()
        for _ in range(3):
            service.refresh()
        assert asked.count("/api/auth/get-session") == 1  # once, not at every refresh
        assert service.find("brief@example.com").expires_at == first_end  # not extended
        # Asked again once a while has passed (a tenth of its lifetime, RETRY_FLOOR at least):
        # a site's updateAge may have come meanwhile.
        monkeypatch.setattr(accounts_module, "RETRY_FLOOR", 0.1)
        time.sleep(0.25)
        service.refresh()
        assert asked.count("/api/auth/get-session") == 2
    finally:
        transport.shutdown()
