"""The secret store: a round trip through the keyring or the Secret Service, and
``--insecure-storage``'s plain file. Nothing secret is read: the probe writes, reads
and deletes a random throwaway value under its own service name.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import sys
import time
from typing import Any

from switcher.doctor.report import Check
from switcher.paths import insecure_secrets_path

PROBE_SERVICE = "switcher doctor probe"
PROBE_USER = "probe"

INSECURE_HINT = (
    "or run switcher with --insecure-storage to keep session cookies in a plain 0600 file "
    "(not recommended)"
)


KEYRING_TIMEOUT_HINT = (
    "an unlock prompt may be waiting: look for a password dialog on your desktop, "
    "unlock the keyring and run switcher doctor again; if none shows, restart the "
    f"keyring (log out and in); {INSECURE_HINT}"
)
KEYRING_LOCKED_HINT = (
    "unlock it (log in to the desktop session, or unlock the default collection in "
    "Passwords and Keys or KeePassXC) and run switcher doctor again"
)
KEYRING_READBACK_HINT = f"the keyring is not working: restart it (log out and in); {INSECURE_HINT}"


def _backend_label(backend: object) -> str:
    kind = type(backend)
    return f"{kind.__module__}.{kind.__qualname__}"


def _secret_service_reason() -> str | None:
    """Why keyring's Secret Service backend is not usable, in its own words (Linux only)."""
    if sys.platform in ("darwin", "win32"):
        return None
    try:
        from keyring.backends import SecretService

        # ``priority`` is where keyring looks for the service and raises why it can't.
        SecretService.Keyring.priority  # noqa: B018
    except Exception as error:
        return f"{type(error).__name__}: {error}" if str(error) else type(error).__name__
    return None


def no_keyring_hint() -> str:
    if sys.platform == "darwin":
        store = "the login Keychain should be there: check Keychain Access"
    elif sys.platform == "win32":
        store = "Windows Credential Manager should be there: check that its service runs"
    elif not os.environ.get("DBUS_SESSION_BUS_ADDRESS"):
        store = (
            "there is no D-Bus session bus (DBUS_SESSION_BUS_ADDRESS is unset), which the "
            "Secret Service needs: run switcher in a desktop session, or under dbus-run-session "
            "with gnome-keyring-daemon --unlock started inside it"
        )
    else:
        store = (
            "install and start a Secret Service: GNOME Keyring (apt-get install gnome-keyring; "
            "it starts with the desktop session), or KeePassXC with Secret Service integration "
            "enabled (Settings, Secret Service Integration), or KWallet"
        )
    return f"{store}; {INSECURE_HINT}"


def check_keyring(timeout: float) -> Check:
    """A real set/get/delete round trip of a throwaway item, within ``timeout`` seconds.

    Through the store switcher itself uses: the Secret Service directly where
    it does (Linux, keyring not configured, a service on the bus), else keyring.
    """
    from switcher.secrets import speaks_secret_service

    if speaks_secret_service():
        direct = check_secret_service(timeout)
        if direct is not None:
            return direct
    try:
        import keyring
        import keyring.errors
    except ImportError as error:
        return Check(
            "keyring",
            "fail",
            f"the keyring package is missing ({error})",
            hint=f"pip install keyring (into switcher's environment); {INSECURE_HINT}",
        )
    from switcher.secrets import SecretStoreError, is_usable, with_timeout

    facts: dict[str, Any] = {
        "backend": None,
        "name": None,
        "priority": None,
        "round_trip_ms": None,
    }
    # Filled in by the worker thread as soon as it knows: a timeout can still name the backend.
    found: dict[str, object] = {}

    def probe() -> float:
        backend = keyring.get_keyring()
        found["backend"] = backend
        if not is_usable(backend):
            return -1.0
        value = secrets.token_urlsafe(24)
        started = time.monotonic()
        backend.set_password(PROBE_SERVICE, PROBE_USER, value)
        try:
            read = backend.get_password(PROBE_SERVICE, PROBE_USER)
        finally:
            with contextlib.suppress(keyring.errors.PasswordDeleteError):
                backend.delete_password(PROBE_SERVICE, PROBE_USER)
        if read != value:
            raise _ReadBackError
        return time.monotonic() - started

    def describe() -> str:
        backend = found.get("backend")
        if backend is None:
            return "the keyring"
        facts["backend"] = _backend_label(backend)
        facts["name"] = str(getattr(backend, "name", type(backend).__name__))
        priority = getattr(backend, "priority", None)
        facts["priority"] = priority if isinstance(priority, int | float) else None
        return f"{facts['name']} ({facts['backend']}, priority {_number(facts['priority'])})"

    forced = os.environ.get("PYTHON_KEYRING_BACKEND")
    chosen = (f"chosen by PYTHON_KEYRING_BACKEND={forced}",) if forced else ()
    try:
        elapsed = with_timeout(probe, timeout, "the doctor's probe")
    except SecretStoreError:
        return Check(
            "keyring",
            "fail",
            f"{describe()} did not answer within {timeout:.0f} s",
            hint=KEYRING_TIMEOUT_HINT,
            details=chosen,
            facts=facts,
        )
    except keyring.errors.KeyringLocked:
        return Check(
            "keyring",
            "fail",
            f"{describe()} is locked",
            hint=KEYRING_LOCKED_HINT,
            details=chosen,
            facts=facts,
        )
    except _ReadBackError:
        return Check(
            "keyring",
            "fail",
            f"{describe()} stored a test item but read back something else",
            hint=KEYRING_READBACK_HINT,
            details=chosen,
            facts=facts,
        )
    except Exception as error:
        # NoKeyringError, a refused write, or D-Bus errors (the bus or service went away).
        return Check(
            "keyring",
            "fail",
            f"{describe()} failed the test round trip ({type(error).__name__}: {error})",
            hint=no_keyring_hint(),
            details=chosen,
            facts=facts,
        )
    label = describe()
    if elapsed < 0:
        reason = _secret_service_reason()
        details = chosen + ((f"Secret Service: {reason}",) if reason else ())
        return Check(
            "keyring",
            "fail",
            f"no usable keyring backend ({facts['backend']}, "
            f"priority {_number(facts['priority'])})",
            hint=no_keyring_hint(),
            details=details,
            facts=facts,
        )
    return _answered(label, elapsed, facts, details=chosen)


def check_secret_service(timeout: float) -> Check | None:
    """The round trip through switcher's own Secret Service store; None when no service answers
    (then switcher falls back to keyring, and so does the check)."""
    from switcher.secrets import (
        KeyringLockedError,
        KeyringTimeoutError,
        SecretStoreError,
    )

    try:
        from switcher.secrets.secret_service import (
            SecretServiceSecrets,
            SecretServiceUnavailableError,
        )
    except ImportError:
        return None
    facts: dict[str, Any] = {
        "backend": f"{SecretServiceSecrets.__module__}.{SecretServiceSecrets.__qualname__}",
        "name": SecretServiceSecrets.name,
        "priority": None,
        "round_trip_ms": None,
    }
    label = f"{SecretServiceSecrets.name} ({facts['backend']})"
    store: SecretServiceSecrets | None = None
    try:
        store = SecretServiceSecrets(timeout)
        value = secrets.token_urlsafe(24)
        started = time.monotonic()
        store.set(PROBE_SERVICE, PROBE_USER, value)
        try:
            read = store.get(PROBE_SERVICE, PROBE_USER)
        finally:
            store.delete(PROBE_SERVICE, PROBE_USER)
        elapsed = time.monotonic() - started
    except SecretServiceUnavailableError:
        return None
    except KeyringTimeoutError:
        return Check(
            "keyring",
            "fail",
            f"{label} did not answer within {timeout:.0f} s",
            hint=KEYRING_TIMEOUT_HINT,
            facts=facts,
        )
    except KeyringLockedError:
        return Check(
            "keyring",
            "fail",
            f"{label} is locked",
            hint=KEYRING_LOCKED_HINT,
            facts=facts,
        )
    except SecretStoreError as error:
        return Check(
            "keyring",
            "fail",
            f"{label} failed the test round trip ({error})",
            hint=no_keyring_hint(),
            facts=facts,
        )
    finally:
        if store is not None:
            store.close()
    if read != value:
        return Check(
            "keyring",
            "fail",
            f"{label} stored a test item but read back something else",
            hint=KEYRING_READBACK_HINT,
            facts=facts,
        )
    return _answered(label, elapsed, facts)


def _answered(
    label: str, elapsed: float, facts: dict[str, Any], details: tuple[str, ...] = ()
) -> Check:
    """The keyring's round trip worked (through keyring, or the Secret Service directly)."""
    facts["round_trip_ms"] = round(elapsed * 1000)
    return Check(
        "keyring",
        "ok",
        f"{label} answers (set, get and delete of a test item in {elapsed * 1000:.0f} ms)",
        details=details,
        facts=facts,
    )


def _number(value: object) -> str:
    return f"{value:g}" if isinstance(value, int | float) else "unknown"


class _ReadBackError(Exception):
    """The keyring gave back a different value than the one just stored."""


def check_insecure_storage() -> Check:
    path = insecure_secrets_path()
    return Check(
        "storage",
        "warn",
        f"--insecure-storage: session cookies are kept in plain text in {path}",
        hint="drop --insecure-storage once the keyring check is ok; anyone who can read that "
        "file can use your accounts",
        facts={"path": str(path)},
    )
