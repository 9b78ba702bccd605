"""Self-test of ``tests/support/secret_service.py`` against a real gnome-keyring."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.support.repo import REPO
from tests.support.secret_service import (
    SecretService,
    new_keyring,
    running_secret_service,
    secret_service_keyring,
    tolerating_keyring_leaks,
)

keyring_errors = pytest.importorskip("keyring.errors")


# A locked collection fails in milliseconds; this bound only keeps a hang
# (an unlock prompt nobody answers) from stalling the suite.
LOCKED_CALL_BOUND = 10.0


@pytest.fixture
def unlocked(secret_service: SecretService) -> Iterator[SecretService]:
    """The module's service, unlocked before and after the test."""
    if secret_service.is_locked():
        secret_service.unlock()
    yield secret_service
    if secret_service.is_locked():
        secret_service.unlock()


def _raised_within(call: Callable[[], object], bound: float) -> tuple[type, str, float]:
    """Run ``call`` in a daemon thread; return the type and message of what it
    raised and how long it took.

    The exception itself is not kept: its traceback holds the D-Bus connection
    keyring leaks, which must be collected inside ``tolerating_keyring_leaks()``.
    """
    outcome: list[tuple[type, str] | None] = []

    def run() -> None:
        with tolerating_keyring_leaks():
            try:
                call()
            except BaseException as err:
                outcome.append((type(err), str(err)))
            else:
                outcome.append(None)

    started = time.monotonic()
    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(bound)
    elapsed = time.monotonic() - started
    assert not thread.is_alive(), f"keyring call still blocked after {bound}s"
    (raised,) = outcome
    assert raised is not None, "the call on a locked collection did not raise"
    return (*raised, elapsed)


def test_environment_is_private(secret_service: SecretService) -> None:
    service = secret_service
    assert service.bus_address.startswith(f"unix:path={service.base_dir}/")
    assert service.env["DBUS_SESSION_BUS_ADDRESS"] == service.bus_address
    assert service.env["HOME"] == str(service.home)
    for key in ("XDG_RUNTIME_DIR", "XDG_DATA_HOME", "XDG_CONFIG_HOME"):
        assert Path(service.env[key]).is_dir()
        assert Path(service.env[key]).is_relative_to(service.home)
    assert (service.home / "data" / "keyrings" / "login.keyring").is_file()


def test_set_get_delete(unlocked: SecretService) -> None:
    with secret_service_keyring(unlocked) as kr:
        assert kr.get_password("switcher-test", "alice") is None
        kr.set_password("switcher-test", "alice", "cookie=1; üñí")
        assert kr.get_password("switcher-test", "alice") == "cookie=1; üñí"
        kr.set_password("switcher-test", "alice", "cookie=2")
        assert kr.get_password("switcher-test", "alice") == "cookie=2"
        kr.delete_password("switcher-test", "alice")
        assert kr.get_password("switcher-test", "alice") is None
        with pytest.raises(keyring_errors.PasswordDeleteError):
            kr.delete_password("switcher-test", "alice")


def test_environment_is_restored(unlocked: SecretService) -> None:
    before = os.environ.get("DBUS_SESSION_BUS_ADDRESS")
    with secret_service_keyring(unlocked):
        assert os.environ["DBUS_SESSION_BUS_ADDRESS"] == unlocked.bus_address
    assert os.environ.get("DBUS_SESSION_BUS_ADDRESS") == before


def test_second_instance_and_subprocess_see_writes(unlocked: SecretService) -> None:
    with secret_service_keyring(unlocked) as first:
        first.set_password("switcher-test", "bob", "shared-secret")
        try:
            assert new_keyring().get_password("switcher-test", "bob") == "shared-secret"
            child = subprocess.run(
                [
                    sys.executable,
                    "-c",
                    "from keyring.backends.SecretService import Keyring\n"
                    "k = Keyring()\n"
                    "print(k.get_password('switcher-test', 'bob'))\n"
                    "k.set_password('switcher-test', 'carol', 'from-child')\n",
                ],
                env=unlocked.child_env(),
                cwd=REPO,
                capture_output=True,
                text=True,
                timeout=60,
                check=False,
            )
            assert child.returncode == 0, child.stderr
            assert child.stdout.strip() == "shared-secret"
            assert first.get_password("switcher-test", "carol") == "from-child"
        finally:
            first.delete_password("switcher-test", "bob")
            with pytest.raises(keyring_errors.PasswordDeleteError):
                first.delete_password("switcher-test", "nobody")


def test_locked_collection_raises_then_unlock_recovers(unlocked: SecretService) -> None:
    with secret_service_keyring(unlocked) as kr:
        kr.set_password("switcher-test", "dave", "before-lock")
        unlocked.lock()
        assert unlocked.is_locked()
        calls: dict[str, Callable[[], object]] = {
            "get": lambda: kr.get_password("switcher-test", "dave"),
            "set": lambda: kr.set_password("switcher-test", "dave", "while-locked"),
            "delete": lambda: kr.delete_password("switcher-test", "dave"),
        }
        for name, call in calls.items():
            kind, message, elapsed = _raised_within(call, LOCKED_CALL_BOUND)
            assert kind is keyring_errors.KeyringLocked, (name, kind, message)
            assert message == "Failed to unlock the collection!"
            assert elapsed < 5.0, (name, elapsed)
        unlocked.unlock()
        assert not unlocked.is_locked()
        assert kr.get_password("switcher-test", "dave") == "before-lock"
        kr.set_password("switcher-test", "dave", "after-unlock")
        assert kr.get_password("switcher-test", "dave") == "after-unlock"
        kr.delete_password("switcher-test", "dave")


def test_starts_locked() -> None:
    with running_secret_service(locked=True) as service:
        assert service.is_locked()
        with secret_service_keyring(service) as kr:  # round trip unlocks, then re-locks
            assert service.is_locked()
            kind, _, _ = _raised_within(
                lambda: kr.get_password("switcher-test", "erin"), LOCKED_CALL_BOUND
            )
            assert kind is keyring_errors.KeyringLocked
            service.unlock()
            assert kr.get_password("switcher-test", "erin") is None


def test_stop_kills_daemons_and_cleans_up() -> None:
    with running_secret_service() as service:
        processes = list(service._processes)
        assert len(processes) == 2
        assert all(proc.poll() is None for proc in processes)
        base = service.base_dir
    assert all(proc.returncode is not None for proc in processes)
    assert not base.exists()


def test_missing_binaries_skip_locally_and_fail_in_ci(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("tests.support.secret_service.shutil.which", lambda _name: None)
    monkeypatch.delenv("CI", raising=False)
    with pytest.raises(pytest.skip.Exception, match="gnome-keyring-daemon not found"):  # noqa: SIM117
        with running_secret_service():
            pass
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="CI=true"):  # noqa: SIM117
        with running_secret_service():
            pass
