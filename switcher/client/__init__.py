"""A client for any better-auth server: requests, a browser-like cookie jar, typed errors."""

from __future__ import annotations

from switcher.client.client import AuthClient, DeviceSession, SignedIn
from switcher.client.errors import (
    AuthError,
    BadResponseError,
    ClientError,
    ServerTimeoutError,
    ServerUnreachableError,
)
from switcher.client.jar import Cookie, CookieJar

__all__ = [
    "AuthClient",
    "AuthError",
    "BadResponseError",
    "ClientError",
    "Cookie",
    "CookieJar",
    "DeviceSession",
    "ServerTimeoutError",
    "ServerUnreachableError",
    "SignedIn",
]
