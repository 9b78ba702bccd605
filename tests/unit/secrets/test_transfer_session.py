"""The Secret Service's transfer encryption: key agreement, HKDF and sealing."""

from __future__ import annotations

import pytest

from switcher.secrets.transfer_session import PRIME, TransferKeys, hkdf_sha256


@pytest.mark.parametrize(
    ("secret", "salt", "info", "length", "expected"),
    [
        # RFC 5869, A.1, A.3 (A.2's long inputs add nothing here).
        (
            "0b" * 22, "000102030405060708090a0b0c", "f0f1f2f3f4f5f6f7f8f9", 42,
            "3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865",
        ),
        (
            "0b" * 22, "", "", 42,
            "8da4e775a563c18f715f802a063c5a31b8a11f5c5ee1879ec3454e5f3c738d2d9d201395faa4b61a96c8",
        ),
    ],
)  # fmt: skip
def test_hkdf_gives_rfc_5869s_answers(
    secret: str, salt: str, info: str, length: int, expected: str
) -> None:
    derived = hkdf_sha256(bytes.fromhex(secret), length, bytes.fromhex(salt), bytes.fromhex(info))
    assert derived.hex() == expected


def test_the_group_is_rfc_2409s_second_oakley_group() -> None:
    assert PRIME.bit_length() == 1024
    assert PRIME >> 960 == 2**64 - 1 and PRIME & (2**64 - 1) == 2**64 - 1
    assert pow(2, PRIME - 1, PRIME) == 1  # a Fermat witness, as a prime passes


def test_two_sides_agree_on_one_key_and_read_each_others_secrets() -> None:
    client, daemon = TransferKeys(), TransferKeys()
    ours, theirs = client.agree(daemon.public), daemon.agree(client.public)
    iv, sealed = ours.seal("a session cookie: ü".encode())
    assert theirs.open(iv, sealed).decode() == "a session cookie: ü"
    assert ours.seal(b"x")[0] != ours.seal(b"x")[0]  # a fresh IV each time


def test_the_key_is_the_one_secretstorage_derives() -> None:
    """What keyring's own library does with the same exchange: one item, readable by both."""
    from secretstorage.dhcrypto import Session

    ours, theirs = TransferKeys(), Session()
    theirs.set_server_public_key(int.from_bytes(ours.public, "big"))
    cipher = ours.agree(theirs.my_public_key.to_bytes(128, "big"))
    assert cipher._key == theirs.aes_key


@pytest.mark.parametrize("public", [0, 1, PRIME - 1, PRIME, PRIME + 5])
def test_a_public_key_that_would_give_away_the_secret_is_refused(public: int) -> None:
    with pytest.raises(ValueError, match="unusable public key"):
        TransferKeys().agree(public.to_bytes(129, "big"))
