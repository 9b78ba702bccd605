from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import pytest

from switcher.logs import teardown_logging
from tests.support.memory_keyring import MemoryKeyring, memory_keyring
from tests.support.targets import BETTER_AUTH, KINDS, SWITCHER_POSTGRES, Options, Servers, Target

Serve = Callable[..., Target]


@pytest.fixture(autouse=True)
def private_log_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """Every test logs under its own tmp_path, never into the real home.

    ``main()`` run in-process sets logging up (handlers on the root logger,
    excepthooks); they are taken down after the test. Child processes inherit
    the variable through the environments the helpers build from os.environ.
    """
    logs = tmp_path / "logs"
    monkeypatch.setenv("SWITCHER_LOG_DIR", str(logs))
    yield logs
    teardown_logging()


@pytest.fixture
def backend() -> Iterator[MemoryKeyring]:
    """keyring's default backend, in memory for the test (the real Secret Service is elsewhere)."""
    with memory_keyring() as keyring_backend:
        yield keyring_backend


@pytest.fixture(scope="session")
def postgres_urls() -> Iterator[Callable[[], str]]:
    """A factory of fresh PostgreSQL databases on one throwaway server (started on first use)."""
    with ExitStack() as stack:
        server: list[Any] = []

        def new_database() -> str:
            from tests.support.postgres import running_postgres

            if not server:
                server.append(stack.enter_context(running_postgres()))
            server.append(None)
            url: str = server[0].create_database(f"switcher_{len(server)}")
            return url

        yield new_database


@pytest.fixture(scope="session")
def servers(
    tmp_path_factory: pytest.TempPathFactory, postgres_urls: Callable[[], str]
) -> Iterator[Servers]:
    with ExitStack() as stack:
        yield Servers(stack, tmp_path_factory.mktemp("servers"), postgres_urls)


@pytest.fixture(params=KINDS)
def kind(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def serve(servers: Servers, kind: str) -> Iterator[Serve]:
    """``serve(**options)``: this test's kind of server, started with those options."""
    started: list[Target] = []

    def start(**options: Any) -> Target:
        target = servers.get(kind, Options(**options))
        started.append(target)
        return target

    yield start
    for target in started:
        for browser in target.browsers:
            browser.close()
        target.browsers.clear()


@pytest.fixture
def target(serve: Serve) -> Target:
    return serve()


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        callspec = getattr(item, "callspec", None)
        param = callspec.params.get("kind") if callspec else None
        if param == BETTER_AUTH:
            item.add_marker(pytest.mark.peer)
        elif param == SWITCHER_POSTGRES:
            item.add_marker(pytest.mark.postgres)
