"""macOS Keychain and Windows DPAPI keys for Chromium-family export.

Neither OS runs here. The macOS side runs a stand-in ``security`` program on
PATH (a real process, answering as macOS's tool does); the Windows side
replaces only ``CryptUnprotectData`` with a reversible wrap. Everything after
the key -- AES-GCM, the host prefix, the rows, the read-back -- is the real code.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import sqlite3
import stat
from contextlib import closing
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from switcher.browsers import ExportError, chromium_keys
from switcher.browsers.chromium import export
from switcher.browsers.chromium_crypto import (
    V10_KEY,
    CookieCryptoError,
    decrypt_value,
    derive_key,
    encrypt_value,
)
from switcher.browsers.chromium_keys import dpapi_key, keychain_password, uses_app_bound_key
from switcher.protocol.cookie import Cookie

COOKIE = Cookie(
    name="better-auth.session_token", value="tok.sig%3D", domain="127.0.0.1", expires=None
)


GCM_KEY = bytes(range(32))


MAC_PASSWORD = b"mac-safe-storage-password"


def stored(db: Path) -> tuple[str, bytes]:
    with closing(sqlite3.connect(db)) as conn:
        ((value, encrypted),) = conn.execute(
            "SELECT value, encrypted_value FROM cookies"
        ).fetchall()
    return str(value), bytes(encrypted)


@pytest.fixture
def profile(chromium_profile: Path) -> Path:
    return chromium_profile


# -- AES-256-GCM (Windows) ---------------------------------------------------


def test_gcm_blob_layout_is_prefix_nonce_ciphertext_tag() -> None:
    blob = encrypt_value("value=1", ".example.test", meta_version=24, key=GCM_KEY)
    assert blob[:3] == b"v10"
    assert len(blob) == 3 + 12 + 32 + len(b"value=1") + 16
    # Decrypted independently of switcher's code: the plaintext carries SHA-256(host_key).
    plain = AESGCM(GCM_KEY).decrypt(blob[3:15], blob[15:], None)
    assert plain == hashlib.sha256(b".example.test").digest() + b"value=1"
    assert (
        decrypt_value(blob, ".example.test", meta_version=24, keys={b"v10": GCM_KEY}) == "value=1"
    )
    # A fresh nonce every time, as Chromium does.
    assert encrypt_value("value=1", ".example.test", meta_version=24, key=GCM_KEY) != blob


def test_gcm_refuses_a_wrong_key_a_changed_byte_and_a_short_blob() -> None:
    blob = encrypt_value("secret-value", "h", meta_version=24, key=GCM_KEY)
    with pytest.raises(CookieCryptoError, match="authentication") as info:
        decrypt_value(blob, "h", meta_version=24, keys={b"v10": bytes(32)})
    assert "secret-value" not in str(info.value)
    changed = blob[:-1] + bytes([blob[-1] ^ 1])
    with pytest.raises(CookieCryptoError, match="authentication"):
        decrypt_value(changed, "h", meta_version=24, keys={b"v10": GCM_KEY})
    with pytest.raises(CookieCryptoError, match="too short"):
        decrypt_value(blob[:20], "h", meta_version=24, keys={b"v10": GCM_KEY})
    with pytest.raises(ValueError, match=r"16 .* or 32"):
        encrypt_value("v", "h", meta_version=24, key=bytes(24))


# -- macOS Keychain ----------------------------------------------------------


def fake_security(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, *, code: int, output: bytes
) -> Path:
    """A ``security`` on PATH that logs its arguments and answers like macOS's."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir(exist_ok=True)
    log = tmp_path / "security.args"
    script = bin_dir / "security"
    script.write_text(
        "#!/bin/sh\n"
        f'printf "%s\\n" CALL "$@" >> "{log}"\n'
        f"printf '%s' '{output.decode()}'\n"
        f"exit {code}\n",
        encoding="utf-8",
    )
    script.chmod(script.stat().st_mode | stat.S_IXUSR)
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    return log


def calls(log: Path) -> list[list[str]]:
    """The argument lists of each run of the stand-in ``security``."""
    if not log.exists():
        return []
    runs = log.read_text().split("CALL\n")[1:]
    return [run.splitlines() for run in runs]


def test_keychain_password_asks_for_the_browsers_item(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    log = fake_security(tmp_path, monkeypatch, code=0, output=MAC_PASSWORD + b"\n")
    assert keychain_password("brave") == MAC_PASSWORD
    assert calls(log) == [
        ["find-generic-password", "-w", "-s", "Brave Safe Storage", "-a", "Brave"]
    ]


@pytest.mark.parametrize("code", [44, 51])  # item not found; the person said no
def test_keychain_refusal_is_none(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, code: int
) -> None:
    fake_security(tmp_path, monkeypatch, code=code, output=b"")
    assert keychain_password("chrome") is None


def test_macos_export_uses_the_keychain_key_with_1003_iterations(
    profile: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    log = fake_security(tmp_path, monkeypatch, code=0, output=MAC_PASSWORD)
    export(profile, [COOKIE], backup_dir=tmp_path / "b", browser="chrome", platform="darwin")
    # macOS asks the person once per read: one export, one read.
    assert len(calls(log)) == 1
    value, encrypted = stored(profile / "Cookies")
    assert value == ""
    mac_key = derive_key(MAC_PASSWORD, 1003)
    assert (
        decrypt_value(encrypted, "127.0.0.1", meta_version=24, keys={b"v10": mac_key})
        == COOKIE.value
    )
    for wrong in (V10_KEY, derive_key(MAC_PASSWORD)):  # Linux's key; one iteration
        with pytest.raises(CookieCryptoError):
            decrypt_value(encrypted, "127.0.0.1", meta_version=24, keys={b"v10": wrong})


def test_macos_denied_keychain(
    profile: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    log = fake_security(tmp_path, monkeypatch, code=51, output=b"")
    before = (profile / "Cookies").read_bytes()
    with pytest.raises(ExportError, match="Keychain"):
        export(
            profile, [COOKIE], backup_dir=tmp_path / "b", encryption="keychain", platform="darwin"
        )
    assert (profile / "Cookies").read_bytes() == before
    # "auto" falls back to the plaintext column, which every Chromium reads,
    # after asking once.
    log.unlink()
    export(profile, [COOKIE], backup_dir=tmp_path / "b", platform="darwin")
    assert stored(profile / "Cookies") == (COOKIE.value, b"")
    assert len(calls(log)) == 1


# -- Windows DPAPI -----------------------------------------------------------

PAD = bytes(range(100, 140))


def wrap(key: bytes) -> bytes:
    """Stands in for CryptProtectData: XOR with a pad, undone by ``unwrap``."""
    return bytes(a ^ b for a, b in zip(key, PAD, strict=False))


def unwrap(blob: bytes) -> bytes | None:
    return wrap(blob)


def local_state(user_data_dir: Path, os_crypt: dict[str, object]) -> None:
    (user_data_dir / "Local State").write_text(json.dumps({"os_crypt": os_crypt}), encoding="utf-8")


def dpapi_entry(key: bytes) -> str:
    return base64.b64encode(b"DPAPI" + wrap(key)).decode()


def test_dpapi_key_from_local_state(tmp_path: Path) -> None:
    local_state(tmp_path, {"encrypted_key": dpapi_entry(GCM_KEY)})
    assert dpapi_key(tmp_path, unwrap) == GCM_KEY
    assert not uses_app_bound_key(tmp_path)


@pytest.mark.parametrize(
    "os_crypt",
    [
        {},
        {"encrypted_key": 7},
        {"encrypted_key": "not base64!"},
        {"encrypted_key": base64.b64encode(b"XXXXX" + wrap(GCM_KEY)).decode()},  # no DPAPI marker
        {"encrypted_key": base64.b64encode(b"DPAPI" + wrap(GCM_KEY[:16])).decode()},  # short key
    ],
)
def test_unusable_dpapi_entries_are_none(tmp_path: Path, os_crypt: dict[str, object]) -> None:
    local_state(tmp_path, os_crypt)
    assert dpapi_key(tmp_path, unwrap) is None


def test_no_local_state_or_garbage_is_none(tmp_path: Path) -> None:
    assert dpapi_key(tmp_path, unwrap) is None
    (tmp_path / "Local State").write_text("{not json", encoding="utf-8")
    assert dpapi_key(tmp_path, unwrap) is None
    assert not uses_app_bound_key(tmp_path)


def test_off_windows_dpapi_unwraps_nothing(tmp_path: Path) -> None:
    local_state(tmp_path, {"encrypted_key": dpapi_entry(GCM_KEY)})
    assert dpapi_key(tmp_path) is None


def test_windows_export_writes_aes_gcm_with_the_dpapi_key(
    profile: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(chromium_keys, "crypt_unprotect_data", unwrap)
    local_state(profile.parent, {"encrypted_key": dpapi_entry(GCM_KEY)})
    export(profile, [COOKIE], backup_dir=tmp_path / "b", platform="win32")
    value, encrypted = stored(profile / "Cookies")
    assert value == ""
    plain = AESGCM(GCM_KEY).decrypt(encrypted[3:15], encrypted[15:], None)
    assert plain == hashlib.sha256(b"127.0.0.1").digest() + COOKIE.value.encode()


def test_windows_app_bound_browser_gets_the_plaintext_route(
    profile: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(chromium_keys, "crypt_unprotect_data", unwrap)
    local_state(
        profile.parent,
        {
            "encrypted_key": dpapi_entry(GCM_KEY),
            "app_bound_encrypted_key": base64.b64encode(b"APPB...").decode(),
        },
    )
    assert uses_app_bound_key(profile.parent)
    export(profile, [COOKIE], backup_dir=tmp_path / "b", platform="win32")
    assert stored(profile / "Cookies") == (COOKIE.value, b"")


def test_windows_without_a_key(profile: Path, tmp_path: Path) -> None:
    before = (profile / "Cookies").read_bytes()
    with pytest.raises(ExportError, match="DPAPI"):
        export(profile, [COOKIE], backup_dir=tmp_path / "b", encryption="dpapi", platform="win32")
    assert (profile / "Cookies").read_bytes() == before
    export(profile, [COOKIE], backup_dir=tmp_path / "b", platform="win32")
    assert stored(profile / "Cookies") == (COOKIE.value, b"")


def test_an_unknown_browser_never_borrows_another_browsers_key(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    log = fake_security(tmp_path, monkeypatch, code=0, output=MAC_PASSWORD)
    assert keychain_password("opera-gx") is None
    assert calls(log) == []  # not even asked
