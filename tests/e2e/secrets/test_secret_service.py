"""The Secret Service spoken directly, against a real gnome-keyring on a private D-Bus bus."""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from switcher.secrets import SecretStoreError
from switcher.secrets.secret_service import SecretServiceSecrets, SecretServiceUnavailableError
from tests.support.secret_service import (
    SecretService,
    bus_environment,
    bus_without_secret_service,
    hung_secret_service,
    running_secret_service,
    secret_service_keyring,
)

SERVICE = "switcher http://127.0.0.1:3000"


Stores = Callable[[float], SecretServiceSecrets]


@pytest.fixture
def on_bus(secret_service: SecretService) -> Iterator[SecretService]:
    with bus_environment(secret_service):
        yield secret_service


@pytest.fixture
def stores() -> Iterator[Callable[[float], SecretServiceSecrets]]:
    """``stores(timeout)``: a new store, its D-Bus connection closed after the test."""
    made: list[SecretServiceSecrets] = []

    def make(timeout: float) -> SecretServiceSecrets:
        made.append(SecretServiceSecrets(timeout=timeout))
        return made[-1]

    yield make
    for store in made:
        store.close()


def test_a_round_trip_uses_one_connection(on_bus: SecretService, stores: Stores) -> None:
    store = stores(10)
    store.set(SERVICE, "u1", "cookie-one")
    store.set(SERVICE, "u1", "cookie-two")  # replaces, never duplicates
    line = store._line
    assert store.get(SERVICE, "u1") == "cookie-two"
    assert store.get(SERVICE, "nobody") is None
    store.delete(SERVICE, "u1")
    store.delete(SERVICE, "u1")  # already gone is fine
    assert store.get(SERVICE, "u1") is None
    assert store._line is line  # one D-Bus connection for every call
    assert store.calls == 7
    assert [key for key in on_bus.entries() if key == (SERVICE, "u1")] == []


def _open_sessions() -> int:
    """How many Secret Service sessions the daemon holds, asked over a connection of our own."""
    from jeepney import DBusAddress, new_method_call
    from jeepney.io.blocking import open_dbus_connection

    address = DBusAddress(
        "/org/freedesktop/secrets/session",
        bus_name="org.freedesktop.secrets",
        interface="org.freedesktop.DBus.Introspectable",
    )
    with open_dbus_connection(bus="SESSION") as connection:
        (xml,) = connection.send_and_get_reply(new_method_call(address, "Introspect")).body
    return str(xml).count("<node name=")


def test_one_encrypted_session_serves_every_read_and_write(
    on_bus: SecretService, stores: Stores
) -> None:
    # Each session costs a Diffie-Hellman exchange (two pow() calls): a
    # process that reads ten accounts must not open ten.
    before = _open_sessions()
    store = stores(10)
    for key in ("u1", "u2", "u3"):
        store.set(SERVICE, key, f"cookie-{key}")
    assert [store.get(SERVICE, key) for key in ("u1", "u2", "u3")] == [
        "cookie-u1",
        "cookie-u2",
        "cookie-u3",
    ]
    store.warm()
    assert _open_sessions() - before == 1
    store.close()
    deadline = time.monotonic() + 5
    while _open_sessions() != before and time.monotonic() < deadline:
        time.sleep(0.05)  # the daemon drops a session when its connection goes
    assert _open_sessions() == before


def test_entries_are_the_ones_keyrings_own_backend_reads_and_writes(
    on_bus: SecretService, stores: Stores
) -> None:
    """Cookies stored by earlier switcher versions (through keyring) stay readable, and back."""
    with secret_service_keyring(on_bus) as backend:
        backend.set_password(SERVICE, "old", "written by keyring")
        store = stores(10)
        assert store.get(SERVICE, "old") == "written by keyring"
        store.set(SERVICE, "new", "written directly")
        assert backend.get_password(SERVICE, "new") == "written directly"
        store.set(SERVICE, "old", "replaced directly")
        assert backend.get_password(SERVICE, "old") == "replaced directly"
        assert list(on_bus.entries()).count((SERVICE, "old")) == 1
        backend.delete_password(SERVICE, "new")
        store.delete(SERVICE, "old")
    assert store.get(SERVICE, "new") is None


def test_a_locked_collection_is_a_clear_error_and_nothing_is_lost(
    on_bus: SecretService, stores: Stores
) -> None:
    store = stores(3)
    store.set(SERVICE, "kept", "value")
    on_bus.lock()
    try:
        started = time.monotonic()
        with pytest.raises(SecretStoreError, match="locked"):
            store.get(SERVICE, "kept")
        assert time.monotonic() - started < 5
    finally:
        on_bus.unlock()
    assert store.get(SERVICE, "kept") == "value"
    store.delete(SERVICE, "kept")


def test_a_daemon_that_went_away_is_a_clear_error(stores: Stores) -> None:
    with running_secret_service() as first, bus_environment(first):
        store = stores(5)
        store.set(SERVICE, "u1", "value")
        first.stop()
        with pytest.raises(SecretStoreError):
            store.get(SERVICE, "u1")
        assert store._line is None  # the broken connection was dropped


def _store_in_a_new_process(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """What ``open_keyring()`` picks in a fresh process (keyring caches its choice per process)."""
    code = (
        "from switcher.secrets import SecretStoreError, open_keyring\n"
        "try:\n    print(type(open_keyring(timeout=5)).__name__)\n"
        "except SecretStoreError as error:\n    print('error:', error)\n"
    )
    return subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=30
    )


def test_no_secret_service_on_the_bus_falls_back_to_keyring() -> None:
    with bus_without_secret_service() as bare, bus_environment(bare):
        with pytest.raises(SecretServiceUnavailableError):
            SecretServiceSecrets(timeout=5)
        # keyring may know another store; here it has none, and says what is missing.
        picked = _store_in_a_new_process(bare.child_env())
    assert picked.stdout.startswith("error: no usable OS keyring"), picked
    assert "Traceback" not in picked.stderr


def test_a_hung_secret_service_costs_its_timeout_not_a_hang(stores: Stores) -> None:
    with hung_secret_service() as hung, bus_environment(hung):
        started = time.monotonic()
        # The bus says the name has an owner: the store is made, then its calls wait.
        store = stores(2)
        with pytest.raises(SecretStoreError, match="did not answer within 2 s"):
            store.get(SERVICE, "u1")
        assert time.monotonic() - started < 4
        with pytest.raises(SecretStoreError, match="did not answer within 2 s"):
            store.get(SERVICE, "u1")  # a new connection, the same bounded wait


def test_a_keyring_the_person_configured_is_respected(secret_service: SecretService) -> None:
    env = secret_service.child_env()
    assert _store_in_a_new_process(env).stdout.strip() == "SecretServiceSecrets"
    env["PYTHON_KEYRING_BACKEND"] = "keyring.backends.SecretService.Keyring"
    assert _store_in_a_new_process(env).stdout.strip() == "KeyringSecrets"
    del env["PYTHON_KEYRING_BACKEND"]
    config = Path(env["XDG_CONFIG_HOME"]) / "python_keyring"
    config.mkdir(parents=True, exist_ok=True)
    (config / "keyringrc.cfg").write_text(
        "[backend]\ndefault-keyring=keyring.backends.SecretService.Keyring\n"
    )
    try:
        assert _store_in_a_new_process(env).stdout.strip() == "KeyringSecrets"
    finally:
        (config / "keyringrc.cfg").unlink()


def test_a_keyring_restarted_under_a_running_process_is_reached_again(stores: Stores) -> None:
    """The daemon restarted (a crash, ``--replace``): the process's encrypted session
    is gone with it. The next call opens a new one instead of failing once."""
    with running_secret_service() as service, bus_environment(service):
        store = stores(10)
        store.set(SERVICE, "u1", "cookie-one")
        service.restart_keyring()
        assert store.get(SERVICE, "u1") == "cookie-one"
        store.set(SERVICE, "u2", "cookie-two")
        service.restart_keyring()
        store.set(SERVICE, "u2", "cookie-three")
        store.delete(SERVICE, "u1")
        assert store.get(SERVICE, "u2") == "cookie-three"
        assert store.get(SERVICE, "u1") is None
