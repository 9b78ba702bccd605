"""The Secret Service's encrypted transfer: ``dh-ietf1024-sha256-aes128-cbc-pkcs7``.

Secrets cross the session bus encrypted, so that another program listening on
the bus (a monitor, a debugger) does not read cookies in passing. The client
and the daemon agree on a key by Diffie-Hellman in the 1024-bit MODP group of
RFC 2409 (the Second Oakley Group, generator 2), derive 16 bytes from it with
HKDF-SHA256 (no salt, no info), and each secret travels as AES-128-CBC with a
fresh IV and PKCS#7 padding. The ``plain`` algorithm is never offered.

Everything here is the standard library's except the cipher (``aes_cbc``).
"""

from __future__ import annotations

import hashlib
import hmac
import os

from switcher.secrets import aes_cbc

ALGORITHM = "dh-ietf1024-sha256-aes128-cbc-pkcs7"

# RFC 2409, section 6.2: 2^1024 - 2^960 - 1 + 2^64 * (floor(2^894 pi) + 129093).
PRIME = int(
    "FFFFFFFFFFFFFFFFC90FDAA22168C234C4C6628B80DC1CD129024E088A67CC74"
    "020BBEA63B139B22514A08798E3404DDEF9519B3CD3A431B302B0A6DF25F1437"
    "4FE1356D6D51C245E485B576625E7EC6F44C42E9A637ED6B0BFF5CB6F406B7ED"
    "EE386BFB5A899FA5AE9F24117C4B1FE649286651ECE65381FFFFFFFFFFFFFFFF",
    16,
)
GENERATOR = 2
_KEY_BYTES = 128  # the group's size: public values and the shared secret, big-endian
_PRIVATE_BYTES = 32


def hkdf_sha256(secret: bytes, length: int, salt: bytes = b"", info: bytes = b"") -> bytes:
    """RFC 5869's HKDF with SHA-256 (an empty salt is 32 zero bytes, as the RFC says)."""
    size = hashlib.sha256().digest_size
    if length > 255 * size:
        raise ValueError("HKDF-SHA256 gives at most 8160 bytes")
    pseudo_random_key = hmac.new(salt or bytes(size), secret, hashlib.sha256).digest()
    output, block, counter = b"", b"", 1
    while len(output) < length:
        block = hmac.new(
            pseudo_random_key, block + info + bytes([counter]), hashlib.sha256
        ).digest()
        output += block
        counter += 1
    return output[:length]


class TransferKeys:
    """One side of the exchange: a private value, and the public one to send."""

    def __init__(self) -> None:
        # 256 random bits, not 1024: the group's own strength is ~80 bits, and
        # an exponent of twice that is all it can use (RFC 7919, section 5.2,
        # on short exponents in safe-prime groups). Each pow() then takes ~3 ms
        # instead of ~11: every command that reads the keyring does two.
        self._private = int.from_bytes(os.urandom(_PRIVATE_BYTES), "big") | 1 << 255
        self.public = pow(GENERATOR, self._private, PRIME).to_bytes(_KEY_BYTES, "big")

    def agree(self, peer_public: bytes) -> TransferCipher:
        """The cipher both sides now share, from the daemon's public value."""
        peer = int.from_bytes(peer_public, "big")
        # 1 and p-1 (and anything outside the group) would make the shared
        # secret guessable by whoever chose them.
        if not 1 < peer < PRIME - 1:
            raise ValueError("the Secret Service sent an unusable public key")
        shared = pow(peer, self._private, PRIME).to_bytes(_KEY_BYTES, "big")
        return TransferCipher(hkdf_sha256(shared, aes_cbc.KEY_BYTES))


class TransferCipher:
    """Secrets to and from the daemon, under the agreed key."""

    def __init__(self, key: bytes) -> None:
        self._key = key

    def seal(self, plaintext: bytes) -> tuple[bytes, bytes]:
        """(IV, ciphertext) with a fresh IV."""
        iv = os.urandom(aes_cbc.BLOCK_BYTES)
        return iv, aes_cbc.encrypt(self._key, iv, plaintext)

    def open(self, iv: bytes, ciphertext: bytes) -> bytes:
        return aes_cbc.decrypt(self._key, iv, ciphertext)
