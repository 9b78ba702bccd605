"""The tests' TOTP against RFC 6238's own test vectors (SHA-1, 8 digits)."""

from __future__ import annotations

import base64

import pytest

from tests.support.two_factor import totp

SECRET = base64.b32encode(b"12345678901234567890").decode()


@pytest.mark.parametrize(
    ("at", "code"),
    [
        (59, "94287082"),
        (1111111109, "07081804"),
        (1234567890, "89005924"),
        (2000000000, "69279037"),
    ],
)
def test_totp_matches_rfc_6238(at: int, code: str) -> None:
    assert totp(SECRET, at, digits=8) == code
