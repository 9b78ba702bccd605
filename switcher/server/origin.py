"""better-auth's origin and CSRF rules for state-changing requests."""

from __future__ import annotations

import re
from collections.abc import Iterable
from urllib.parse import urlsplit

from switcher.protocol.errors import ErrorCode
from switcher.protocol.hosts import DEFAULT_PORTS
from switcher.server.errors import APIError

_SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
# C0 and C1 controls and DEL, as better-auth's trusted-origins check has them.
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f]")
_ENCODED_SEPARATOR = re.compile("%2f|%5c", re.IGNORECASE)
_CALLBACK_FIELDS = (
    ("callbackURL", ErrorCode.INVALID_CALLBACK_URL),
    ("redirectTo", ErrorCode.INVALID_REDIRECT_URL),
    ("errorCallbackURL", ErrorCode.INVALID_ERROR_CALLBACK_URL),
    ("newUserCallbackURL", ErrorCode.INVALID_NEW_USER_CALLBACK_URL),
)


def origin_of(url: str) -> str | None:
    """``scheme://host[:port]`` of an absolute URL, as a browser's URL parser gives it:
    lower-cased, without user name and password, path or the scheme's default port;
    ``None`` if it has none."""
    try:
        parts = urlsplit(url.strip())
        if not parts.scheme or not parts.netloc:
            return None
        host, port = parts.hostname, parts.port  # a malformed port raises
    except ValueError:
        return None
    if not host:
        return None
    scheme = parts.scheme.lower()
    shown = f"[{host}]" if ":" in host else host
    if port is not None and port != DEFAULT_PORTS.get(scheme):
        shown = f"{shown}:{port}"
    return f"{scheme}://{shown}"


class TrustedOrigins:
    """The base URL's origin plus configured ones; ``*`` wildcards are allowed."""

    def __init__(self, base_origin: str, extra: Iterable[str]) -> None:
        exact = {base_origin.lower()}
        patterns: list[re.Pattern[str]] = []
        for item in extra:
            item = item.strip().rstrip("/").lower()
            if not item:
                continue
            if "*" in item or "?" in item:
                # A pattern without a scheme matches the host of any http(s) origin.
                body = re.escape(item).replace(r"\*", "[^/]*").replace(r"\?", "[^/]")
                if "://" not in item:
                    body = r"https?://" + body
                patterns.append(re.compile(body + r"\Z"))
            else:
                exact.add(origin_of(item) or item)
        self._exact = frozenset(exact)
        self._patterns = tuple(patterns)

    def __contains__(self, origin: object) -> bool:
        if not isinstance(origin, str):
            return False
        origin = origin.lower()
        return origin in self._exact or any(p.match(origin) for p in self._patterns)

    def allows_url(self, url: str) -> bool:
        """A callback URL: a safe path on this site, or an absolute URL at a trusted origin.

        Never one with a control character: it would end up in a Location
        header (CR and LF would add headers of the sender's choosing).
        """
        if _CONTROL.search(url):
            return False
        if url.startswith("/"):
            return is_safe_relative_url(url)
        origin = origin_of(url)
        return origin is not None and origin in self


def is_safe_relative_url(url: str) -> bool:
    """A path on this site that every browser and router reads the same way, as
    better-auth judges it: no ``//`` (another host), no backslash (read as a
    slash), no control character, no encoded slash or backslash in the path."""
    if not url.startswith("/") or url.startswith("//") or "\\" in url or _CONTROL.search(url):
        return False
    path = re.split(r"[?#]", url, maxsplit=1)[0]
    return not _ENCODED_SEPARATOR.search(path)


def _claimed_origin(headers: dict[str, str]) -> str | None:
    origin = headers.get("origin")
    if origin is None:
        referer = headers.get("referer")
        if referer is None:
            return None
        return origin_of(referer) or "invalid:"
    return origin


def check_request(
    method: str,
    headers: dict[str, str],
    trusted: TrustedOrigins,
    credential_route: bool,
) -> None:
    """Raise the 403 better-auth would answer for this request's origin, if any."""
    if method in _SAFE_METHODS:
        return
    if "cookie" in headers:
        _require_trusted(headers, trusted)
    elif credential_route:
        fetch_site = headers.get("sec-fetch-site")
        if fetch_site or headers.get("sec-fetch-mode") or headers.get("sec-fetch-dest"):
            if fetch_site == "cross-site" and headers.get("sec-fetch-mode") == "navigate":
                raise APIError(ErrorCode.CROSS_SITE_NAVIGATION_LOGIN_BLOCKED)
            _require_trusted(headers, trusted)
        elif "origin" in headers or "referer" in headers:
            _require_trusted(headers, trusted)


def _require_trusted(headers: dict[str, str], trusted: TrustedOrigins) -> None:
    origin = _claimed_origin(headers)
    if origin == "null" and headers.get("sec-fetch-site") == "same-origin":
        return  # the browser vouches that the request comes from this very origin
    if not origin or origin == "null":
        raise APIError(ErrorCode.MISSING_OR_NULL_ORIGIN)
    # Read as better-auth reads it (new URL(origin).origin): a trailing slash,
    # a path or a user name do not make another origin.
    if (origin_of(origin) or origin) not in trusted:
        raise APIError(ErrorCode.INVALID_ORIGIN)


def check_callbacks(body: object, query: dict[str, str], trusted: TrustedOrigins) -> None:
    """Every redirect target named in the body or query must stay on trusted origins."""
    for field, code in _CALLBACK_FIELDS:
        for source in (body, query):
            value = source.get(field) if isinstance(source, dict) else None
            if isinstance(value, str) and value and not trusted.allows_url(value):
                raise APIError(code)
