"""An answer's body, read with a cap on its size, so a huge one never fills memory.

better-auth answers are small JSON. The largest is the device-session list:
up to 20 accounts (the bundled server's maximum), each with its user, whose
``image`` may be a data: URL holding the picture itself. Twenty avatars of
~250 KB as base64 come to about 5 MiB, so the cap is 8 MiB: room for that,
while the memory it can cost (the body, then its parsed JSON) stays a few tens
of MB at worst, and the overall deadline stops a slow line well before it
matters. A ``Content-Length`` over the cap is refused before the body is read;
otherwise bytes are counted as they arrive, on the wire and after decoding.

Compression is decoded here rather than by httpx, because httpx inflates each
read in one go: a 64 KiB read of a gzip bomb can become 64 MB before anything
can count it. Here inflation stops one byte past the room that is left. Only
the encodings we ask for (``ACCEPT_ENCODING``) are accepted.
"""

from __future__ import annotations

import zlib

from switcher.client.errors import BadResponseError, ResponseTooLargeError

MAX_ANSWER_BYTES = 8 * 1024 * 1024
ACCEPT_ENCODING = "gzip, deflate"


def declared_length(value: str | None) -> int | None:
    """A ``Content-Length`` header's value as a number (None when absent or not one)."""
    if value is None or not value.strip().isdigit():
        return None
    return int(value)


class CappedBody:
    """Collects an answer's body, decoded, refusing it once it passes ``limit`` bytes.

    ``limit`` applies to the bytes on the wire and to the bytes once decoded,
    so neither a long body nor a small one that inflates can pass it.
    """

    def __init__(self, origin: str, limit: int, content_encoding: str = "") -> None:
        self.origin = origin
        self.limit = limit
        codings = [c.strip().lower() for c in content_encoding.split(",")]
        codings = [c for c in codings if c and c != "identity"]
        if len(codings) > 1 or (codings and codings[0] not in ("gzip", "x-gzip", "deflate")):
            raise BadResponseError(
                f"{origin} sent an answer compressed as {content_encoding.strip()}, "
                "which switcher did not ask for"
            )
        self._coding = codings[0] if codings else None
        self._inflate: zlib._Decompress | None = None
        if self._coding in ("gzip", "x-gzip"):
            self._inflate = zlib.decompressobj(16 + zlib.MAX_WBITS)
        elif self._coding == "deflate":
            self._inflate = zlib.decompressobj()
        self._first = True
        self._received = 0
        self._body = bytearray()

    def check_declared(self, length: int | None) -> None:
        if length is not None and length > self.limit:
            raise ResponseTooLargeError(self.origin, self.limit)

    def feed(self, raw: bytes) -> None:
        self._received += len(raw)
        if self._received > self.limit:
            raise ResponseTooLargeError(self.origin, self.limit)
        self._add(self._decode(raw) if self._inflate is not None else raw)

    def finish(self) -> bytearray:
        if self._inflate is not None:
            self._add(self._inflate.flush())
        return self._body

    def _decode(self, raw: bytes) -> bytes:
        assert self._inflate is not None
        room = self.limit - len(self._body)
        try:
            # One byte past the room is enough to know the answer is too large.
            return self._inflate.decompress(raw, room + 1)
        except zlib.error:
            # "deflate" should be zlib-wrapped, but some servers send it raw (as
            # browsers and httpx accept): try that once, on the first bytes.
            if self._coding != "deflate" or not self._first:
                raise BadResponseError(
                    f"{self.origin} sent a body that does not decode as {self._coding}"
                ) from None
            self._inflate = zlib.decompressobj(-zlib.MAX_WBITS)
            self._first = False
            return self._decode(raw)
        finally:
            self._first = False

    def _add(self, data: bytes) -> None:
        if len(self._body) + len(data) > self.limit:
            raise ResponseTooLargeError(self.origin, self.limit)
        self._body += data
