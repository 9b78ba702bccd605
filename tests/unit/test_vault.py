"""The account index: atomic, locked, recovered (and the recovery saved) when lost or corrupt."""

from __future__ import annotations

import json
import multiprocessing
import os
import stat
import threading
from pathlib import Path

import pytest

from switcher.bundled import LOCAL, LOCAL_URL
from switcher.protocol.cookie import Cookie
from switcher.secrets import FileSecrets, KeyringSecrets
from switcher.vault import INDEX_VERSION, KEEP_CORRUPT_COPIES, Account, Server, Vault, VaultError
from tests.support.memory_keyring import MemoryKeyring


def _cookie(value: str) -> Cookie:
    return Cookie("better-auth.session_token_multi-abc", value, "127.0.0.1")


def _with_account(vault: Vault, user_id: str = "u1") -> None:
    with vault.locked() as index:
        server = index.servers[LOCAL]
        account = Account(user_id=user_id, email=f"{user_id}@example.com")
        server.accounts.append(account)
        server.active = user_id
        vault.add_to_directory(server, user_id)
        vault.store_cookies(server, account, [_cookie(f"secret-{user_id}.sig")])


def _ids(vault: Vault) -> list[str]:
    return [a.user_id for a in vault.index.servers[LOCAL].accounts]


def _mode(path: Path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


def test_a_first_run_reads_no_keyring_and_writes_nothing(
    tmp_path: Path, backend: MemoryKeyring
) -> None:
    vault = Vault(tmp_path / "config", KeyringSecrets())
    assert list(vault.index.servers) == [LOCAL]
    assert not (tmp_path / "config").exists()
    assert backend.reads == 0
    assert vault.notices == []


def test_saved_state_survives_and_holds_no_secret(tmp_path: Path, backend: MemoryKeyring) -> None:
    _with_account(Vault(tmp_path, KeyringSecrets()))
    text = (tmp_path / "accounts.json").read_text()
    assert "secret-u1" not in text
    again = Vault(tmp_path, KeyringSecrets())
    server = again.index.servers[LOCAL]
    assert server.active == "u1"
    account = server.account("u1")
    assert account is not None
    assert again.cookies(server, account) == [_cookie("secret-u1.sig")]


def test_index_backup_lock_and_corrupt_copies_are_owner_only(
    tmp_path: Path, backend: MemoryKeyring
) -> None:
    config = tmp_path / "config"
    config.mkdir(mode=0o755)
    os.chmod(config, 0o755)  # as a umask of 022 would leave it
    vault = Vault(config, KeyringSecrets())
    _with_account(vault, "u1")
    _with_account(vault, "u2")
    (config / "accounts.json").write_text("{ not an index")
    os.chmod(config / "accounts.json", 0o644)
    Vault(config, KeyringSecrets())
    corrupt = next(config.glob("accounts.json.corrupt-*"))
    assert _mode(config) == 0o700
    for path in (config / "accounts.json", config / "accounts.json.bak", config / "accounts.lock"):
        assert _mode(path) == 0o600, path
    assert _mode(corrupt) == 0o600
    assert not list(config.glob(".*.tmp"))  # no temporary file is left behind


def _edit_server(text: str, **changes: object) -> str:
    data = json.loads(text)
    data["servers"][LOCAL].update(changes)
    return json.dumps(data)


def _edit_account(text: str, **changes: object) -> str:
    data = json.loads(text)
    data["servers"][LOCAL]["accounts"][-1].update(changes)
    return json.dumps(data)


@pytest.mark.parametrize(
    "damage",
    [
        pytest.param(lambda text: text[: len(text) // 2], id="truncated"),
        pytest.param(lambda text: "", id="empty"),
        pytest.param(lambda text: "\x00\xff not json at all", id="garbage"),
        pytest.param(lambda text: json.dumps({"name": "not switcher's"}), id="foreign"),
        # JSON of the right shape whose values are of the wrong kind.
        pytest.param(lambda text: _edit_account(text, email=None), id="email-null"),
        pytest.param(lambda text: _edit_account(text, user_id=7), id="user-id-number"),
        pytest.param(lambda text: _edit_account(text, name=["x"]), id="name-list"),
        pytest.param(lambda text: _edit_account(text, expires_at="not a date"), id="bad-date"),
        pytest.param(lambda text: _edit_server(text, accounts="u1"), id="accounts-text"),
        pytest.param(lambda text: _edit_server(text, url=5), id="url-number"),
        pytest.param(lambda text: _edit_server(text, active=["u1"]), id="active-list"),
        pytest.param(lambda text: _edit_server(text, accounts=["u1"]), id="account-text"),
    ],
)
def test_a_damaged_index_is_recovered_once_and_the_recovery_is_saved(
    tmp_path: Path, backend: MemoryKeyring, damage: object
) -> None:
    vault = Vault(tmp_path, KeyringSecrets())
    _with_account(vault, "u1")
    _with_account(vault, "u2")  # the backup now holds u1 only
    path = tmp_path / "accounts.json"
    path.write_text(damage(path.read_text()))  # type: ignore[operator]

    rebuilt = Vault(tmp_path, KeyringSecrets())
    # u1 from the backup; u2, only in the keyring, comes back once its server
    # confirms it (Accounts.reconcile; another profile may share the keyring).
    assert _ids(rebuilt) == ["u1"]
    assert rebuilt.index.needs_reconcile
    assert len(rebuilt.notices) == 1
    assert "was corrupt" in rebuilt.notices[0]
    assert "rebuilt from its backup" in rebuilt.notices[0]
    aside = list(tmp_path.glob("accounts.json.corrupt-*"))
    assert len(aside) == 1

    # The recovery was saved: the next runs find it, and say nothing more.
    for _ in range(3):
        again = Vault(tmp_path, KeyringSecrets())
        assert _ids(again) == ["u1"]
        assert again.notices == []
        with again.locked():
            pass
    assert _ids(Vault(tmp_path, KeyringSecrets())) == ["u1"]
    assert backend.entries[(f"switcher {LOCAL_URL}", "u2")]  # still in the keyring


def test_an_index_damaged_in_place_after_its_first_save_is_recovered(
    tmp_path: Path, backend: MemoryKeyring
) -> None:
    # An editor writing in place, or a torn write: the first save's backup must
    # not be the index's own inode, or it is damaged with it.
    _with_account(Vault(tmp_path, KeyringSecrets()), "u1")
    with open(tmp_path / "accounts.json", "r+b") as index:
        index.write(b"garbage")
    rebuilt = Vault(tmp_path, KeyringSecrets())
    assert _ids(rebuilt) == ["u1"]
    assert "rebuilt from its backup" in rebuilt.notices[0]


def test_a_corrupt_index_without_a_backup_starts_empty_and_says_so(
    tmp_path: Path, backend: MemoryKeyring
) -> None:
    _with_account(Vault(tmp_path, KeyringSecrets()), "u1")
    (tmp_path / "accounts.json.bak").unlink(missing_ok=True)
    (tmp_path / "accounts.json").write_bytes(b"\x00\xff not json")
    rebuilt = Vault(tmp_path, KeyringSecrets())
    assert _ids(rebuilt) == []
    assert rebuilt.index.needs_reconcile
    assert "rebuilt from scratch" in rebuilt.notices[0]
    assert "once their server confirms them" in rebuilt.notices[0]


def test_each_damaged_copy_is_kept_under_its_own_name_and_only_the_newest_few(
    tmp_path: Path, backend: MemoryKeyring
) -> None:
    _with_account(Vault(tmp_path, KeyringSecrets()), "u1")
    for round_ in range(KEEP_CORRUPT_COPIES + 2):  # within a second or two
        (tmp_path / "accounts.json").write_text(f"damage {round_}")
        assert _ids(Vault(tmp_path, KeyringSecrets())) == ["u1"]
    copies = sorted(tmp_path.glob("accounts.json.corrupt-*"))
    assert [c.read_text() for c in copies] == [
        f"damage {r}" for r in range(2, KEEP_CORRUPT_COPIES + 2)
    ]


def test_a_missing_index_is_restored_from_its_backup_and_saved(
    tmp_path: Path, backend: MemoryKeyring
) -> None:
    vault = Vault(tmp_path, KeyringSecrets())
    _with_account(vault, "u1")
    _with_account(vault, "u2")
    (tmp_path / "accounts.json").unlink()  # e.g. a crash of an older version mid-save
    restored = Vault(tmp_path, KeyringSecrets())
    assert _ids(restored) == ["u1"]  # the backup: the version before the last save
    assert "was missing" in restored.notices[0]
    assert (tmp_path / "accounts.json").exists()
    assert Vault(tmp_path, KeyringSecrets()).notices == []


def test_a_recovered_index_counts_as_newer_than_anything_before_it(
    tmp_path: Path, backend: MemoryKeyring
) -> None:
    """A running app, which shows the newest generation it has seen, must show the recovery."""
    app = Vault(tmp_path, KeyringSecrets())
    for user_id in ("u1", "u2", "u3"):
        _with_account(app, user_id)
    seen = app.index.generation
    (tmp_path / "accounts.json").unlink()
    command = Vault(tmp_path, KeyringSecrets())  # recovers from the backup, an older save
    assert command.index.generation > seen
    saved = app.read_saved()
    assert saved is not None
    assert app.publish(saved) is saved


def test_the_first_save_leaves_a_backup_so_a_lost_index_is_never_a_first_run(
    tmp_path: Path, backend: MemoryKeyring
) -> None:
    _with_account(Vault(tmp_path, KeyringSecrets()), "u1")  # one save only
    assert (tmp_path / "accounts.json.bak").exists()
    (tmp_path / "accounts.json").unlink()
    restored = Vault(tmp_path, KeyringSecrets())
    assert "was missing" in restored.notices[0]
    assert _ids(restored) == ["u1"]


def test_a_reader_never_sees_the_index_missing_or_empty_while_it_is_saved(
    tmp_path: Path, backend: MemoryKeyring
) -> None:
    vault = Vault(tmp_path, KeyringSecrets())
    _with_account(vault, "u1")
    path = tmp_path / "accounts.json"
    stop = threading.Event()
    bad: list[str] = []
    reads = [0]

    def read_continuously() -> None:
        while not stop.is_set():
            try:
                data = path.read_bytes()
            except FileNotFoundError:
                bad.append("missing")
                continue
            reads[0] += 1
            if not data:
                bad.append("empty")

    reader = threading.Thread(target=read_continuously)
    reader.start()
    try:
        for _ in range(300):
            with vault.locked() as index:
                index.servers[LOCAL].refreshed_at += 1
    finally:
        stop.set()
        reader.join()
    assert reads[0] > 300
    assert bad == []


def _add_in_another_process(config: str, user_id: str) -> None:
    secrets = FileSecrets(Path(config) / "secrets.json")
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


def test_threads_of_one_process_updating_at_once_lose_nothing(
    tmp_path: Path, backend: MemoryKeyring
) -> None:
    vault = Vault(tmp_path, KeyringSecrets())

    def add(user_id: str) -> None:
        with vault.locked() as index:
            index.servers[LOCAL].accounts.append(Account(user_id=user_id, email=f"{user_id}@x"))

    threads = [threading.Thread(target=add, args=(f"t{i}",)) for i in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(_ids(Vault(tmp_path, KeyringSecrets()))) == [f"t{i}" for i in range(8)]
    assert sorted(_ids(vault)) == [f"t{i}" for i in range(8)]  # the newest state is in memory


def test_a_failed_change_leaves_the_saved_and_the_published_state_alone(
    tmp_path: Path, backend: MemoryKeyring
) -> None:
    vault = Vault(tmp_path, KeyringSecrets())
    _with_account(vault, "u1")
    before = (tmp_path / "accounts.json").read_bytes()

    def fail_midway() -> None:
        with vault.locked() as index:
            index.servers[LOCAL].accounts.clear()
            raise RuntimeError("the network call failed")

    with pytest.raises(RuntimeError):
        fail_midway()
    assert (tmp_path / "accounts.json").read_bytes() == before
    assert _ids(vault) == ["u1"]


def test_cached_cookies_are_read_again_once_another_process_stored_new_ones(
    tmp_path: Path, backend: MemoryKeyring
) -> None:
    app = Vault(tmp_path, KeyringSecrets())
    _with_account(app, "u1")
    server = app.index.servers[LOCAL]
    account = server.account("u1")
    assert account is not None
    assert app.cookies(server, account) == [_cookie("secret-u1.sig")]

    command = Vault(tmp_path, KeyringSecrets())  # signs u1 in again: a new session
    with command.locked() as index:
        again = index.servers[LOCAL].account("u1")
        assert again is not None
        command.store_cookies(index.servers[LOCAL], again, [_cookie("new-u1.sig")])

    index = app.load()
    fresh = index.servers[LOCAL].account("u1")
    assert fresh is not None
    assert app.cookies(index.servers[LOCAL], fresh) == [_cookie("new-u1.sig")]


def test_insecure_storage_is_owner_only(tmp_path: Path) -> None:
    secrets = FileSecrets(tmp_path / "data" / "secrets.json")
    secrets.set("svc", "key", "value")
    assert secrets.get("svc", "key") == "value"
    assert stat.S_IMODE(os.stat(tmp_path / "data" / "secrets.json").st_mode) == 0o600
    secrets.delete("svc", "key")
    assert secrets.get("svc", "key") is None


def test_a_config_dir_that_cannot_exist_is_a_clear_error(
    tmp_path: Path, backend: MemoryKeyring
) -> None:
    blocked = tmp_path / "config"
    blocked.write_text("a file where the directory should be")
    with pytest.raises(VaultError, match="Not a directory"):
        Vault(blocked / "switcher", KeyringSecrets())
    vault = Vault(tmp_path / "fine", KeyringSecrets())
    vault.config_dir = blocked / "switcher"
    vault.path = vault.config_dir / "accounts.json"
    vault.lock_path = vault.config_dir / "accounts.lock"
    with pytest.raises(VaultError, match="cannot create"), vault.locked():
        pass
    assert blocked.read_text() == "a file where the directory should be"


def test_an_unreadable_index_is_a_clear_error_and_is_left_alone(
    tmp_path: Path, backend: MemoryKeyring
) -> None:
    (tmp_path / "accounts.json").mkdir()  # unreadable even for root
    (tmp_path / "accounts.json" / "keep").write_text("x")
    with pytest.raises(VaultError, match="cannot read"):
        Vault(tmp_path, KeyringSecrets())
    assert (tmp_path / "accounts.json" / "keep").read_text() == "x"


def test_a_first_command_that_failed_leaves_a_first_run(
    tmp_path: Path, backend: MemoryKeyring
) -> None:
    vault = Vault(tmp_path, KeyringSecrets())

    def fail_before_saving() -> None:
        with vault.locked():
            raise ValueError("no server named 'nosuch'")

    with pytest.raises(ValueError, match="nosuch"):
        fail_before_saving()
    assert (tmp_path / "accounts.lock").exists()
    again = Vault(tmp_path, KeyringSecrets())
    assert again.notices == []
    assert not again.index.needs_reconcile
    assert backend.reads == 0


def test_an_index_from_a_newer_switcher_is_left_alone_with_a_clear_error(
    tmp_path: Path, backend: MemoryKeyring
) -> None:
    _with_account(Vault(tmp_path, KeyringSecrets()), "u1")
    newer = json.dumps({"version": INDEX_VERSION + 1, "servers": {}, "something": "new"}).encode()
    (tmp_path / "accounts.json").write_bytes(newer)
    for _ in range(2):
        with pytest.raises(VaultError, match="written by a newer switcher"):
            Vault(tmp_path, KeyringSecrets())
    assert (tmp_path / "accounts.json").read_bytes() == newer
    assert not list(tmp_path.glob("accounts.json.corrupt-*"))


def test_an_index_held_too_long_by_another_process_is_a_clear_error(
    tmp_path: Path, backend: MemoryKeyring, monkeypatch: pytest.MonkeyPatch
) -> None:
    import fcntl
    import time

    import switcher.vault

    _with_account(Vault(tmp_path, KeyringSecrets()), "u1")
    # flock belongs to an open file, not to a process: a second open of the
    # lock file here conflicts exactly as another switcher process's would.
    holder = (tmp_path / "accounts.lock").open("a")
    fcntl.flock(holder, fcntl.LOCK_EX)
    try:
        monkeypatch.setattr(switcher.vault, "LOCK_TIMEOUT", 0.5)
        vault = Vault(tmp_path, KeyringSecrets())  # reading needs no lock
        started = time.monotonic()
        with pytest.raises(VaultError, match="kept the account index busy"), vault.locked():
            pass
        assert time.monotonic() - started < 3
    finally:
        holder.close()
    with vault.locked() as index:  # free again
        assert [a.user_id for a in index.servers[LOCAL].accounts] == ["u1"]


def test_a_base_path_other_than_the_default_makes_the_index_one_older_switchers_leave_alone(
    tmp_path: Path, backend: MemoryKeyring
) -> None:
    vault = Vault(tmp_path, KeyringSecrets())
    with vault.locked() as index:
        index.servers["plain"] = Server("plain", "https://plain.example")
    assert json.loads((tmp_path / "accounts.json").read_text())["version"] == 1
    with vault.locked() as index:
        index.servers["mounted"] = Server("mounted", "https://m.example", base_path="/auth")
    saved = json.loads((tmp_path / "accounts.json").read_text())
    assert saved["version"] == 2  # a version-1 reader stops instead of dropping base_path
    assert saved["servers"]["mounted"]["base_path"] == "/auth"
    again = Vault(tmp_path, KeyringSecrets()).index.servers
    assert (again["mounted"].base_path, again["plain"].base_path) == ("/auth", "/api/auth")


def test_an_origin_of_its_own_makes_the_index_one_older_switchers_leave_alone(
    tmp_path: Path, backend: MemoryKeyring
) -> None:
    vault = Vault(tmp_path, KeyringSecrets())
    with vault.locked() as index:
        index.servers["mounted"] = Server("mounted", "https://m.example", base_path="/auth")
    assert json.loads((tmp_path / "accounts.json").read_text())["version"] == 2
    with vault.locked() as index:
        index.servers["proxied"] = Server(
            "proxied", "http://127.0.0.1:8080", origin="https://app.example"
        )
    saved = json.loads((tmp_path / "accounts.json").read_text())
    assert saved["version"] == 3  # a version-2 reader stops instead of dropping the origin
    again = Vault(tmp_path, KeyringSecrets()).index.servers
    assert (again["proxied"].origin, again["mounted"].origin) == ("https://app.example", None)
    with vault.locked() as index:
        del index.servers["proxied"]
    assert json.loads((tmp_path / "accounts.json").read_text())["version"] == 2


def test_a_sign_in_page_of_its_own_makes_the_index_one_older_switchers_leave_alone(
    tmp_path: Path, backend: MemoryKeyring
) -> None:
    vault = Vault(tmp_path, KeyringSecrets())
    with vault.locked() as index:
        index.servers["proxied"] = Server(
            "proxied", "https://p.example", origin="https://p.example"
        )
    assert json.loads((tmp_path / "accounts.json").read_text())["version"] == 3
    with vault.locked() as index:
        index.servers["sso"] = Server(
            "sso", "https://sso.example", sign_in_url="https://sso.example/login"
        )
    saved = json.loads((tmp_path / "accounts.json").read_text())
    assert saved["version"] == 4  # a version-3 reader stops instead of dropping the page
    again = Vault(tmp_path, KeyringSecrets()).index.servers
    assert (again["sso"].sign_in_url, again["proxied"].sign_in_url) == (
        "https://sso.example/login",
        None,
    )
    with vault.locked() as index:
        del index.servers["sso"]
    assert json.loads((tmp_path / "accounts.json").read_text())["version"] == 3
