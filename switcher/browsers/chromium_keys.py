"""Where each OS keeps the key a Chromium-family browser encrypts cookies with.

Linux: a password in the Secret Service (``v11``; ``v10`` needs none).
macOS: the "Safe Storage" password in the login Keychain, read with
``security``, which makes macOS ask the person to allow it.
Windows: a 32-byte AES key in ``Local State`` (``os_crypt.encrypted_key``),
wrapped with DPAPI for the signed-in user. Chrome 127+ also has an
"app-bound" key (``app_bound_encrypted_key``, ``v20``) that only Chrome's own
elevation service can unwrap; switcher never tries to.

Every function returns None when the key is not to be had (no keyring,
access denied, no such item), so the caller can pick the plaintext route or
explain. Secrets are returned, never logged or put in messages.
"""

from __future__ import annotations

import base64
import binascii
import json
import os
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

from switcher.browsers.registry import spec

# -- Linux: the Secret Service ------------------------------------------------

# Lookups, most specific first. Chromium stores its password under
# ``application`` (with the libsecret schema below); Chrome, Brave, Vivaldi and
# Edge builds use their own application names or share Chrome's or Chromium's
# item, so the label is the fallback.
_LIBSECRET_SCHEMA = "chrome_libsecret_os_crypt_password_v2"


def keyring_password(browser: str = "chromium") -> bytes | None:
    """The ``v11`` password of ``browser`` from the Secret Service, or None.

    None when there is no Secret Service, it is locked, it has no item for
    the browser (which then has never used the keyring), or ``browser`` is not
    one switcher knows (guessing another browser's item would give a wrong
    key, and Chromium deletes a site's cookies on a wrong key). Needs ``secretstorage``
    (a dependency of ``keyring`` on Linux).
    """
    try:
        import secretstorage
    except ImportError:
        return None
    try:
        connection = secretstorage.dbus_init()
    except Exception:  # no session bus, or it refused us: treat as "no keyring"
        return None
    try:
        entry = spec(browser)
        for application, label in entry.keyring_items if entry is not None else ():
            for attributes in (
                {"application": application, "xdg:schema": _LIBSECRET_SCHEMA},
                {"application": application},
            ):
                for item in secretstorage.search_items(connection, attributes):
                    if not item.is_locked():
                        return bytes(item.get_secret())
            collection = secretstorage.get_default_collection(connection)
            if collection.is_locked():
                continue
            for item in collection.get_all_items():
                if item.get_label() == label:
                    return bytes(item.get_secret())
    except Exception:  # a D-Bus error mid-way: the caller reports "no keyring"
        return None
    finally:
        connection.close()
    return None


# -- macOS: the login Keychain ------------------------------------------------

# Long enough for a person to read and answer macOS's access prompt.
KEYCHAIN_TIMEOUT = 120.0


def keychain_password(browser: str = "chrome", timeout: float = KEYCHAIN_TIMEOUT) -> bytes | None:
    """The Safe Storage password of ``browser`` from the macOS Keychain, or None.

    None when ``security`` is missing, ``browser`` is not one switcher knows,
    the item does not exist (the browser never ran) or the person denied access.
    """
    tool = shutil.which("security")
    if tool is None:
        return None
    # Never another browser's item: a wrong key makes Chromium delete the site's cookies.
    entry = spec(browser)
    item = entry.keychain_item if entry is not None else None
    if item is None:
        return None
    service, account = item
    try:
        done = subprocess.run(  # noqa: S603 -- fixed tool and arguments
            [tool, "find-generic-password", "-w", "-s", service, "-a", account],
            capture_output=True,
            timeout=timeout,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    password = done.stdout.rstrip(b"\r\n")
    return password if done.returncode == 0 and password else None


# -- Windows: DPAPI ------------------------------------------------------------

_DPAPI_PREFIX = b"DPAPI"
_DPAPI_KEY_SIZE = 32
Unprotect = Callable[[bytes], "bytes | None"]


def local_state_section(user_data_dir: Path, name: str) -> dict[str, Any]:
    """One object of the browser's ``Local State`` JSON (``profile``, ``os_crypt``), or {}.

    A missing, unreadable or malformed file gives {}: the browser may never
    have run, and callers treat "nothing known" as such.
    """
    try:
        state = json.loads((user_data_dir / "Local State").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    section = state.get(name) if isinstance(state, dict) else None
    return section if isinstance(section, dict) else {}


def _os_crypt(user_data_dir: Path) -> dict[str, Any]:
    return local_state_section(user_data_dir, "os_crypt")


def uses_app_bound_key(user_data_dir: Path) -> bool:
    """Whether the browser has an app-bound (``v20``) key, which only it can unwrap."""
    return isinstance(_os_crypt(user_data_dir).get("app_bound_encrypted_key"), str)


def dpapi_key(user_data_dir: Path, unprotect: Unprotect | None = None) -> bytes | None:
    """The AES-256-GCM cookie key from ``Local State``, unwrapped with DPAPI, or None.

    ``unprotect`` unwraps a DPAPI blob (default: ``CryptUnprotectData``, only
    on Windows); it gets the blob without the ``DPAPI`` marker.
    """
    wrapped = _os_crypt(user_data_dir).get("encrypted_key")
    if not isinstance(wrapped, str):
        return None
    try:
        blob = base64.b64decode(wrapped, validate=True)
    except (binascii.Error, ValueError):
        return None
    if not blob.startswith(_DPAPI_PREFIX):
        return None
    unwrap = unprotect or crypt_unprotect_data
    key = unwrap(blob[len(_DPAPI_PREFIX) :])
    return key if key is not None and len(key) == _DPAPI_KEY_SIZE else None


def crypt_unprotect_data(blob: bytes) -> bytes | None:
    """DPAPI's ``CryptUnprotectData`` for the current user; None off Windows or on failure."""
    # os.name, not sys.platform: mypy would judge the rest unreachable off Windows.
    if os.name != "nt":
        return None
    import ctypes
    from ctypes import wintypes

    class _Blob(ctypes.Structure):
        _fields_ = (("cbData", wintypes.DWORD), ("pbData", ctypes.POINTER(ctypes.c_char)))

    buffer = ctypes.create_string_buffer(blob, len(blob))
    source = _Blob(len(blob), ctypes.cast(buffer, ctypes.POINTER(ctypes.c_char)))
    result = _Blob()
    windll = ctypes.windll  # type: ignore[attr-defined,unused-ignore]
    if not windll.crypt32.CryptUnprotectData(
        ctypes.byref(source), None, None, None, None, 0, ctypes.byref(result)
    ):
        return None
    try:
        return ctypes.string_at(result.pbData, result.cbData)
    finally:
        windll.kernel32.LocalFree(result.pbData)
