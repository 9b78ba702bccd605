"""What can go wrong talking to a better-auth server, as exceptions a person can read."""

from __future__ import annotations


class ClientError(Exception):
    """Base class: ``str(error)`` is a one-line message fit for a person."""


class AuthError(ClientError):
    """The server answered with better-auth's ``{"message", "code"}`` error body."""

    def __init__(self, status: int, code: str | None, message: str) -> None:
        self.status = status
        self.code = code
        self.message = message
        super().__init__(message)


class ServerUnreachableError(ClientError):
    """No connection (refused, DNS, TLS)."""


class ServerTimeoutError(ClientError):
    """No whole answer within the request's deadline (connecting included)."""


class BadResponseError(ClientError):
    """An answer that is not what a better-auth server sends (HTML, 5xx, bad JSON)."""
