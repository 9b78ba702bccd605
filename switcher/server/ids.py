"""Ids and session tokens as better-auth generates them."""

from __future__ import annotations

import secrets

_ALPHABET = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
# 62 * 4 = 248: bytes at or above it would bias the draw, so they are discarded.
_UNBIASED_LIMIT = 248


def generate_id(length: int = 32) -> str:
    """``length`` characters of [a-zA-Z0-9], unbiased (~5.95 bits each)."""
    out: list[str] = []
    while len(out) < length:
        for byte in secrets.token_bytes(length + 8):
            if byte < _UNBIASED_LIMIT:
                out.append(_ALPHABET[byte % 62])
                if len(out) == length:
                    break
    return "".join(out)
