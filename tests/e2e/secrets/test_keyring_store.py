"""The vault's secrets in a real Secret Service (gnome-keyring on a private D-Bus bus)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import keyring
import pytest

from switcher.bundled import LOCAL
from switcher.protocol.cookie import Cookie
from switcher.secrets import KeyringSecrets, SecretStoreError
from switcher.vault import Account, Vault
from tests.support.secret_service import (
    SecretService,
    secret_service_keyring,
    tolerating_keyring_leaks,
)


@pytest.fixture
def real_keyring(own_secret_service: SecretService) -> Iterator[None]:
    previous = keyring.get_keyring()
    with secret_service_keyring(own_secret_service) as backend:
        keyring.set_keyring(backend)
        try:
            yield
        finally:
            keyring.set_keyring(previous)


def test_cookies_round_trip_through_the_secret_service(tmp_path: Path, real_keyring: None) -> None:
    cookie = Cookie("better-auth.session_token_multi-abc", "abc.sig%3D", "127.0.0.1")
    vault = Vault(tmp_path, KeyringSecrets())
    with vault.locked() as index:
        server = index.servers[LOCAL]
        account = Account(user_id="u1", email="u1@example.com")
        server.accounts.append(account)
        vault.store_cookies(server, account, [cookie])
    fresh = Vault(tmp_path, KeyringSecrets())
    server = fresh.index.servers[LOCAL]
    saved = server.account("u1")
    assert saved is not None
    assert fresh.cookies(server, saved) == [cookie]
    assert fresh.secrets.calls == 1
    fresh.forget_cookies(server, ["u1"])
    assert Vault(tmp_path, KeyringSecrets()).cookies(server, saved) == []


def test_a_locked_collection_is_a_clear_error_and_nothing_is_lost(
    tmp_path: Path, own_secret_service: SecretService, real_keyring: None
) -> None:
    secrets = KeyringSecrets()
    secrets.set("switcher test", "u1", "kept")
    own_secret_service.lock()
    try:
        with tolerating_keyring_leaks():
            with pytest.raises(SecretStoreError) as caught:
                secrets.get("switcher test", "u1")
            message = str(caught.value)
            del caught
        assert "locked" in message
    finally:
        own_secret_service.unlock()
    assert secrets.get("switcher test", "u1") == "kept"
