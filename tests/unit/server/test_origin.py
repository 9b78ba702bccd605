"""Trusted-origin matching and the CSRF decision table, without a server."""

from __future__ import annotations

import pytest

from switcher.server.errors import APIError
from switcher.server.origin import TrustedOrigins, check_callbacks, check_request, origin_of

TRUSTED = TrustedOrigins("http://127.0.0.1:3000", ["https://app.example.com", "*.example.org"])


def _code(method: str, headers: dict[str, str], credential: bool = False) -> str | None:
    try:
        check_request(method, headers, TRUSTED, credential)
    except APIError as error:
        return error.code.name
    return None


def test_origins_match_exactly_or_by_wildcard() -> None:
    assert "http://127.0.0.1:3000" in TRUSTED
    assert "HTTPS://APP.EXAMPLE.COM" in TRUSTED
    assert "https://a.example.org" in TRUSTED
    assert "http://b.example.org" in TRUSTED
    assert "https://example.org.evil.com" not in TRUSTED
    assert "https://app.example.com:444" not in TRUSTED
    assert "http://127.0.0.1:3001" not in TRUSTED


def test_origin_of_rejects_what_is_not_an_absolute_url() -> None:
    assert origin_of("http://127.0.0.1:3000/x?y") == "http://127.0.0.1:3000"
    assert origin_of("/relative") is None
    assert origin_of("http://host:notaport/") is None


@pytest.mark.parametrize(
    ("method", "headers", "credential", "expected"),
    [
        ("GET", {"cookie": "a=b"}, False, None),
        ("POST", {}, False, None),
        ("POST", {"cookie": "a=b"}, False, "MISSING_OR_NULL_ORIGIN"),
        ("POST", {"cookie": "a=b", "origin": "null"}, False, "MISSING_OR_NULL_ORIGIN"),
        (
            "POST",
            {"cookie": "a=b", "origin": "null", "sec-fetch-site": "same-origin"},
            False,
            None,
        ),
        ("POST", {"cookie": "a=b", "origin": "http://evil.example"}, False, "INVALID_ORIGIN"),
        ("POST", {"cookie": "a=b", "referer": "http://127.0.0.1:3000/p"}, False, None),
        ("POST", {"cookie": "a=b", "referer": "not a url"}, False, "INVALID_ORIGIN"),
        ("POST", {}, True, None),
        ("POST", {"origin": "http://evil.example"}, True, "INVALID_ORIGIN"),
        (
            "POST",
            {"sec-fetch-site": "cross-site", "sec-fetch-mode": "navigate"},
            True,
            "CROSS_SITE_NAVIGATION_LOGIN_BLOCKED",
        ),
        ("POST", {"sec-fetch-site": "same-origin"}, True, "MISSING_OR_NULL_ORIGIN"),
        (
            "POST",
            {"sec-fetch-site": "same-origin", "origin": "http://127.0.0.1:3000"},
            True,
            None,
        ),
    ],
)
def test_csrf_decisions(
    method: str, headers: dict[str, str], credential: bool, expected: str | None
) -> None:
    assert _code(method, headers, credential) == expected


def test_callback_urls_must_stay_on_trusted_origins() -> None:
    check_callbacks({"callbackURL": "/dashboard"}, {}, TRUSTED)
    check_callbacks({"callbackURL": "https://app.example.com/x"}, {}, TRUSTED)
    for bad in ("//evil.example/x", "https://evil.example", "/\\evil.example"):
        with pytest.raises(APIError) as caught:
            check_callbacks({"callbackURL": bad}, {}, TRUSTED)
        assert caught.value.code.name == "INVALID_CALLBACK_URL"
    with pytest.raises(APIError) as query:
        check_callbacks({}, {"redirectTo": "https://evil.example"}, TRUSTED)
    assert query.value.code.name == "INVALID_REDIRECT_URL"
