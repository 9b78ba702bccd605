"""What can go wrong talking to a better-auth server, as exceptions a person can read."""

from __future__ import annotations

from switcher.display_text import server_text


class ClientError(Exception):
    """Base class: ``str(error)`` is a one-line message fit for a person."""


class AuthError(ClientError):
    """The server answered with better-auth's ``{"message", "code"}`` error body.

    ``retry_after``: the seconds a rate-limited server (429) asked to wait,
    from better-auth's ``X-Retry-After`` or the standard ``Retry-After``.
    """

    def __init__(
        self, status: int, code: str | None, message: str, retry_after: int | None = None
    ) -> None:
        # The server chose these: never an escape sequence on a terminal.
        message = server_text(message)
        self.status = status
        self.code = server_text(code, 80) if code is not None else None
        self.message = message
        self.retry_after = retry_after
        if retry_after is not None:
            # better-auth says "Too many requests. Please try again later."
            message = f"{message.rstrip('.')} (in {retry_after} s)"
        super().__init__(message)


class TwoFactorRequiredError(ClientError):
    """The password was right; the site wants a second factor before it starts a session.

    ``methods``: what the site offers (``totp``, ``otp``), as ``twoFactorMethods`` lists.
    """

    def __init__(self, methods: tuple[str, ...]) -> None:
        self.methods = methods
        super().__init__("the site asks for a two-factor code")


class NoSessionError(ClientError):
    """The server created the account but started no session (it wants the email verified)."""


class ServerUnreachableError(ClientError):
    """No connection, or it broke before an answer (the server counts as offline)."""


class ConnectionRefusedByServerError(ServerUnreachableError):
    """Nothing listens on the server's port (not started, or the wrong port)."""


class UnknownHostError(ServerUnreachableError):
    """The server's host name does not resolve."""


class UntrustedCertificateError(ServerUnreachableError):
    """TLS failed: the certificate is not trusted (a private CA needs its bundle) or invalid."""


class TlsHandshakeError(ServerUnreachableError):
    """TLS failed before any certificate was looked at (no TLS on that port, say)."""


class ServerDisconnectedError(ServerUnreachableError):
    """The server closed the connection without answering."""


class ServerTimeoutError(ClientError):
    """No whole answer within the request's deadline (connecting included)."""


class ServerBusyError(ClientError):
    """The server says it cannot answer now (503, e.g. its database is busy): try again soon."""


class BadResponseError(ClientError):
    """An answer that is not what a better-auth server sends (HTML, 5xx, bad JSON)."""


class ServerFailingError(BadResponseError):
    """The server answered with an internal error (HTTP 5xx other than 503)."""


class ResponseTooLargeError(BadResponseError):
    """An answer over the client's size cap, refused before it could fill memory."""

    def __init__(self, origin: str, limit: int) -> None:
        self.origin = origin
        self.limit = limit
        super().__init__(
            f"{origin} sent an answer larger than {_size(limit)}, far more than a "
            "better-auth server sends (is this the right URL?)"
        )


def _size(count: int) -> str:
    for unit, size in (("MiB", 1024 * 1024), ("KiB", 1024)):
        if count >= size and count % size == 0:
            return f"{count // size} {unit}"
    return f"{count} bytes"


class EndpointMissingError(BadResponseError):
    """An empty 404: the site has no such endpoint (its plugin is not enabled, or a wrong URL)."""
