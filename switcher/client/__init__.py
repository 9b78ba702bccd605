"""A client for any better-auth server: requests, a browser-like cookie jar, typed errors.

Exports resolve on first use, so code that needs only the jar (the account
index, a CLI listing) does not pay for importing httpx.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from switcher.client.client import AuthClient, DeviceSession, RejectedCookie, SignedIn
    from switcher.client.errors import (
        AuthError,
        BadResponseError,
        ClientError,
        NoSessionError,
        ResponseTooLargeError,
        ServerBusyError,
        ServerTimeoutError,
        ServerUnreachableError,
    )
    from switcher.client.jar import CookieJar

_WHERE = {
    "AuthClient": "client",
    "DeviceSession": "client",
    "SignedIn": "client",
    "RejectedCookie": "client",
    "AuthError": "errors",
    "BadResponseError": "errors",
    "ClientError": "errors",
    "NoSessionError": "errors",
    "ResponseTooLargeError": "errors",
    "ServerBusyError": "errors",
    "ServerTimeoutError": "errors",
    "ServerUnreachableError": "errors",
    "CookieJar": "jar",
}

__all__ = [
    "AuthClient",
    "AuthError",
    "BadResponseError",
    "ClientError",
    "CookieJar",
    "DeviceSession",
    "NoSessionError",
    "RejectedCookie",
    "ResponseTooLargeError",
    "ServerBusyError",
    "ServerTimeoutError",
    "ServerUnreachableError",
    "SignedIn",
]


def __getattr__(name: str) -> Any:
    if name not in _WHERE:
        raise AttributeError(name)
    return getattr(importlib.import_module(f"switcher.client.{_WHERE[name]}"), name)
