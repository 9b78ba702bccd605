"""better-auth's error codes and messages (``{"message", "code"}`` bodies)."""

from __future__ import annotations

from enum import Enum


class ErrorCode(Enum):
    """Each member's value is the (status, message) better-auth 1.7.25 answers with."""

    VALIDATION_ERROR = (400, "")  # message built from the failing fields
    BAD_REQUEST = (400, "Invalid JSON in request body")
    INVALID_EMAIL = (400, "Invalid email")
    PASSWORD_TOO_SHORT = (400, "Password too short")
    PASSWORD_TOO_LONG = (400, "Password too long")
    INVALID_EMAIL_OR_PASSWORD = (401, "Invalid email or password")
    INVALID_SESSION_TOKEN = (401, "Invalid session token")
    UNAUTHORIZED = (401, "Unauthorized")
    FAILED_TO_CREATE_SESSION = (401, "Failed to create session")
    MISSING_OR_NULL_ORIGIN = (403, "Missing or null Origin")
    INVALID_ORIGIN = (403, "Invalid origin")
    INVALID_CALLBACK_URL = (403, "Invalid callbackURL")
    INVALID_REDIRECT_URL = (403, "Invalid redirectURL")
    INVALID_ERROR_CALLBACK_URL = (403, "Invalid errorCallbackURL")
    INVALID_NEW_USER_CALLBACK_URL = (403, "Invalid newUserCallbackURL")
    CROSS_SITE_NAVIGATION_LOGIN_BLOCKED = (
        403,
        "Cross-site navigation login blocked. This request appears to be a CSRF attack.",
    )
    METHOD_NOT_ALLOWED_DEFER_SESSION_REQUIRED = (
        405,
        "POST method requires deferSessionRefresh to be enabled in session config",
    )
    # Our own: better-auth has no body limit of its own to mirror.
    PAYLOAD_TOO_LARGE = (413, "Request body is too large")
    UNSUPPORTED_MEDIA_TYPE = (415, "")  # message names the media type
    USER_ALREADY_EXISTS_USE_ANOTHER_EMAIL = (422, "User already exists. Use another email.")
    FAILED_TO_CREATE_USER = (422, "Failed to create user")
    # Our own: a Cookie header too large to be a browser's (Node answers 431 too).
    REQUEST_HEADER_FIELDS_TOO_LARGE = (431, "Request header fields are too large")
    FAILED_TO_GET_SESSION = (500, "Failed to get session")
    # Our own: the database cannot answer now. better-auth answers a SQLite
    # busy timeout with 500 and an empty body (sign-in) or 422 FAILED_TO_CREATE_USER.
    DATABASE_BUSY = (503, "The database is busy; try again in a moment")
    DATABASE_UNAVAILABLE = (503, "The database is unavailable; try again in a moment")
    DATABASE_READ_ONLY = (503, "The database is read-only")
    DATABASE_FULL = (503, "The database's disk is full")
    DATABASE_ERROR = (503, "The database could not be read or written")

    @property
    def status(self) -> int:
        return self.value[0]

    @property
    def message(self) -> str:
        return self.value[1]


RATE_LIMIT_MESSAGE = "Too many requests. Please try again later."
