"""The DevTools protocol's cookies, as switcher's one cookie type."""

from __future__ import annotations

from switcher.browsers.chromium_window import _cookie
from switcher.protocol.cookie import Cookie


def test_a_host_cookie_with_an_expiry_keeps_every_attribute() -> None:
    entry = {
        "name": "better-auth.session_token",
        "value": "tok.sig",
        "domain": "127.0.0.1",
        "path": "/",
        "expires": 1893456000.5,
        "httpOnly": True,
        "secure": False,
        "session": False,
        "sameSite": "Lax",
    }
    assert _cookie(entry) == Cookie(
        "better-auth.session_token", "tok.sig", "127.0.0.1", expires=1893456000.5
    )


def test_a_domain_session_cookie_is_not_host_only_and_has_no_expiry() -> None:
    entry = {
        "name": "__Secure-x",
        "value": "v",
        "domain": ".example.com",
        "path": "/app",
        "expires": -1,
        "httpOnly": False,
        "secure": True,
        "session": True,
    }
    cookie = _cookie(entry)
    assert (cookie.domain, cookie.host_only, cookie.path) == ("example.com", False, "/app")
    assert (cookie.expires, cookie.secure, cookie.http_only, cookie.same_site) == (
        None,
        True,
        False,
        None,
    )
