"""Chromium's cookie value encryption on Linux (``v10`` and ``v11``).

Both formats are AES-128-CBC with a key from PBKDF2-HMAC-SHA1 (salt
``saltysalt``, one iteration), an IV of 16 spaces and PKCS#7 padding; the blob
is the three-byte prefix followed by the ciphertext. ``v10`` uses the fixed
password ``peanuts``; ``v11`` the secret Chromium keeps in the Secret Service.

From cookie DB meta version 24 on, the encrypted plaintext starts with the raw
SHA-256 digest of the row's ``host_key``. Chromium checks that prefix on load
and, if it is wrong, deletes every cookie of the site, which is why
``decrypt_value`` insists on it too: it is what export uses to verify its rows.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping

from cryptography.hazmat.primitives import padding
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

SALT = b"saltysalt"
IV = b" " * 16
V10 = b"v10"
V11 = b"v11"
V10_PASSWORD = b"peanuts"
# Meta version from which the plaintext carries SHA-256(host_key).
HASH_PREFIX_VERSION = 24
_DIGEST_SIZE = 32

# Secret Service lookups, most specific first. Chromium stores its password
# under ``application`` (with the libsecret schema below); Chrome, Brave,
# Vivaldi and Edge builds use their own application names or share Chrome's
# or Chromium's item, so the label is the fallback.
_LIBSECRET_SCHEMA = "chrome_libsecret_os_crypt_password_v2"
KEYRING_ITEMS: Mapping[str, tuple[tuple[str, str], ...]] = {
    "chromium": (("chromium", "Chromium Safe Storage"),),
    "chrome": (("chrome", "Chrome Safe Storage"),),
    "brave": (("brave", "Brave Safe Storage"), ("chrome", "Chrome Safe Storage")),
    "vivaldi": (("vivaldi", "Vivaldi Safe Storage"), ("chrome", "Chrome Safe Storage")),
    "edge": (
        ("microsoft-edge", "Microsoft Edge Safe Storage"),
        ("chromium", "Chromium Safe Storage"),
    ),
}


class CookieCryptoError(ValueError):
    """A value could not be decrypted or verified. Never carries the value."""


def derive_key(password: bytes, iterations: int = 1) -> bytes:
    """The AES-128 key Chromium derives from ``password`` (macOS uses 1003 iterations)."""
    return hashlib.pbkdf2_hmac("sha1", password, SALT, iterations, 16)


V10_KEY = derive_key(V10_PASSWORD)


def host_digest(host_key: str) -> bytes:
    """SHA-256 of ``host_key`` exactly as stored (a domain cookie's leading dot included)."""
    return hashlib.sha256(host_key.encode("utf-8")).digest()


def encrypt_value(
    value: str, host_key: str, *, meta_version: int, key: bytes = V10_KEY, prefix: bytes = V10
) -> bytes:
    """The ``encrypted_value`` blob Chromium would write for ``value``."""
    plaintext = value.encode("utf-8")
    if meta_version >= HASH_PREFIX_VERSION:
        plaintext = host_digest(host_key) + plaintext
    padder = padding.PKCS7(128).padder()
    padded = padder.update(plaintext) + padder.finalize()
    encryptor = Cipher(algorithms.AES(key), modes.CBC(IV)).encryptor()
    return prefix + encryptor.update(padded) + encryptor.finalize()


def decrypt_value(
    blob: bytes, host_key: str, *, meta_version: int, keys: Mapping[bytes, bytes] | None = None
) -> str:
    """The cookie value in ``blob``, checked the way Chromium checks it on load.

    ``keys`` maps a prefix (``b"v10"``, ``b"v11"``) to its key; ``v10`` is
    always known. Raises ``CookieCryptoError`` for an unknown prefix, a bad
    key or padding, or a missing or wrong SHA-256 prefix.
    """
    known = {V10: V10_KEY, **(keys or {})}
    prefix, ciphertext = bytes(blob[:3]), bytes(blob[3:])
    key = known.get(prefix)
    if key is None:
        raise CookieCryptoError("unknown or unsupported encryption prefix")
    if not ciphertext or len(ciphertext) % 16:
        raise CookieCryptoError("ciphertext length is not a whole number of blocks")
    decryptor = Cipher(algorithms.AES(key), modes.CBC(IV)).decryptor()
    padded = decryptor.update(ciphertext) + decryptor.finalize()
    unpadder = padding.PKCS7(128).unpadder()
    try:
        plaintext = unpadder.update(padded) + unpadder.finalize()
    except ValueError:
        # Bad padding almost always means the wrong key.
        raise CookieCryptoError("bad padding (wrong key?)") from None
    if meta_version >= HASH_PREFIX_VERSION:
        if plaintext[:_DIGEST_SIZE] != host_digest(host_key):
            raise CookieCryptoError("the SHA-256 host prefix is missing or wrong")
        plaintext = plaintext[_DIGEST_SIZE:]
    try:
        return plaintext.decode("utf-8")
    except UnicodeDecodeError:
        raise CookieCryptoError("the value is not UTF-8") from None


def keyring_password(browser: str = "chromium") -> bytes | None:
    """The ``v11`` password of ``browser`` from the Secret Service, or None.

    None when there is no Secret Service, it is locked, or it has no item for
    the browser (which then has never used the keyring). Needs ``secretstorage``
    (a dependency of ``keyring``); the secret is returned, never logged.
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
        for application, label in KEYRING_ITEMS.get(browser, KEYRING_ITEMS["chromium"]):
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
