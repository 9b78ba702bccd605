"""Server settings, with better-auth 1.7.25's defaults."""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import urlsplit

from switcher.protocol.cookies import DEFAULT_COOKIE_PREFIX, CookieAttributes, CookieNames
from switcher.protocol.endpoints import DEFAULT_BASE_PATH


@dataclass(frozen=True, slots=True)
class RateLimit:
    """Requests allowed per client address and path within a window."""

    window_seconds: float = 10.0
    max_requests: int = 3
    # better-auth's special rule covers the credential endpoints only.
    path_prefixes: tuple[str, ...] = ("/sign-in", "/sign-up")
    # "memory" (each process its own counts) or "database" (better-auth's
    # rateLimit table: one count across workers, hosts and better-auth itself).
    storage: str = "memory"


@dataclass(frozen=True, slots=True)
class ServerConfig:
    secret: str
    base_url: str
    database_url: str = "sqlite:///switcher-auth.db"
    base_path: str = DEFAULT_BASE_PATH
    trusted_origins: tuple[str, ...] = ()
    cookie_prefix: str = DEFAULT_COOKIE_PREFIX
    use_secure_cookies: bool | None = None  # None: secure iff base_url is https
    expires_in: int = 604800  # 7 days
    update_age: int = 86400  # refresh at most once a day
    dont_remember_expires_in: int = 86400
    maximum_sessions: int = 5
    min_password_length: int = 8
    max_password_length: int = 128
    rate_limit: RateLimit | None = field(default_factory=RateLimit)
    max_body_bytes: int = 64 * 1024
    # Node refuses request headers over 16 KiB with a 431; so do we, for cookies.
    max_cookie_header_bytes: int = 16 * 1024
    # Headers trusted for the client's address. None by default: uvicorn
    # already applies X-Forwarded-For from a proxy on 127.0.0.1, and trusting
    # it from anyone would let a client dodge the rate limiter.
    ip_headers: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        parts = urlsplit(self.base_url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(f"base URL must be an http(s) URL, got {self.base_url!r}")
        if not self.secret:
            raise ValueError("a secret is required to sign cookies")
        if not self.base_path.startswith("/") or self.base_path.endswith("/"):
            raise ValueError("base path must start with '/' and not end with one")

    @property
    def origin(self) -> str:
        parts = urlsplit(self.base_url)
        return f"{parts.scheme}://{parts.netloc}".lower()

    @property
    def secure_cookies(self) -> bool:
        if self.use_secure_cookies is not None:
            return self.use_secure_cookies
        return self.base_url.startswith("https://")

    @property
    def cookie_names(self) -> CookieNames:
        return CookieNames(self.cookie_prefix, self.secure_cookies)

    @property
    def cookie_attributes(self) -> CookieAttributes:
        return CookieAttributes(secure=self.secure_cookies)
