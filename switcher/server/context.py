"""Per-request state: the request's cookies, the cookies to set, the new session."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from switcher.protocol import cookies
from switcher.protocol.dates import to_iso, utc_now
from switcher.protocol.signing import Signer
from switcher.server.config import ServerConfig
from switcher.server.http import Request
from switcher.server.rows import SessionWithUser
from switcher.server.store import Store
from switcher.server.validation import MISSING


@dataclass(slots=True)
class Services:
    """What lives for the whole app and every request shares."""

    config: ServerConfig
    store: Store
    signer: Signer
    names: cookies.CookieNames
    attributes: cookies.CookieAttributes


class Context:
    def __init__(self, services: Services, request: Request) -> None:
        self.services = services
        self.config = services.config
        self.store = services.store
        self.names = services.names
        self.request = request
        self.cookie_header = request.headers.get("cookie")
        self._cookies: dict[str, str] | None = None
        self.body: Any = MISSING
        self.set_cookies: dict[str, str] = {}
        self.new_session: SessionWithUser | None = None
        self.headers: list[tuple[bytes, bytes]] = []

    # -- request cookies --------------------------------------------------
    @property
    def cookies(self) -> dict[str, str]:
        """Request cookies by name, values still encoded (decoded one at a time, on use)."""
        if self._cookies is None:
            self._cookies = cookies.raw_first(self.cookie_header)
        return self._cookies

    def signed_cookie(self, name: str) -> str | None:
        """A request cookie's signed value, or ``None`` when absent or not verified."""
        raw = self.cookies.get(name)
        if raw is None:
            return None
        return self.services.signer.verified(cookies.decode_value(raw))

    def device_tokens(self) -> list[tuple[str, str]]:
        """``(cookie name, verified token)`` for every multi-session cookie, in header order."""
        found = []
        for name in cookies.multi_names(self.cookie_header):
            token = self.signed_cookie(name)
            if token is not None:
                found.append((name, token))
        return found

    # -- response cookies -------------------------------------------------
    def set_cookie(self, name: str, value: str, max_age: int | None) -> None:
        # A later write for the same name replaces the pending one, as better-call does.
        self.set_cookies.pop(name, None)
        self.set_cookies[name] = cookies.serialize(name, value, self.services.attributes, max_age)

    def set_signed_cookie(self, name: str, value: str, max_age: int | None) -> None:
        self.set_cookie(name, self.services.signer.sign(value), max_age)

    def expire_cookie(self, name: str) -> None:
        self.set_cookie(name, "", 0)

    def set_session_cookie(self, found: SessionWithUser, dont_remember: bool | None = None) -> None:
        """Make ``found`` this browser's active session (better-auth's setSessionCookie)."""
        if dont_remember is None:
            dont_remember = self.signed_cookie(self.names.dont_remember) is not None
        max_age = None if dont_remember else self.config.expires_in
        self.set_signed_cookie(self.names.session_token, found.session.token, max_age)
        if dont_remember:
            self.set_signed_cookie(self.names.dont_remember, "true", None)
        self.new_session = found

    def delete_session_cookie(self) -> None:
        for name in (self.names.session_token, self.names.session_data, self.names.dont_remember):
            self.expire_cookie(name)

    # -- sessions ------------------------------------------------------------
    async def current_session(
        self, refresh: bool = True, read_only: bool = False
    ) -> SessionWithUser | None:
        """The session behind the signed ``session_token`` cookie, as get-session resolves it.

        An expired or vanished session clears the cookies (and its row); a
        session due for refresh gets a later expiry and its cookie re-sent.
        ``read_only`` does neither: it only looks.
        """
        token = self.signed_cookie(self.names.session_token)
        if token is None:
            return None
        found = await self.store.find_session(token)
        now = utc_now()
        now_iso = to_iso(now)
        if found is None or found.session.expires_at < now_iso:
            if read_only:
                return None
            if found is not None:
                await self.store.delete_sessions([token])
            self.delete_session_cookie()
            return None
        if read_only or not refresh or self.signed_cookie(self.names.dont_remember) is not None:
            return found
        config = self.config
        due = to_iso(now + timedelta(seconds=config.expires_in - config.update_age))
        if found.session.expires_at <= due:
            expires_at = to_iso(now + timedelta(seconds=config.expires_in))
            await self.store.refresh_session(token, expires_at, now_iso)
            found.session.expires_at = expires_at
            found.session.updated_at = now_iso
            self.set_session_cookie(found, dont_remember=False)
        return found

    def client_ip(self) -> str:
        for header in self.config.ip_headers:
            value = self.request.headers.get(header)
            if value:
                return value.split(",")[0].strip()
        return self.request.client_host
