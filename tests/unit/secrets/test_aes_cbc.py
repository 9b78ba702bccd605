"""AES-128-CBC through the libcrypto Python already loaded, checked against known answers."""

from __future__ import annotations

import os

import pytest
from hypothesis import given
from hypothesis import strategies as st

from switcher.secrets import aes_cbc

# NIST SP 800-38A, F.2.1 (CBC-AES128.Encrypt), first block.
KEY = bytes.fromhex("2b7e151628aed2a6abf7158809cf4f3c")
IV = bytes.fromhex("000102030405060708090a0b0c0d0e0f")
PLAIN = bytes.fromhex("6bc1bee22e409f96e93d7e117393172a")
CIPHER = bytes.fromhex("7649abac8119b246cee98e9b12e9197d")


def test_the_known_answer_with_its_padding_block() -> None:
    sealed = aes_cbc.encrypt(KEY, IV, PLAIN)
    # A whole block in gets a whole block of padding (PKCS#7): 32 bytes out.
    assert sealed[:16] == CIPHER and len(sealed) == 32
    assert aes_cbc.decrypt(KEY, IV, sealed) == PLAIN


def test_libcrypto_does_the_work_here() -> None:
    """Python here is built with OpenSSL: the cipher must not fall back to cryptography."""
    assert aes_cbc._libcrypto() is not None


@given(st.binary(max_size=600), st.binary(min_size=16, max_size=16))
def test_both_backends_agree_and_round_trip(plaintext: bytes, iv: bytes) -> None:
    key = os.urandom(16)
    sealed = aes_cbc.encrypt(key, iv, plaintext)
    assert sealed == aes_cbc._with_cryptography(True, key, iv, plaintext)
    assert aes_cbc.decrypt(key, iv, sealed) == plaintext
    assert aes_cbc._with_cryptography(False, key, iv, sealed) == plaintext


@pytest.mark.parametrize(
    ("key", "iv", "data"),
    [
        (KEY, IV, b""),  # nothing to decrypt
        (KEY, IV, CIPHER[:15]),  # not whole blocks
        (KEY[:8], IV, CIPHER),  # a short key
        (KEY, IV[:4], CIPHER),  # a short IV
    ],
)
def test_wrong_sizes_are_a_value_error(key: bytes, iv: bytes, data: bytes) -> None:
    with pytest.raises(ValueError, match=r"16-byte|length"):
        aes_cbc.decrypt(key, iv, data)


def test_a_secret_sealed_under_another_key_is_refused_not_garbled() -> None:
    # The last block garbled: its padding no longer checks out (fixed inputs: always so).
    sealed = aes_cbc.encrypt(KEY, IV, PLAIN)
    broken = sealed[:-1] + bytes([sealed[-1] ^ 0xFF])
    with pytest.raises(ValueError, match="not encrypted with this key"):
        aes_cbc.decrypt(KEY, IV, broken)
