"""Signed cookie values exactly as better-call signs and verifies them.

value -> ``value + "." + base64(HMAC-SHA256(secret, value))``, then
``encodeURIComponent``. Verification mirrors better-call's ``getSignedCookie``:
a missing or malformed value is ``None`` and a well-formed value with a wrong
signature is ``False``, because better-auth distinguishes the two.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
from typing import Literal
from urllib.parse import quote

# encodeURIComponent leaves these unescaped besides ASCII letters and digits.
_URI_COMPONENT_SAFE = "-_.!~*'()"
_SIGNATURE_LENGTH = 44  # base64 of 32 bytes, with one "=" of padding


def encode_uri_component(text: str) -> str:
    return quote(text, safe=_URI_COMPONENT_SAFE)


class Signer:
    """Signs and verifies values with one secret (the key is prepared once)."""

    __slots__ = ("_mac",)

    def __init__(self, secret: str) -> None:
        self._mac = hmac.new(secret.encode(), digestmod=hashlib.sha256)

    def _digest(self, value: str) -> bytes:
        mac = self._mac.copy()
        mac.update(value.encode())
        return mac.digest()

    def signature(self, value: str) -> str:
        return base64.b64encode(self._digest(value)).decode("ascii")

    def sign(self, value: str) -> str:
        """The cookie value better-call would put on the wire for ``value``."""
        return encode_uri_component(f"{value}.{self.signature(value)}")

    def unsign(self, cookie_value: str | None) -> str | Literal[False] | None:
        """Verify a cookie value that was already URL-decoded by the parser."""
        if not cookie_value:
            return None
        dot = cookie_value.rfind(".")
        if dot < 1:
            return None
        value, signature = cookie_value[:dot], cookie_value[dot + 1 :]
        if len(signature) != _SIGNATURE_LENGTH or not signature.endswith("="):
            return None
        try:
            # Like atob(), this ignores non-zero trailing bits, so a signature
            # accepted by better-call is accepted here and vice versa.
            given = base64.b64decode(signature, validate=True)
        except (binascii.Error, ValueError):
            return False
        if hmac.compare_digest(given, self._digest(value)):
            return value
        return False

    def verified(self, cookie_value: str | None) -> str | None:
        """The signed value, or ``None`` for anything that does not verify."""
        result = self.unsign(cookie_value)
        return result if isinstance(result, str) else None
