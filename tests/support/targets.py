"""The servers a behaviour test runs against: switcher (SQLite, PostgreSQL) and better-auth.

Every behaviour test takes a ``Target`` and must pass on all of them: that is
how switcher's server is held to better-auth 1.7.25's observable behaviour.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path

from switcher.protocol.cookies import CookieNames
from switcher.protocol.signing import Signer
from switcher.server import AuthApp, RateLimit, ServerConfig
from tests.support.browser import Browser
from tests.support.switcher_server import running_switcher

SECRET = "interop-test-secret-0123456789abcdef0123456789"
PASSWORD = "password123"

SWITCHER = "switcher"
SWITCHER_POSTGRES = "switcher-postgres"
BETTER_AUTH = "better-auth"
KINDS = (SWITCHER, SWITCHER_POSTGRES, BETTER_AUTH)


@dataclass(frozen=True)
class Options:
    max_sessions: int = 5
    secure_cookies: bool = False
    update_age: int = 86400
    rate_limit: bool = False
    cookie_prefix: str = "better-auth"


@dataclass
class Target:
    kind: str
    base_url: str
    options: Options
    app: AuthApp | None = None  # switcher only: its database can be inspected
    secret: str = SECRET
    browsers: list[Browser] = field(default_factory=list)

    @property
    def names(self) -> CookieNames:
        return CookieNames(self.options.cookie_prefix, secure=self.options.secure_cookies)

    def browser(self) -> Browser:
        browser = Browser(self.base_url)
        self.browsers.append(browser)
        return browser

    def sign(self, value: str) -> str:
        return Signer(self.secret).sign(value)


# ``serve(**options)``: the test's kind of server, started with those options.
Serve = Callable[..., "Target"]


def unique_email(label: str = "user") -> str:
    return f"{label}-{uuid.uuid4().hex[:10]}@example.com"


def sign_up(browser: Browser, label: str = "user", **extra: object) -> dict[str, object]:
    """Sign a fresh user up in ``browser``; returns the response JSON (token, user)."""
    email = unique_email(label)
    response = browser.post(
        "/sign-up/email", {"name": label.title(), "email": email, "password": PASSWORD, **extra}
    )
    assert response.status_code == 200, response.text
    body: dict[str, object] = response.json()
    return body


class Servers:
    """Starts each (kind, options) server once per test session."""

    def __init__(self, stack: ExitStack, tmp: Path, postgres_url: Callable[[], str]) -> None:
        self._stack = stack
        self._tmp = tmp
        self._postgres_url = postgres_url
        self._running: dict[tuple[str, Options], Target] = {}

    def get(self, kind: str, options: Options) -> Target:
        key = (kind, options)
        if key not in self._running:
            self._running[key] = self._start(kind, options)
        target = self._running[key]
        return target

    def _config(self, database_url: str, options: Options) -> ServerConfig:
        return ServerConfig(
            secret=SECRET,
            base_url="http://127.0.0.1:1",  # replaced with the real port on start
            database_url=database_url,
            use_secure_cookies=True if options.secure_cookies else None,
            update_age=options.update_age,
            maximum_sessions=options.max_sessions,
            rate_limit=RateLimit() if options.rate_limit else None,
            cookie_prefix=options.cookie_prefix,
        )

    def _start(self, kind: str, options: Options) -> Target:
        if kind == BETTER_AUTH:
            from tests.support.peer import PeerServer

            peer = self._stack.enter_context(
                PeerServer(
                    secret=SECRET,
                    database="memory",
                    max_sessions=options.max_sessions,
                    update_age=options.update_age,
                    secure_cookies=options.secure_cookies,
                    rate_limit=options.rate_limit,
                    cookie_prefix=options.cookie_prefix,
                )
            )
            return Target(kind, peer.base_url, options)
        if kind == SWITCHER:
            path = self._tmp / f"{uuid.uuid4().hex}.db"
            database = f"sqlite:///{path}"
        else:
            database = self._postgres_url()
        app = self._stack.enter_context(running_switcher(self._config(database, options)))
        return Target(kind, app.config.base_url, options, app=app)


def row_counts(target: Target) -> dict[str, int] | None:
    """Rows per table in a switcher target's database; ``None`` for better-auth's memory store."""
    if target.app is None:
        return None
    url = target.app.config.database_url
    tables = ("user", "session", "account", "verification")
    if url.startswith("sqlite:"):
        import sqlite3

        from switcher.server.store.sqlite import sqlite_path

        with sqlite3.connect(sqlite_path(url)) as db:
            return {t: db.execute(f'select count(*) from "{t}"').fetchone()[0] for t in tables}
    import psycopg

    with psycopg.connect(url) as conn:
        return {
            t: conn.execute(f'select count(*) from "{t}"').fetchone()[0]  # type: ignore[index]
            for t in tables
        }


def served_config(directory: Path) -> ServerConfig:
    """switcher's server on ``directory/auth.db`` for ``running_switcher`` (no rate limit)."""
    return ServerConfig(
        secret=SECRET,
        base_url="http://127.0.0.1:1",  # replaced with the real port
        database_url=f"sqlite:///{directory / 'auth.db'}",
        rate_limit=None,
    )
