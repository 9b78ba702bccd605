"""Sign-ins in more than one step: a second factor, a magic link, a code by email.

What is kept between the steps (``TwoFactorChallenge``), the link a person
pastes, and what each of the plugins' refusals means to that person. The
requests themselves are ``AuthClient``'s; ``Accounts`` drives the steps.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from enum import Enum
from urllib.parse import SplitResult, parse_qs, urlsplit

from switcher.client.jar import CookieJar
from switcher.protocol.cookie import Cookie
from switcher.protocol.hosts import is_loopback

# better-auth's twoFactor plugin keeps a sign-in's challenge this long by
# default (its twoFactorCookieMaxAge); a site may choose another.
CHALLENGE_SECONDS = 600
TRUST_DEVICE_SUFFIX = ".trust_device"
MAGIC_LINK_PATH = "/magic-link/verify"


class Factor(Enum):
    """A second factor, as the site names it in ``twoFactorMethods`` (backup: our name)."""

    TOTP = "totp"  # a code from an authenticator app
    EMAIL_CODE = "otp"  # a code the site sends by email (or text message)
    BACKUP_CODE = "backup"  # one of the codes given when two-factor was turned on

    @property
    def label(self) -> str:
        return _LABELS[self]


_LABELS = {
    Factor.TOTP: "a code from your authenticator app",
    Factor.EMAIL_CODE: "a code sent to you by the site",
    Factor.BACKUP_CODE: "one of your backup codes",
}


class SignInMethod(Enum):
    """A way to sign in without a password that a site may offer (a plugin of better-auth)."""

    USERNAME = "username"
    MAGIC_LINK = "magic-link"
    EMAIL_CODE = "email-otp"

    @property
    def probe_path(self) -> str:
        """The plugin's first endpoint, asked with an empty body to see if it is there."""
        return _PROBES[self]


_PROBES = {
    SignInMethod.USERNAME: "/sign-in/username",
    SignInMethod.MAGIC_LINK: "/sign-in/magic-link",
    SignInMethod.EMAIL_CODE: "/email-otp/send-verification-otp",
}


def offered_factors(methods: tuple[str, ...]) -> tuple[Factor, ...]:
    """The factors a person can use, from the site's ``twoFactorMethods``.

    Backup codes come with an authenticator app (better-auth makes them when
    TOTP is turned on); a site that lists nothing known still gets asked for
    an app's code, the plugin's default.
    """
    known = {f.value: f for f in Factor}
    factors = [known[m] for m in methods if m in known and m != Factor.BACKUP_CODE.value]
    if not factors:
        factors = [Factor.TOTP]
    if Factor.TOTP in factors:
        factors.append(Factor.BACKUP_CODE)
    return tuple(factors)


@dataclass
class TwoFactorChallenge:
    """A sign-in waiting for its second factor.

    ``jar`` is the device as the site left it after the password step: it
    holds the signed ``two_factor`` cookie and no session cookie (the site
    deleted the session it had started), so the code's answer is about this
    sign-in and no other account's session. ``asked``: which stored sessions
    the jar carries (see ``Accounts._jar``).
    """

    server: str
    email: str
    remember: bool
    factors: tuple[Factor, ...]
    jar: CookieJar = field(repr=False)  # holds the signed two_factor cookie
    asked: dict[str, str | None] = field(repr=False)
    started: float = field(default_factory=time.monotonic)
    code_sent: bool = False

    def minutes_left(self) -> int:
        left = CHALLENGE_SECONDS - (time.monotonic() - self.started)
        return max(0, int(left // 60))


def is_trust_cookie(cookie: Cookie) -> bool:
    """The twoFactor plugin's ``trust_device`` cookie (its prefix as the site chose)."""
    return cookie.name.endswith(TRUST_DEVICE_SUFFIX)


class NotALinkError(ValueError):
    """Text that is not a site's sign-in link; ``str()`` says what was expected."""


def magic_link_token(text: str, server_url: str) -> str:
    """The token in a pasted magic link, checked to be this site's link.

    Accepts the link as emailed (``…/magic-link/verify?token=…&callbackURL=…``),
    with or without angle brackets or quotes around it.
    """
    link = text.strip().strip("<>\"'")
    parts = urlsplit(link)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise NotALinkError(
            "that is not a link: paste the whole sign-in link from the email (it starts with http)"
        )
    if not parts.path.rstrip("/").endswith(MAGIC_LINK_PATH):
        raise NotALinkError(
            f"that link is not a sign-in link (its path does not end in {MAGIC_LINK_PATH})"
        )
    site = urlsplit(server_url)
    if _address(parts) != _address(site):
        raise NotALinkError(
            f"that link is for {parts.scheme}://{parts.netloc}, not for {site.scheme}://{site.netloc}"
        )
    tokens = parse_qs(parts.query).get("token") or [""]
    if not tokens[0]:
        raise NotALinkError("that link has no token: paste the whole link from the email")
    return tokens[0]


def _address(parts: SplitResult) -> tuple[str, int]:
    """Where a URL leads: its host (any loopback name as one) and port."""
    host = parts.hostname or ""
    port = parts.port or (443 if parts.scheme == "https" else 80)
    return ("loopback" if is_loopback(host) else host, port)


# What each plugin's refusal means to the person, by better-auth's code.
_MEANING = {
    "INVALID_CODE": "that code is not right, or no longer current: try again",
    "INVALID_BACKUP_CODE": "that backup code is not valid (each one works once)",
    "OTP_HAS_EXPIRED": "the code has expired: ask for a new one",
    "TOO_MANY_ATTEMPTS_REQUEST_NEW_CODE": "too many wrong codes: sign in again for a new one",
    "INVALID_TWO_FACTOR_COOKIE": (
        "this sign-in waited too long for its code, or was already used: sign in again"
    ),
    "INVALID_TOKEN": (
        "that link is not valid any more (a link works once, for a few minutes): ask for a new one"
    ),
    "INVALID_OTP": "that code is not right: try again, or ask for a new one",
    "OTP_EXPIRED": "that code has expired: ask for a new one",
    "TOO_MANY_ATTEMPTS": "too many wrong codes: ask for a new one",
    # An OAuth-only (or passkey-only) site: its own pages are the way in.
    "EMAIL_PASSWORD_DISABLED": (
        "this site does not sign in with passwords; sign in with a browser instead"
    ),
    # Sign-up turned off (or with it, passwords): the account is made on the site.
    "EMAIL_PASSWORD_SIGN_UP_DISABLED": (
        "this site does not let new accounts sign up with a password here; create the "
        "account on the site, with a browser"
    ),
}

# Refusals of a password sign-in or sign-up that the site's own pages get past.
BROWSER_ONLY = frozenset({"EMAIL_PASSWORD_DISABLED", "EMAIL_PASSWORD_SIGN_UP_DISABLED"})

# Refusals after which the same challenge cannot succeed: start from the password again.
CHALLENGE_ENDED = frozenset({"TOO_MANY_ATTEMPTS_REQUEST_NEW_CODE", "INVALID_TWO_FACTOR_COOKIE"})


def refusal_meaning(code: str | None) -> str | None:
    return _MEANING.get(code or "")
