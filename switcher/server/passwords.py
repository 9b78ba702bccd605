"""Password hashing compatible with better-auth (scrypt via @better-auth/utils)."""

from __future__ import annotations

import hashlib
import hmac
import secrets
import unicodedata

_N, _R, _P, _DKLEN = 16384, 16, 1, 64
# 128 * N * r * 2 bytes, as better-auth allows; OpenSSL's default 32 MiB is too small.
_MAXMEM = 128 * _N * _R * 2


def well_formed(text: str) -> str:
    """Lone surrogates replaced by U+FFFD, as JavaScript's TextEncoder does."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return "".join("\ufffd" if 0xD800 <= ord(ch) <= 0xDFFF else ch for ch in text)
    return text


def _derive(password: str, salt_hex: str) -> bytes:
    data = unicodedata.normalize("NFKC", well_formed(password)).encode("utf-8")
    return hashlib.scrypt(
        data, salt=salt_hex.encode("utf-8"), n=_N, r=_R, p=_P, dklen=_DKLEN, maxmem=_MAXMEM
    )


def hash_password(password: str, salt_hex: str | None = None) -> str:
    """``"<32 hex salt>:<128 hex key>"``; the salt's hex *text* is the scrypt salt."""
    salt = salt_hex if salt_hex is not None else secrets.token_hex(16)
    return f"{salt}:{_derive(password, salt).hex()}"


def verify_password(stored: str, password: str) -> bool:
    salt, sep, key = stored.partition(":")
    if not sep or not salt or not key:
        return False
    return hmac.compare_digest(_derive(password, well_formed(salt)).hex(), key)


def js_length(text: str) -> int:
    """``String.prototype.length``: UTF-16 code units, so astral characters count twice."""
    return len(text) + sum(1 for ch in text if ord(ch) > 0xFFFF)
