"""The factors a site offers, and which pasted text is this site's magic link."""

from __future__ import annotations

import pytest

from switcher.sign_in_steps import Factor, NotALinkError, magic_link_token, offered_factors


@pytest.mark.parametrize(
    ("methods", "factors"),
    [
        (("totp", "otp"), (Factor.TOTP, Factor.EMAIL_CODE, Factor.BACKUP_CODE)),
        (("otp",), (Factor.EMAIL_CODE,)),  # no app: no backup codes either
        (("totp",), (Factor.TOTP, Factor.BACKUP_CODE)),
        ((), (Factor.TOTP, Factor.BACKUP_CODE)),  # nothing known: the plugin's default
        (("sms", "backup"), (Factor.TOTP, Factor.BACKUP_CODE)),
    ],
)
def test_the_factors_offered(methods: tuple[str, ...], factors: tuple[Factor, ...]) -> None:
    assert offered_factors(methods) == factors


@pytest.mark.parametrize(
    ("link", "site"),
    [
        (
            "https://app.example.com/api/auth/magic-link/verify?token=T&callbackURL=%2F",
            "https://app.example.com",
        ),
        ("<https://app.example.com:443/auth/magic-link/verify?token=T>", "https://app.example.com"),
        ("'http://localhost:3000/api/auth/magic-link/verify?token=T'", "http://127.0.0.1:3000"),
    ],
)
def test_this_sites_link_gives_its_token(link: str, site: str) -> None:
    assert magic_link_token(link, site) == "T"


@pytest.mark.parametrize(
    ("link", "says"),
    [
        (
            "https://app.example.com:8443/api/auth/magic-link/verify?token=T",
            "https://app.example.com:8443, not",
        ),
        (
            "http://app.example.com/api/auth/magic-link/verify?token=T",
            "http://app.example.com, not for https://app.example.com",
        ),
        ("https://app.example.com/api/auth/magic-link/verify", "has no token"),
        ("javascript:alert(1)", "not a link"),
    ],
)
def test_other_text_is_refused(link: str, says: str) -> None:
    with pytest.raises(NotALinkError, match=says):
        magic_link_token(link, "https://app.example.com")
