"""AES-128-CBC with PKCS#7 padding, for the Secret Service's transfer encryption.

Done by the OpenSSL ``libcrypto`` that Python's own ``hashlib`` has already
loaded (so it costs no memory), called through ``ctypes``. The tray app used
to get AES from ``cryptography``, whose compiled part alone kept ~7 MiB
resident for the life of the app, for a few hundred bytes of cookies. Where
that libcrypto cannot be reached (a Python built without OpenSSL), the
``cryptography`` package, a dependency anyway, does the work.
"""

from __future__ import annotations

import ctypes
from collections.abc import Callable
from functools import cache

KEY_BYTES = 16
BLOCK_BYTES = 16
_NOT_THIS_KEY = "bad padding or length: the secret was not encrypted with this key"

# The sonames of the OpenSSL releases Python links against; a library already
# loaded under one of them is the one dlopen hands back.
_SONAMES = ("libcrypto.so.3", "libcrypto.so.1.1", "libcrypto.3.dylib", "libcrypto.1.1.dylib")


class _Libcrypto:
    """The handful of EVP calls CBC needs, with their C signatures."""

    def __init__(self, lib: ctypes.CDLL) -> None:
        pointer, integer = ctypes.c_void_p, ctypes.c_int
        self.new = lib.EVP_CIPHER_CTX_new
        self.new.restype, self.new.argtypes = pointer, []
        self.free = lib.EVP_CIPHER_CTX_free
        self.free.restype, self.free.argtypes = None, [pointer]
        self.cipher = lib.EVP_aes_128_cbc
        self.cipher.restype, self.cipher.argtypes = pointer, []
        self.init = lib.EVP_CipherInit_ex
        self.init.restype = integer
        self.init.argtypes = [pointer, pointer, pointer, ctypes.c_char_p, ctypes.c_char_p, integer]
        self.update = lib.EVP_CipherUpdate
        self.update.restype = integer
        out, size = ctypes.c_char_p, ctypes.POINTER(integer)
        self.update.argtypes = [pointer, out, size, ctypes.c_char_p, integer]
        self.final = lib.EVP_CipherFinal_ex
        self.final.restype = integer
        self.final.argtypes = [pointer, out, size]

    def run(self, encrypt: bool, key: bytes, iv: bytes, data: bytes) -> bytes:
        context = self.new()
        if not context:
            raise MemoryError("OpenSSL could not make a cipher context")
        try:
            out = ctypes.create_string_buffer(len(data) + BLOCK_BYTES)
            written, tail = ctypes.c_int(0), ctypes.c_int(0)
            ok = (
                self.init(context, self.cipher(), None, key, iv, int(encrypt))
                and self.update(context, out, ctypes.byref(written), data, len(data))
                # The padding block (or its check) lands right after what Update wrote.
                and self.final(
                    context,
                    ctypes.c_char_p(ctypes.addressof(out) + written.value),
                    ctypes.byref(tail),
                )
            )
            if not ok:
                raise ValueError(_NOT_THIS_KEY)
            return out.raw[: written.value + tail.value]
        finally:
            self.free(context)


@cache
def _libcrypto() -> _Libcrypto | None:
    # hashlib's OpenSSL-backed half is what maps libcrypto into this process.
    try:
        import _hashlib  # noqa: F401
    except ImportError:
        return None
    for soname in _SONAMES:
        try:
            return _Libcrypto(ctypes.CDLL(soname))
        except (OSError, AttributeError):
            continue
    return None


def _with_cryptography(encrypt: bool, key: bytes, iv: bytes, data: bytes) -> bytes:
    from cryptography.hazmat.primitives import padding
    from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

    cipher = Cipher(algorithms.AES(key), modes.CBC(iv))
    if encrypt:
        padder = padding.PKCS7(BLOCK_BYTES * 8).padder()
        padded = padder.update(data) + padder.finalize()
        encryptor = cipher.encryptor()
        return encryptor.update(padded) + encryptor.finalize()
    decryptor = cipher.decryptor()
    padded = decryptor.update(data) + decryptor.finalize()
    unpadder = padding.PKCS7(BLOCK_BYTES * 8).unpadder()
    try:
        return unpadder.update(padded) + unpadder.finalize()
    except ValueError:
        raise ValueError(_NOT_THIS_KEY) from None


def _checked(key: bytes, iv: bytes) -> None:
    if len(key) != KEY_BYTES or len(iv) != BLOCK_BYTES:
        raise ValueError("AES-128-CBC takes a 16-byte key and a 16-byte IV")


def _backend() -> Callable[[bool, bytes, bytes, bytes], bytes]:
    lib = _libcrypto()
    return lib.run if lib is not None else _with_cryptography


def encrypt(key: bytes, iv: bytes, plaintext: bytes) -> bytes:
    """``plaintext`` padded (PKCS#7) and encrypted."""
    _checked(key, iv)
    return _backend()(True, key, iv, plaintext)


def decrypt(key: bytes, iv: bytes, ciphertext: bytes) -> bytes:
    """The plaintext, unpadded; ``ValueError`` for a wrong key, length or padding."""
    _checked(key, iv)
    if not ciphertext or len(ciphertext) % BLOCK_BYTES:
        raise ValueError(_NOT_THIS_KEY)
    return _backend()(False, key, iv, ciphertext)
