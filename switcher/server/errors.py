"""Errors an endpoint raises; the app turns each into better-auth's JSON body."""

from __future__ import annotations

from switcher.protocol.errors import ErrorCode


class APIError(Exception):
    def __init__(self, code: ErrorCode, message: str | None = None) -> None:
        self.code = code
        self.message = message if message is not None else code.message
        super().__init__(self.message)

    @property
    def status(self) -> int:
        return self.code.status

    def body(self) -> dict[str, str]:
        return {"message": self.message, "code": self.code.name}


class RateLimitedError(Exception):
    """429 without a code, as better-auth answers it."""

    def __init__(self, retry_after: int) -> None:
        self.retry_after = retry_after
        super().__init__(retry_after)
