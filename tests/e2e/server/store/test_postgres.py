"""A PostgreSQL restart costs ``switcher serve`` at most the requests in flight.

A cluster of its own: restarting the suite's shared one would end every
other test's connections too.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from tests.support.postgres import PostgresServer, running_postgres
from tests.support.serving import Served, serving
from tests.support.targets import SECRET, sign_up

pytestmark = pytest.mark.postgres


@dataclass(frozen=True)
class Answer:
    sent: float
    status: int | str


@pytest.fixture
def restartable(tmp_path: Path) -> Iterator[tuple[PostgresServer, Served, dict[str, str]]]:
    with running_postgres() as postgres:
        url = postgres.create_database("restarts")
        env = {"BETTER_AUTH_SECRET": SECRET}
        with serving(tmp_path / "data", "--database", url, "--no-rate-limit", env=env) as served:
            device = served.browser()
            sign_up(device, "restart")
            yield postgres, served, {"cookie": device.cookie_header}
        assert "Traceback" not in served.output()


def _load(
    served: Served, headers: dict[str, str], clients: int, stop: threading.Event
) -> list[Answer]:
    """``clients`` threads asking get-session back to back until ``stop``."""
    answers: list[Answer] = []

    def ask() -> None:
        with httpx.Client(base_url=served.base_url, headers=headers, timeout=30) as client:
            while not stop.is_set():
                sent = time.monotonic()
                try:
                    status: int | str = client.get("/api/auth/get-session").status_code
                except httpx.HTTPError as error:
                    status = type(error).__name__
                answers.append(Answer(sent, status))

    threads = [threading.Thread(target=ask) for _ in range(clients)]
    for thread in threads:
        thread.start()
    stop.wait()
    for thread in threads:
        thread.join(30)
    return answers


def test_after_a_restart_the_next_requests_succeed(
    restartable: tuple[PostgresServer, Served, dict[str, str]],
) -> None:
    postgres, served, headers = restartable
    # Several clients at once: the pool grows to several connections, all of
    # which the restart ends while they sit idle in the pool.
    stop = threading.Event()
    threading.Timer(1.0, stop.set).start()
    assert {a.status for a in _load(served, headers, 8, stop)} == {200}
    postgres.restart()
    with httpx.Client(base_url=served.base_url, headers=headers, timeout=30) as client:
        statuses = [client.get("/api/auth/get-session").status_code for _ in range(15)]
        assert statuses == [200] * 15
        assert client.get("/api/auth/multi-session/list-device-sessions").status_code == 200


def test_a_restart_under_load_fails_at_most_the_requests_in_flight(
    restartable: tuple[PostgresServer, Served, dict[str, str]],
) -> None:
    postgres, served, headers = restartable
    stop = threading.Event()
    restarted: list[float] = []

    def restart_then_stop() -> None:
        time.sleep(0.8)
        postgres.restart()
        restarted.append(time.monotonic())
        time.sleep(1.0)
        stop.set()

    threading.Thread(target=restart_then_stop).start()
    answers = _load(served, headers, 4, stop)
    failed = [a for a in answers if a.status != 200]
    assert [a for a in failed if a.sent >= restarted[0]] == []
    assert {a.status for a in failed} <= {503}  # a clear answer, never a 500
    assert len(failed) <= 4  # at most one per client: those in flight at the restart
    assert sum(1 for a in answers if a.sent >= restarted[0]) > 10
