"""Cookie names, ``Cookie`` header parsing and ``Set-Cookie`` serialisation.

better-auth reads request cookies with two different parsers and the
difference is observable, so both are here:

* better-call's (``parse_first``) backs every signed-cookie read: the first
  occurrence of a name wins and values with ``%`` are URI-decoded;
* better-auth's own (``names_last``) enumerates names for the multi-session
  plugin: it drops pairs that are not RFC 6265 shaped and the last occurrence
  wins (which only matters for the value, not for the name order).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import unquote_to_bytes

DEFAULT_COOKIE_PREFIX = "better-auth"
SECURE_PREFIX = "__Secure-"
MULTI_MARKER = "_multi-"
SESSION_TOKEN_SUFFIX = ".session_token"  # noqa: S105 - a cookie name, not a secret

_BAD_PERCENT = re.compile(r"%(?![0-9A-Fa-f]{2})")
_TOKEN_NAME = re.compile(r"^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$")
_COOKIE_VALUE = re.compile(r"^[\x20\x21\x23-\x3A\x3C-\x5B\x5D-\x7E]*$")


@dataclass(frozen=True, slots=True)
class CookieNames:
    """The names one deployment uses, from its prefix and secure-cookie setting."""

    prefix: str = DEFAULT_COOKIE_PREFIX
    secure: bool = False

    def _name(self, cookie: str) -> str:
        return f"{SECURE_PREFIX if self.secure else ''}{self.prefix}.{cookie}"

    @property
    def session_token(self) -> str:
        return self._name("session_token")

    @property
    def session_data(self) -> str:
        return self._name("session_data")

    @property
    def dont_remember(self) -> str:
        return self._name("dont_remember")

    def multi(self, token: str) -> str:
        """The device cookie for one session: the token lower-cased in the name."""
        return f"{self.session_token}{MULTI_MARKER}{token.lower()}"


def session_name_of(multi_name: str) -> str:
    """The ``session_token`` cookie's name a multi-session cookie's name extends."""
    return multi_name.split(MULTI_MARKER, 1)[0]


def is_session_cookie(name: str) -> bool:
    """A deployment's ``session_token`` cookie, whatever its prefix (not a multi-session one)."""
    return name.endswith(SESSION_TOKEN_SUFFIX) and MULTI_MARKER not in name


def decode_uri_component(text: str) -> str | None:
    """JavaScript's decodeURIComponent; ``None`` where it would throw."""
    if _BAD_PERCENT.search(text):
        return None
    try:
        return unquote_to_bytes(text).decode("utf-8")
    except UnicodeDecodeError:
        return None


def _pairs(header: str) -> list[tuple[str, str]]:
    pairs = []
    for part in header.split(";"):
        eq = part.find("=")
        if eq < 0:
            continue
        name = part[:eq].strip()
        if name:
            pairs.append((name, part[eq + 1 :].strip()))
    return pairs


def raw_first(header: str | None) -> dict[str, str]:
    """better-call's parser before decoding: first occurrence wins, quotes stripped."""
    cookies: dict[str, str] = {}
    if not header:
        return cookies
    for name, raw in _pairs(header):
        if name not in cookies:
            cookies[name] = raw[1:-1] if len(raw) > 1 and raw[0] == raw[-1] == '"' else raw
    return cookies


def decode_value(value: str) -> str:
    """A cookie value as better-call hands it out: URI-decoded if it has ``%`` and can be."""
    if "%" in value:
        decoded = decode_uri_component(value)
        if decoded is not None:
            return decoded
    return value


def parse_first(header: str | None) -> dict[str, str]:
    """better-call's parser: first occurrence wins, ``%``-values decoded."""
    return {name: decode_value(value) for name, value in raw_first(header).items()}


def names_last(header: str | None) -> list[str]:
    """Cookie names as better-auth's parser enumerates them, in header order."""
    seen: dict[str, None] = {}
    if not header:
        return []
    for name, raw in _pairs(header):
        value = raw[1:-1] if len(raw) > 1 and raw[0] == raw[-1] == '"' else raw
        if _TOKEN_NAME.match(name) and _COOKIE_VALUE.match(value):
            seen[name] = None
    return list(seen)


def multi_names(header: str | None) -> list[str]:
    """Every request cookie name that the multi-session plugin treats as a device session."""
    return [name for name in names_last(header) if MULTI_MARKER in name]


@dataclass(frozen=True, slots=True)
class CookieAttributes:
    """What better-auth puts after the value; defaults are its session cookie's."""

    path: str = "/"
    http_only: bool = True
    secure: bool = False
    same_site: str | None = "Lax"
    domain: str | None = None
    partitioned: bool = False


def serialize(name: str, value: str, attrs: CookieAttributes, max_age: int | None) -> str:
    """One ``Set-Cookie`` line in better-call's attribute order."""
    parts = [f"{name}={value}"]
    if max_age is not None:
        parts.append(f"Max-Age={max_age}")
    if attrs.domain:
        parts.append(f"Domain={attrs.domain}")
    if attrs.path:
        parts.append(f"Path={attrs.path}")
    if attrs.http_only:
        parts.append("HttpOnly")
    if attrs.secure or name.startswith(SECURE_PREFIX):
        parts.append("Secure")
    if attrs.same_site:
        parts.append(f"SameSite={attrs.same_site}")
    if attrs.partitioned:
        parts.append("Partitioned")
    return "; ".join(parts)
