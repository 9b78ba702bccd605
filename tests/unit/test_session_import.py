"""Which cookies are a site's sessions: the host rules, each session once, a pasted header."""

from __future__ import annotations

from switcher.protocol.cookie import Cookie
from switcher.session_import import parse_cookie_header, sessions_for

SITE = "https://app.example.com"
NOW = 1_800_000_000.0


def _cookie(name: str, value: str, domain: str = "app.example.com", **extra: object) -> Cookie:
    return Cookie(name, value, domain, **extra)  # type: ignore[arg-type]


def test_each_signed_session_counts_once_whichever_cookie_carries_it() -> None:
    cookies = [
        _cookie("better-auth.session_token", "tokA.sigA"),
        _cookie("better-auth.session_token_multi-toka", "tokA.sigA"),
        _cookie("better-auth.session_token_multi-tokb", "tokB.sigB"),
        _cookie("theme", "dark"),
        _cookie("better-auth.session_data", "cached.sig"),
    ]
    found = sessions_for(SITE, cookies, NOW)
    assert [(f.session_name, f.token) for f in found] == [
        ("better-auth.session_token", "tokA"),
        ("better-auth.session_token", "tokB"),
    ]
    device = found[1].as_device_cookie("app.example.com", https=True, expires=NOW + 60)
    assert device.name == "better-auth.session_token_multi-tokb"
    assert (device.value, device.secure, device.http_only) == ("tokB.sigB", True, True)


def test_only_cookies_the_site_would_be_sent_are_read() -> None:
    cookies = [
        _cookie("better-auth.session_token", "other.sig", domain="evil.example.com"),
        _cookie("better-auth.session_token", "sub.sig", domain="sub.app.example.com"),
        _cookie("better-auth.session_token", "parent.sig", domain="example.com", host_only=False),
        _cookie(
            "better-auth.session_token", "suffix.sig", domain="pp.example.com", host_only=False
        ),
        _cookie("better-auth.session_token", "old.sig", expires=NOW - 1),
        _cookie("better-auth.session_token", "unsigned"),
        _cookie("__Secure-better-auth.session_token", "mine.sig"),
    ]
    found = sessions_for(SITE, cookies, NOW)
    assert [f.token for f in found] == ["parent", "mine"]
    assert found[1].as_request_cookie("app.example.com").secure  # its prefix demands it


def test_a_pasted_header_with_or_without_its_name() -> None:
    for text in ("Cookie: a=1; b=x=y;  c=", "a=1;b=x=y; c=\n", "a=1; junk; b=x=y; c="):
        cookies = parse_cookie_header(text, "app.example.com")
        assert [(c.name, c.value, c.domain) for c in cookies] == [
            ("a", "1", "app.example.com"),
            ("b", "x=y", "app.example.com"),
            ("c", "", "app.example.com"),
        ]


def test_an_address_has_no_parent_domains() -> None:
    cookies = [
        _cookie("better-auth.session_token", "wide.sig", domain="0.0.1", host_only=False),
        _cookie("better-auth.session_token", "mine.sig", domain="127.0.0.1"),
    ]
    assert [f.token for f in sessions_for("http://127.0.0.1:3000", cookies, NOW)] == ["mine"]
