"""A browser-like cookie jar for one server (RFC 6265 storage and retrieval rules).

It keeps what a browser would keep for the server's host: host-only and domain
cookies, paths, ``Secure`` (accepted over plain http only on loopback, as
browsers treat localhost as a secure context), expiry, and creation order,
which better-auth's multi-session endpoints read as the order of accounts.
"""

from __future__ import annotations

import ipaddress
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from enum import Enum
from urllib.parse import urlsplit

from switcher.protocol.cookie import Cookie
from switcher.protocol.cookies import SECURE_PREFIX
from switcher.protocol.hosts import is_loopback
from switcher.protocol.setcookie import SetCookie, parse_set_cookie


class Refusal(Enum):
    """Why the jar did not keep a cookie a server set."""

    MALFORMED = "malformed Set-Cookie"
    OTHER_DOMAIN = "cookie for another domain"
    INSECURE_ORIGIN = "Secure cookie from an insecure origin"
    SECURE_PREFIX_WITHOUT_SECURE = "__Secure- cookie without Secure"


@dataclass(frozen=True, slots=True)
class Refused:
    """A refusal and what it is about (the other domain, for OTHER_DOMAIN)."""

    refusal: Refusal
    detail: str = ""

    def __str__(self) -> str:
        return f"{self.refusal.value} ({self.detail})" if self.detail else self.refusal.value


def _is_loopback(host: str) -> bool:
    # Browsers also treat every *.localhost name as a secure, local context.
    return host.endswith(".localhost") or is_loopback(host)


def _domain_matches(host: str, domain: str) -> bool:
    if host == domain:
        return True
    try:
        ipaddress.ip_address(host.strip("[]"))
        return False  # an IP address only matches itself
    except ValueError:
        return host.endswith("." + domain)


def _default_path(request_path: str) -> str:
    if not request_path.startswith("/") or request_path.count("/") <= 1:
        return "/"
    return request_path[: request_path.rfind("/")]


def _path_matches(request_path: str, cookie_path: str) -> bool:
    if request_path == cookie_path:
        return True
    if request_path.startswith(cookie_path):
        return cookie_path.endswith("/") or request_path[len(cookie_path)] == "/"
    return False


class CookieJar:
    """Cookies for one server, in creation order; a replaced cookie keeps its place."""

    def __init__(
        self, cookies: Iterable[Cookie] = (), clock: Callable[[], float] = time.time
    ) -> None:
        self._cookies: dict[tuple[str, str, str], Cookie] = {}
        self._clock = clock
        for cookie in cookies:
            self._cookies[(cookie.domain, cookie.path, cookie.name)] = cookie

    def __iter__(self) -> Iterator[Cookie]:
        now = self._clock()
        return iter([c for c in self._cookies.values() if not c.expired(now)])

    def __len__(self) -> int:
        return len(list(iter(self)))

    def copy(self) -> CookieJar:
        return CookieJar(self._cookies.values(), self._clock)

    def get(self, name: str) -> Cookie | None:
        for cookie in self:
            if cookie.name == name:
                return cookie
        return None

    def set(self, cookie: Cookie) -> None:
        self._cookies[(cookie.domain, cookie.path, cookie.name)] = cookie

    def remove(self, name: str) -> None:
        for key in [k for k in self._cookies if k[2] == name]:
            del self._cookies[key]

    def clear(self) -> None:
        self._cookies.clear()

    def store(self, url: str, line: str) -> Refused | None:
        """Apply one ``Set-Cookie`` line received from ``url``.

        Returns why it was ignored, or ``None`` when it was stored or deleted.
        """
        parsed = parse_set_cookie(line)
        if parsed is None:
            return Refused(Refusal.MALFORMED)
        return self.store_parsed(url, parsed)

    def store_parsed(self, url: str, parsed: SetCookie) -> Refused | None:
        parts = urlsplit(url)
        host = (parts.hostname or "").lower()
        secure_origin = parts.scheme == "https" or _is_loopback(host)
        if parsed.domain:
            if not _domain_matches(host, parsed.domain):
                return Refused(Refusal.OTHER_DOMAIN, parsed.domain)
            domain, host_only = parsed.domain, False
        else:
            domain, host_only = host, True
        if parsed.secure and not secure_origin:
            return Refused(Refusal.INSECURE_ORIGIN)
        if parsed.name.startswith(SECURE_PREFIX) and not parsed.secure:
            return Refused(Refusal.SECURE_PREFIX_WITHOUT_SECURE)
        path = parsed.path or _default_path(parts.path or "/")
        now = self._clock()
        if parsed.max_age is not None:
            expires: float | None = now + parsed.max_age
        elif parsed.expires is not None:
            expires = parsed.expires.timestamp()
        else:
            expires = None
        key = (domain, path, parsed.name)
        if expires is not None and expires <= now:
            self._cookies.pop(key, None)
            return None
        cookie = Cookie(
            name=parsed.name,
            value=parsed.value,
            domain=domain,
            host_only=host_only,
            path=path,
            secure=parsed.secure,
            http_only=parsed.http_only,
            same_site=parsed.same_site,
            expires=expires,
        )
        existing = self._cookies.get(key)
        if existing is not None and existing.expired(now):
            # An expired cookie is gone (RFC 6265 5.3): the new one is the newest.
            del self._cookies[key]
        # Updating a live cookie keeps its position, as browsers keep creation time.
        self._cookies[key] = cookie
        return None

    def header_for(self, url: str) -> str:
        """The ``Cookie`` header a browser would send to ``url``."""
        parts = urlsplit(url)
        host = (parts.hostname or "").lower()
        secure_channel = parts.scheme == "https" or _is_loopback(host)
        path = parts.path or "/"
        pairs = []
        for cookie in self:
            if cookie.host_only and cookie.domain != host:
                continue
            if not cookie.host_only and not _domain_matches(host, cookie.domain):
                continue
            if cookie.secure and not secure_channel:
                continue
            if not _path_matches(path, cookie.path):
                continue
            pairs.append(f"{cookie.name}={cookie.value}")
        return "; ".join(pairs)
