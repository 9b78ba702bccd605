"""The sign-in rate limit end to end: the fourth sign-in in ten seconds, on every server kind,
and across processes when the count is kept in the database."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest

from switcher.server import ServerConfig
from switcher.server.config import RateLimit
from switcher.server.store import open_store
from tests.support.serving import serving
from tests.support.switcher_server import running_switcher
from tests.support.targets import PASSWORD, SECRET, Serve, unique_email


def test_the_fourth_sign_in_within_ten_seconds_gets_429(serve: Serve) -> None:
    target = serve(rate_limit=True)
    browser = target.browser()
    answers = [
        browser.post("/sign-in/email", {"email": unique_email(), "password": PASSWORD}, origin=None)
        for _ in range(4)
    ]
    assert [a.status_code for a in answers] == [401, 401, 401, 429]
    assert answers[3].json() == {"message": "Too many requests. Please try again later."}
    assert 1 <= int(answers[3].headers["x-retry-after"]) <= 10


def _attempts(urls: list[str], count: int) -> list[int]:
    """Wrong sign-ins from one client, each to the next server in turn, each on a new connection."""
    statuses = []
    for n in range(count):
        with httpx.Client(base_url=urls[n % len(urls)], timeout=10) as client:
            statuses.append(
                client.post(
                    "/api/auth/sign-in/email", json={"email": unique_email(), "password": PASSWORD}
                ).status_code
            )
    return statuses


@pytest.mark.parametrize("storage", ["memory", "database"])
def test_two_servers_on_one_sqlite_file_share_the_limit_only_in_the_database(
    tmp_path: Path, storage: str
) -> None:
    config = ServerConfig(
        secret=SECRET,
        base_url="http://127.0.0.1:1",
        database_url=f"sqlite:///{tmp_path / 'auth.db'}",
        rate_limit=RateLimit(storage=storage),
    )
    with running_switcher(config) as one, running_switcher(config) as other:
        statuses = _attempts([one.config.base_url, other.config.base_url], 6)
    if storage == "database":
        assert statuses == [401, 401, 401, 429, 429, 429]
    else:  # each process counts alone: twice the budget
        assert statuses == [401, 401, 401, 401, 401, 401]


@pytest.mark.postgres
def test_two_workers_on_postgres_share_one_limit(
    tmp_path: Path, postgres_urls: Callable[[], str]
) -> None:
    env = {"BETTER_AUTH_SECRET": SECRET}
    args = ("--workers", "2", "--database", postgres_urls(), "--rate-limit-storage", "database")
    with serving(tmp_path / "data", *args, env=env) as served:
        statuses = _attempts([served.base_url], 8)
    assert statuses == [401, 401, 401, 429, 429, 429, 429, 429]


@pytest.mark.parametrize(
    "database", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
)
def test_requests_in_one_millisecond_are_counted_one_by_one(
    tmp_path: Path, postgres_urls: Callable[[], str], database: str
) -> None:
    """A refused request must not read as allowed because it came in the same millisecond."""
    url = f"sqlite:///{tmp_path / 'auth.db'}" if database == "sqlite" else postgres_urls()

    async def counts() -> list[int]:
        store = open_store(url)
        await store.open()
        try:
            return [
                (await store.consume_rate_limit("127.0.0.1|/sign-in/email", 10_000, 3, 5_000))[0]
                for _ in range(10)
            ]
        finally:
            await store.close()

    assert [count <= 3 for count in asyncio.run(counts())] == [True] * 3 + [False] * 7


def test_a_burst_of_sign_ins_gets_exactly_the_budget(tmp_path: Path) -> None:
    config = ServerConfig(
        secret=SECRET,
        base_url="http://127.0.0.1:1",
        database_url=f"sqlite:///{tmp_path / 'auth.db'}",
        rate_limit=RateLimit(storage="database"),
    )
    with running_switcher(config) as ours, ThreadPoolExecutor(30) as pool:
        statuses = list(pool.map(lambda _: _attempts([ours.config.base_url], 1)[0], range(30)))
    assert (statuses.count(401), statuses.count(429)) == (3, 27)
