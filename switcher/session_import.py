"""Sessions brought in from elsewhere: which cookies are a site's signed-in sessions.

A browser (or a cookies.txt, or a pasted ``Cookie`` header) holds one
``session_token`` for the account it shows and, on a site with the
multi-session plugin, one ``…session_token_multi-<token>`` cookie per
account it holds. Each signed value is one session, whichever cookie carried
it. Only cookies the site itself would be sent are looked at: a cookie for
another site is never read into switcher.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import urlsplit

from switcher.protocol.cookie import Cookie
from switcher.protocol.cookies import (
    MULTI_MARKER,
    SECURE_PREFIX,
    decode_value,
    is_session_cookie,
    session_name_of,
)
from switcher.protocol.hosts import is_ip_address


@dataclass(frozen=True, slots=True)
class FoundSession:
    """One signed session value, and the name of the session cookie it goes under."""

    session_name: str  # e.g. better-auth.session_token (the site's prefix)
    value: str = field(repr=False)  # the signed value, as the cookie carried it
    token: str = field(repr=False)

    def as_request_cookie(self, host: str) -> Cookie:
        """The value as the ``session_token`` a request to ``host`` sends."""
        return Cookie(self.session_name, self.value, host, secure=_secure(self.session_name))

    def as_device_cookie(self, host: str, https: bool, expires: float | None) -> Cookie:
        """The account's multi-session cookie, as the site itself would have set it."""
        return Cookie(
            f"{self.session_name}{MULTI_MARKER}{self.token.lower()}",
            self.value,
            host,
            secure=https or _secure(self.session_name),
            expires=expires,
        )


def sessions_for(site_url: str, cookies: list[Cookie], now: float) -> list[FoundSession]:
    """The distinct live-looking sessions among ``cookies`` that ``site_url`` would be sent.

    A cookie past its own expiry is left out; the site decides about the rest.
    """
    parts = urlsplit(site_url)
    host = (parts.hostname or "").lower()
    found: dict[str, FoundSession] = {}
    for cookie in cookies:
        if not _for_host(cookie, host) or cookie.expired(now):
            continue
        if MULTI_MARKER in cookie.name:
            session_name = session_name_of(cookie.name)
        elif is_session_cookie(cookie.name):
            session_name = cookie.name
        else:
            continue
        token = _token(cookie.value)
        if token and token not in found:
            found[token] = FoundSession(session_name, cookie.value, token)
    return list(found.values())


def parse_cookie_header(text: str, host: str) -> list[Cookie]:
    """A pasted ``Cookie`` header (with or without its ``Cookie:`` name) as cookies for ``host``."""
    header = text.strip()
    if header.lower().startswith("cookie:"):
        header = header[len("cookie:") :]
    cookies = []
    for part in header.split(";"):
        name, eq, value = part.strip().partition("=")
        if eq and name.strip():
            cookies.append(Cookie(name.strip(), value.strip(), host))
    return cookies


def _for_host(cookie: Cookie, host: str) -> bool:
    domain = cookie.domain.lower().lstrip(".")
    if cookie.host_only or is_ip_address(host):
        return domain == host  # an address has no parent domains to match
    return host == domain or host.endswith("." + domain)


def _token(value: str) -> str | None:
    token, dot, signature = decode_value(value).rpartition(".")
    return token if dot and token and signature else None


def _secure(name: str) -> bool:
    return name.startswith(SECURE_PREFIX)
