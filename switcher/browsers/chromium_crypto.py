"""Chromium's cookie value encryption, as each OS does it.

Linux and macOS: AES-128-CBC with a key from PBKDF2-HMAC-SHA1 (salt
``saltysalt``), an IV of 16 spaces and PKCS#7 padding; the blob is the
three-byte prefix followed by the ciphertext. On Linux ``v10`` uses the fixed
password ``peanuts`` and ``v11`` the secret Chromium keeps in the Secret
Service (one PBKDF2 iteration); macOS uses ``v10`` with the Keychain's "Safe
Storage" password and 1003 iterations.

Windows: AES-256-GCM with the 32-byte key Chromium keeps DPAPI-wrapped in
``Local State``; the blob is ``v10``, a 12-byte nonce, the ciphertext and the
16-byte tag. The key length tells the two apart: 16 bytes is CBC, 32 is GCM.

From cookie DB meta version 24 on, the encrypted plaintext starts with the raw
SHA-256 digest of the row's ``host_key``. Chromium checks that prefix on load
and, if it is wrong, deletes every cookie of the site, which is why
``decrypt_value`` insists on it too: it is what export uses to verify its rows.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Mapping

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import padding
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

SALT = b"saltysalt"
IV = b" " * 16
V10 = b"v10"
V11 = b"v11"
V10_PASSWORD = b"peanuts"
MAC_ITERATIONS = 1003
# Meta version from which the plaintext carries SHA-256(host_key).
HASH_PREFIX_VERSION = 24
_DIGEST_SIZE = 32
_CBC_KEY_SIZE, _GCM_KEY_SIZE = 16, 32
_GCM_NONCE_SIZE, _GCM_TAG_SIZE = 12, 16


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
    """The ``encrypted_value`` blob Chromium would write for ``value`` with ``key``."""
    plaintext = value.encode("utf-8")
    if meta_version >= HASH_PREFIX_VERSION:
        plaintext = host_digest(host_key) + plaintext
    if len(key) == _GCM_KEY_SIZE:
        nonce = os.urandom(_GCM_NONCE_SIZE)
        return prefix + nonce + AESGCM(key).encrypt(nonce, plaintext, None)
    if len(key) != _CBC_KEY_SIZE:
        raise ValueError("a Chromium cookie key is 16 (CBC) or 32 (GCM) bytes")
    padder = padding.PKCS7(128).padder()
    padded = padder.update(plaintext) + padder.finalize()
    encryptor = Cipher(algorithms.AES(key), modes.CBC(IV)).encryptor()
    return prefix + encryptor.update(padded) + encryptor.finalize()


def _decrypt_cbc(key: bytes, ciphertext: bytes) -> bytes:
    if not ciphertext or len(ciphertext) % 16:
        raise CookieCryptoError("ciphertext length is not a whole number of blocks")
    decryptor = Cipher(algorithms.AES(key), modes.CBC(IV)).decryptor()
    padded = decryptor.update(ciphertext) + decryptor.finalize()
    unpadder = padding.PKCS7(128).unpadder()
    try:
        return unpadder.update(padded) + unpadder.finalize()
    except ValueError:
        # Bad padding almost always means the wrong key.
        raise CookieCryptoError("bad padding (wrong key?)") from None


def _decrypt_gcm(key: bytes, blob: bytes) -> bytes:
    if len(blob) < _GCM_NONCE_SIZE + _GCM_TAG_SIZE:
        raise CookieCryptoError("the AES-GCM value is too short")
    nonce, sealed = blob[:_GCM_NONCE_SIZE], blob[_GCM_NONCE_SIZE:]
    try:
        return AESGCM(key).decrypt(nonce, sealed, None)
    except InvalidTag:
        raise CookieCryptoError("authentication failed (wrong key?)") from None


def decrypt_value(
    blob: bytes, host_key: str, *, meta_version: int, keys: Mapping[bytes, bytes] | None = None
) -> str:
    """The cookie value in ``blob``, checked the way Chromium checks it on load.

    ``keys`` maps a prefix (``b"v10"``, ``b"v11"``) to its key; without one,
    ``v10`` means Linux's fixed key. Raises ``CookieCryptoError`` for an
    unknown prefix, a wrong key, bad padding or a failed GCM tag, or a missing
    or wrong SHA-256 prefix.
    """
    known = {V10: V10_KEY, **(keys or {})}
    prefix, ciphertext = bytes(blob[:3]), bytes(blob[3:])
    key = known.get(prefix)
    if key is None:
        raise CookieCryptoError("unknown or unsupported encryption prefix")
    plaintext = (
        _decrypt_gcm(key, ciphertext)
        if len(key) == _GCM_KEY_SIZE
        else _decrypt_cbc(key, ciphertext)
    )
    if meta_version >= HASH_PREFIX_VERSION:
        if plaintext[:_DIGEST_SIZE] != host_digest(host_key):
            raise CookieCryptoError("the SHA-256 host prefix is missing or wrong")
        plaintext = plaintext[_DIGEST_SIZE:]
    try:
        return plaintext.decode("utf-8")
    except UnicodeDecodeError:
        raise CookieCryptoError("the value is not UTF-8") from None
