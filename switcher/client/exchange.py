"""How a request reaches a server and its whole answer comes back: the client's I/O seam.

``AuthClient`` speaks better-auth (cookies, Origin, error bodies); an
``Exchange`` moves the bytes. Over the network that is httpx
(``switcher.client.http``), with an overall deadline and a size cap; for the
bundled server in this process it is a direct call into its ASGI app
(``switcher.bundled_server``), which needs no HTTP library at all, so a command
that switches accounts on the bundled server never loads one.

An exchange raises the client's own errors (``ServerTimeoutError``,
``ServerUnreachableError``, ``BadResponseError`` ...), never its library's.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol, runtime_checkable


@dataclass(frozen=True, slots=True)
class Answer:
    """A whole answer: status, headers (names lower-cased, in order) and body."""

    status: int
    headers: tuple[tuple[str, str], ...]
    body: bytes

    def header(self, name: str) -> str | None:
        return next((value for key, value in self.headers if key == name), None)

    def header_list(self, name: str) -> list[str]:
        return [value for key, value in self.headers if key == name]


@runtime_checkable
class Exchange(Protocol):
    def exchange(
        self,
        method: str,
        url: str,
        headers: dict[str, str],
        body: bytes | None,
        timeout: float,
    ) -> Answer:
        """Send one request; its answer within ``timeout`` seconds, all of it."""

    def close(self) -> None:
        """Release what this exchange holds (connections); a shared one may ignore it."""
