"""Parsing ``Set-Cookie`` lines the way a browser reads them (RFC 6265 §5.2)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True, slots=True)
class SetCookie:
    name: str
    value: str
    max_age: int | None = None
    expires: datetime | None = None
    domain: str | None = None
    path: str | None = None
    secure: bool = False
    http_only: bool = False
    same_site: str | None = None
    partitioned: bool = False

    @property
    def deletes(self) -> bool:
        """True when this line removes the cookie instead of storing it."""
        if self.max_age is not None:
            return self.max_age <= 0
        return False


def _parse_expires(text: str) -> datetime | None:
    # Imported here: the email package costs a command milliseconds it rarely needs.
    from email.utils import parsedate_to_datetime

    try:
        return parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None


def parse_set_cookie(line: str) -> SetCookie | None:
    """One ``Set-Cookie`` header value; ``None`` when a browser would ignore it."""
    head, *attributes = line.split(";")
    eq = head.find("=")
    if eq < 0:
        return None
    name, value = head[:eq].strip(), head[eq + 1 :].strip()
    if not name:
        return None
    fields: dict[str, object] = {}
    for attribute in attributes:
        key, _, raw = attribute.partition("=")
        key, raw = key.strip().lower(), raw.strip()
        if key == "max-age":
            try:
                fields["max_age"] = int(raw)
            except ValueError:
                continue
        elif key == "expires":
            expires = _parse_expires(raw)
            if expires is not None:
                fields["expires"] = expires
        elif key == "domain" and raw:
            fields["domain"] = raw.lstrip(".").lower()
        elif key == "path":
            fields["path"] = raw if raw.startswith("/") else None
        elif key == "secure":
            fields["secure"] = True
        elif key == "httponly":
            fields["http_only"] = True
        elif key == "samesite":
            fields["same_site"] = raw.capitalize() if raw else None
        elif key == "partitioned":
            fields["partitioned"] = True
    return SetCookie(name, value, **fields)  # type: ignore[arg-type]
