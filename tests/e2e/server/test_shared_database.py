"""better-auth (Node) and switcher serving one SQLite file at the same time, one secret,
and one rate-limit table."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest

from switcher.server import ServerConfig
from switcher.server.config import RateLimit
from switcher.server.store import open_store
from switcher.server.store.schema import RATE_LIMIT_TABLE
from tests.support.browser import Browser
from tests.support.peer import PeerServer, print_migrations
from tests.support.switcher_server import running_switcher
from tests.support.targets import PASSWORD, SECRET, unique_email


@pytest.fixture(scope="module")
def both(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str]]:
    path = tmp_path_factory.mktemp("shared") / "auth.db"
    with PeerServer(secret=SECRET, database=f"sqlite:{path}", migrate=True) as peer:
        config = ServerConfig(
            secret=SECRET,
            base_url="http://127.0.0.1:1",
            database_url=f"sqlite:///{path}",
            rate_limit=None,
        )
        with running_switcher(config) as ours:
            yield peer.base_url, ours.config.base_url


@pytest.fixture
def browser() -> Iterator[Callable[..., Browser]]:
    """``browser(base_url, jar=None)``: a new browser, closed after the test."""
    opened: list[Browser] = []

    def make(base_url: str, jar: dict[str, str] | None = None) -> Browser:
        opened.append(Browser(base_url))
        opened[-1].jar.update(jar or {})
        return opened[-1]

    yield make
    for item in opened:
        item.close()


def test_a_user_signed_up_on_one_signs_in_on_the_other(
    both: tuple[str, str], browser: Callable[..., Browser]
) -> None:
    for first, second in (both, both[::-1]):
        email = unique_email("shared")
        up = browser(first).post(
            "/sign-up/email", {"name": "S", "email": email, "password": PASSWORD}
        )
        assert up.status_code == 200
        down = browser(second).post("/sign-in/email", {"email": email, "password": PASSWORD})
        assert down.status_code == 200
        assert down.json()["user"]["id"] == up.json()["user"]["id"]


def test_cookies_issued_by_one_are_honoured_by_the_other(
    both: tuple[str, str], browser: Callable[..., Browser]
) -> None:
    theirs, ours = both
    for issuer, reader in ((theirs, ours), (ours, theirs)):
        device = browser(issuer)
        emails = []
        for label in ("a", "b"):
            email = unique_email(label)
            emails.append(email)
            response = device.post(
                "/sign-up/email", {"name": label, "email": email, "password": PASSWORD}
            )
            assert response.status_code == 200
        other = browser(reader, device.jar)
        assert other.get("/get-session").json()["user"]["email"] == emails[1]
        listed = other.get("/multi-session/list-device-sessions").json()
        assert [entry["user"]["email"] for entry in listed] == emails
        tokens = [entry["session"]["token"] for entry in listed]
        switched = other.post("/multi-session/set-active", {"sessionToken": tokens[0]})
        assert switched.status_code == 200
        device.jar.update(other.jar)
        assert device.get("/get-session").json()["user"]["email"] == emails[0]
        # Signing out on the reader ends the sessions for the issuer too.
        assert other.post("/sign-out", {}).status_code == 200
        stale = browser(issuer, device.jar)
        assert stale.get("/get-session").json() is None
        assert stale.get("/multi-session/list-device-sessions").json() == []


@pytest.mark.parametrize("first", ["switcher", "better-auth"])
def test_both_count_sign_ins_in_one_rate_limit_table(tmp_path: Path, first: str) -> None:
    """rateLimit.storage "database" on both: one client, one budget, whichever answers."""
    path = tmp_path / "auth.db"
    with PeerServer(
        secret=SECRET, database=f"sqlite:{path}", migrate=True,
        rate_limit=True, rate_limit_storage="database",
    ) as peer:  # fmt: skip
        config = ServerConfig(
            secret=SECRET,
            base_url="http://127.0.0.1:1",
            database_url=f"sqlite:///{path}",
            rate_limit=RateLimit(storage="database"),
        )
        with running_switcher(config) as ours:
            urls = [ours.config.base_url, peer.base_url]
            if first == "better-auth":
                urls.reverse()
            statuses = []
            for n in range(6):
                with httpx.Client(base_url=urls[n % 2], timeout=10) as client:
                    answer = client.post(
                        "/api/auth/sign-in/email",
                        json={"email": unique_email(), "password": PASSWORD},
                    )
                    statuses.append(answer.status_code)
    assert statuses == [401, 401, 401, 429, 429, 429]


def test_the_rate_limit_table_is_better_auths_own(tmp_path: Path) -> None:
    """The same DDL, and a table switcher made leaves better-auth nothing to migrate."""
    empty = print_migrations(
        f"sqlite:{tmp_path / 'empty.db'}", rate_limit=True, rate_limit_storage="database"
    )
    ours = RATE_LIMIT_TABLE.replace(" if not exists", "")
    assert ours in {part.strip() for part in empty["sql"].split(";")}

    async def count_once(url: str) -> None:
        store = open_store(url)
        await store.open()
        try:
            await store.consume_rate_limit("127.0.0.1|/sign-in/email", 10_000, 3, 1)
        finally:
            await store.close()

    path = tmp_path / "ours.db"
    asyncio.run(count_once(f"sqlite:///{path}"))
    plan = print_migrations(f"sqlite:{path}", rate_limit=True, rate_limit_storage="database")
    assert (plan["toBeCreated"], plan["toBeAdded"], plan["sql"].strip()) == ([], [], ";")


@pytest.mark.postgres
def test_the_rate_limit_table_is_better_auths_own_on_postgres(
    postgres_urls: Callable[[], str],
) -> None:
    plan = print_migrations(postgres_urls(), rate_limit=True, rate_limit_storage="database")
    ours = RATE_LIMIT_TABLE.replace(" if not exists", "")
    assert ours in {part.strip() for part in plan["sql"].split(";")}
