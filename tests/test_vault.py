"""The account index: atomic, locked, and rebuilt when corrupt."""

from __future__ import annotations

import json
import multiprocessing
import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from switcher.client.jar import Cookie
from switcher.secrets import FileSecrets, KeyringSecrets
from switcher.vault import LOCAL, Account, Vault
from tests.support.memory_keyring import MemoryKeyring, memory_keyring


@pytest.fixture
def backend() -> Iterator[MemoryKeyring]:
    with memory_keyring() as keyring_backend:
        yield keyring_backend


def _cookie(value: str) -> Cookie:
    return Cookie("better-auth.session_token_multi-abc", value, "127.0.0.1")


def _with_account(vault: Vault, user_id: str = "u1") -> None:
    with vault.locked() as index:
        server = index.servers[LOCAL]
        server.accounts.append(Account(user_id=user_id, email=f"{user_id}@example.com"))
        server.active = user_id
        vault.store_cookies(server, user_id, [_cookie(f"secret-{user_id}.sig")])


def test_a_new_vault_has_the_local_server(tmp_path: Path, backend: MemoryKeyring) -> None:
    vault = Vault(tmp_path, KeyringSecrets())
    assert list(vault.index.servers) == [LOCAL]
    assert not (tmp_path / "accounts.json").exists()
    assert backend.reads == 0


def test_saved_state_survives_and_holds_no_secret(tmp_path: Path, backend: MemoryKeyring) -> None:
    _with_account(Vault(tmp_path, KeyringSecrets()))
    text = (tmp_path / "accounts.json").read_text()
    assert "secret-u1" not in text
    again = Vault(tmp_path, KeyringSecrets())
    server = again.index.servers[LOCAL]
    assert server.active == "u1"
    assert again.cookies(server, "u1") == [_cookie("secret-u1.sig")]


def test_a_corrupt_index_is_moved_aside_and_rebuilt_from_the_last_good_copy(
    tmp_path: Path, backend: MemoryKeyring
) -> None:
    vault = Vault(tmp_path, KeyringSecrets())
    _with_account(vault, "u1")
    _with_account(vault, "u2")  # the backup now holds u1
    (tmp_path / "accounts.json").write_text('{"version": 1, "servers": {"local": ')
    rebuilt = Vault(tmp_path, KeyringSecrets())
    ids = [a.user_id for a in rebuilt.index.servers[LOCAL].accounts]
    # u1 from the copy, u2 from the keyring's own list of this server's accounts.
    assert ids == ["u1", "u2"]
    assert len(rebuilt.notices) == 1
    assert "was corrupt" in rebuilt.notices[0]
    aside = [p for p in tmp_path.iterdir() if p.name.startswith("accounts.json.corrupt-")]
    assert len(aside) == 1
    assert aside[0].read_text().endswith('"local": ')


def test_a_corrupt_index_without_a_copy_is_rebuilt_from_the_keyring(
    tmp_path: Path, backend: MemoryKeyring
) -> None:
    _with_account(Vault(tmp_path, KeyringSecrets()), "u1")
    (tmp_path / "accounts.json.bak").unlink(missing_ok=True)
    (tmp_path / "accounts.json").write_bytes(b"\x00\xff not json")
    rebuilt = Vault(tmp_path, KeyringSecrets())
    assert [a.user_id for a in rebuilt.index.servers[LOCAL].accounts] == ["u1"]
    assert rebuilt.notices


def _add_in_another_process(config: str, user_id: str) -> None:
    secrets = FileSecrets(Path(config) / "secrets.json", warn=lambda message: None)
    vault = Vault(Path(config), secrets)
    with vault.locked() as index:
        index.servers[LOCAL].accounts.append(Account(user_id=user_id, email=f"{user_id}@x.org"))


def test_two_processes_updating_at_once_lose_nothing(tmp_path: Path) -> None:
    context = multiprocessing.get_context("spawn")
    workers = [
        context.Process(target=_add_in_another_process, args=(str(tmp_path), f"u{i}"))
        for i in range(6)
    ]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(60)
        assert worker.exitcode == 0
    data = json.loads((tmp_path / "accounts.json").read_text())
    ids = sorted(a["user_id"] for a in data["servers"]["local"]["accounts"])
    assert ids == [f"u{i}" for i in range(6)]


def test_insecure_storage_is_owner_only_and_warns(tmp_path: Path) -> None:
    warnings: list[str] = []
    secrets = FileSecrets(tmp_path / "data" / "secrets.json", warn=warnings.append)
    assert "plain text" in warnings[0]
    secrets.set("svc", "key", "value")
    assert secrets.get("svc", "key") == "value"
    assert stat.S_IMODE(os.stat(tmp_path / "data" / "secrets.json").st_mode) == 0o600
    secrets.delete("svc", "key")
    assert secrets.get("svc", "key") is None


def test_a_config_dir_that_cannot_exist_is_a_clear_error(
    tmp_path: Path, backend: MemoryKeyring
) -> None:
    from switcher.vault import VaultError

    blocked = tmp_path / "config"
    blocked.write_text("a file where the directory should be")
    with pytest.raises(VaultError, match="Not a directory"):
        Vault(blocked / "switcher", KeyringSecrets())
    vault = Vault(tmp_path / "fine", KeyringSecrets())
    vault.config_dir = blocked / "switcher"
    vault.path = vault.config_dir / "accounts.json"
    with pytest.raises(VaultError, match="cannot write"):
        vault.save()
    assert blocked.read_text() == "a file where the directory should be"
