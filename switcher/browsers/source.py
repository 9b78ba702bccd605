"""From the accounts service's cookies to what browser writers take."""

from __future__ import annotations

from collections.abc import Iterable

from switcher.browsers import ExportCookie
from switcher.client.jar import Cookie


def export_cookies(cookies: Iterable[Cookie]) -> list[ExportCookie]:
    return [
        ExportCookie(
            name=c.name,
            value=c.value,
            host=c.domain,
            host_only=c.host_only,
            path=c.path,
            secure=c.secure,
            http_only=c.http_only,
            same_site=c.same_site,
            expires=c.expires,
        )
        for c in cookies
    ]
