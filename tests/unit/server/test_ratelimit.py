"""The sign-in/sign-up rate limiter, on a controlled clock."""

from __future__ import annotations

from pathlib import Path

import pytest

from switcher.server.config import RateLimit
from switcher.server.errors import RateLimitedError
from switcher.server.ratelimit import RateLimiter
from tests.support.targets import PASSWORD, unique_email


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_three_per_window_per_client_and_path() -> None:
    clock = Clock()
    limiter = RateLimiter(RateLimit(), clock)
    for _ in range(3):
        limiter.check("1.2.3.4", "/sign-in/email")
    with pytest.raises(RateLimitedError) as limited:
        limiter.check("1.2.3.4", "/sign-in/email")
    assert limited.value.retry_after == 10
    limiter.check("1.2.3.4", "/sign-up/email")  # another path has its own budget
    limiter.check("5.6.7.8", "/sign-in/email")  # and so does another client
    clock.now += 10.5
    limiter.check("1.2.3.4", "/sign-in/email")


def test_only_the_credential_paths_are_limited() -> None:
    limiter = RateLimiter(RateLimit())
    assert limiter.applies_to("/sign-in/email")
    assert limiter.applies_to("/sign-up/email")
    assert not limiter.applies_to("/get-session")


def test_a_remote_client_cannot_dodge_the_limit_with_forwarded_for(tmp_path: Path) -> None:
    # uvicorn rewrites the client address from X-Forwarded-For only for proxies
    # on 127.0.0.1; the app itself trusts no such header by default.
    import asyncio

    import httpx

    from switcher.server import AuthApp, ServerConfig

    app = AuthApp(
        ServerConfig(
            secret="x" * 40,
            base_url="http://testserver",
            database_url=f"sqlite:///{tmp_path / 'auth.db'}",
        )
    )

    async def attempts() -> list[int]:
        transport = httpx.ASGITransport(app=app, client=("198.51.100.7", 40000))
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
            codes = []
            for i in range(4):
                response = await client.post(
                    "/api/auth/sign-in/email",
                    json={"email": unique_email(), "password": PASSWORD},
                    headers={"x-forwarded-for": f"203.0.113.{i}"},
                )
                codes.append(response.status_code)
        await app.close()
        return codes

    assert asyncio.run(attempts()) == [401, 401, 401, 429]
