"""Every fixture more than one test module uses, in one place.

``tests/unit/`` mirrors ``switcher/`` and runs in this process only: an
in-memory keyring, switcher's own server on a thread, Qt offscreen. A unit
test that starts a program fails (stand-ins a test writes for OS tools that
do not exist here, such as macOS's ``security``, are allowed).
``tests/e2e/`` uses the real components: the better-auth peer, PostgreSQL,
gnome-keyring, Xvfb with a tray, Firefox and Chromium, ``python -m switcher``.
"""

from __future__ import annotations

import gc
import subprocess
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import pytest

from tests.support.qt import use_offscreen_platform

use_offscreen_platform()  # before anything imports Qt

from switcher.accounts import Accounts  # noqa: E402
from switcher.browsers.chromium import create_cookie_db  # noqa: E402
from switcher.gui.controller import Controller  # noqa: E402
from switcher.logs import teardown_logging  # noqa: E402
from switcher.secrets import KeyringSecrets  # noqa: E402
from switcher.vault import Vault  # noqa: E402
from tests.support.cli import Cli  # noqa: E402
from tests.support.components import missing  # noqa: E402
from tests.support.firefox import Served, firefox_binary, recording_switcher  # noqa: E402
from tests.support.memory_keyring import MemoryKeyring, memory_keyring  # noqa: E402
from tests.support.secret_service import SecretService, running_secret_service  # noqa: E402
from tests.support.targets import (  # noqa: E402
    BETTER_AUTH,
    KINDS,
    SWITCHER,
    SWITCHER_POSTGRES,
    Options,
    Serve,
    Servers,
    Target,
    served_config,
)

TESTS = Path(__file__).parent


def _in(request: pytest.FixtureRequest, folder: str) -> bool:
    return folder in request.node.path.relative_to(TESTS).parts


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


@pytest.fixture(autouse=True)
def unit_tests_start_no_programs(
    request: pytest.FixtureRequest,
    tmp_path_factory: pytest.TempPathFactory,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A test under tests/unit/ that starts a program fails, and says which.

    Only a stand-in the test wrote itself (under pytest's temporary
    directory) may run: that is how the macOS and Windows key lookups are
    exercised on Linux. And ``ldconfig -p``, which ctypes runs in this process
    when keyring first looks for its macOS backend's libraries.
    """
    if not _in(request, "unit"):
        return
    own = tmp_path_factory.getbasetemp().resolve()
    start = subprocess.Popen.__init__

    def guarded(self: subprocess.Popen[Any], args: Any, *rest: Any, **options: Any) -> None:
        program = Path(str(args[0] if isinstance(args, list | tuple) else args))
        if program.name != "ldconfig" and not program.resolve().is_relative_to(own):
            raise AssertionError(
                f"a unit test started {program}: move it to tests/e2e/ or use a stand-in"
            )
        start(self, args, *rest, **options)

    monkeypatch.setattr(subprocess.Popen, "__init__", guarded)


@pytest.fixture(autouse=True)
def collect_on_this_thread(request: pytest.FixtureRequest) -> Iterator[None]:
    """In the GUI tests, free a test's Qt objects in reference cycles here, on the UI thread.

    Left to Python, a cycle is collected on whichever thread allocates next (a
    worker lane, a channel client), and Qt objects deleted there corrupt memory.
    The app collects on its UI thread only (``gui.main_thread_gc``); a test
    does the same: no automatic collection while it runs, one at its end.
    """
    if not _in(request, "gui"):
        yield
        return
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        gc.collect()
        if was_enabled:
            gc.enable()


@pytest.fixture
def backend() -> Iterator[MemoryKeyring]:
    """keyring's default backend, in memory for the test (the real Secret Service is elsewhere)."""
    with memory_keyring() as keyring_backend:
        yield keyring_backend


# Servers ---------------------------------------------------------------------


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
    """Each of the three servers in turn: switcher on SQLite and PostgreSQL, better-auth."""
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


@pytest.fixture
def server(servers: Servers) -> Target:
    """switcher's own server (SQLite, on a thread of this process) with default options."""
    return servers.get(SWITCHER, Options())


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        callspec = getattr(item, "callspec", None)
        param = callspec.params.get("kind") if callspec else None
        if param == BETTER_AUTH:
            item.add_marker(pytest.mark.peer)
        elif param == SWITCHER_POSTGRES:
            item.add_marker(pytest.mark.postgres)


@pytest.fixture(scope="module")
def mail_log(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Where a module's peers write the emails they send (their ``mail_log`` flag)."""
    return tmp_path_factory.mktemp("mail") / "sent.jsonl"


# The keyring and the command line ----------------------------------------------


@pytest.fixture(scope="module")
def secret_service() -> Iterator[SecretService]:
    """A real gnome-keyring on a private D-Bus bus, shared by one test module."""
    with running_secret_service() as service:
        yield service


@pytest.fixture
def own_secret_service() -> Iterator[SecretService]:
    """A real gnome-keyring for this test alone (it may lock, stop or break it)."""
    with running_secret_service() as service:
        yield service


@pytest.fixture
def cli(secret_service: SecretService, tmp_path: Path) -> Cli:
    """``python -m switcher`` in a child process, with the real Secret Service."""
    return Cli.subprocess(tmp_path, secret_service.child_env())


@pytest.fixture
def cli_here(tmp_path: Path, backend: MemoryKeyring) -> Cli:
    """``switcher.main.main`` in this process, with the in-memory keyring."""
    return Cli.in_process(tmp_path)


# The tray app's controller -------------------------------------------------------


@pytest.fixture
def make_controller(
    tmp_path: Path, backend: MemoryKeyring, server: Target
) -> Iterator[Callable[..., Controller]]:
    """``make_controller(url=None, timeout=10)``: a Controller over a new vault on ``server``."""
    made: list[Controller] = []

    def make(url: str | None = None, timeout: float = 10) -> Controller:
        service = Accounts(
            Vault(tmp_path / f"config{len(made)}", KeyringSecrets()), timeout=timeout
        )
        service.add_server(url or server.base_url, name="test")
        service.use_server("test")
        made.append(Controller(service))
        return made[-1]

    yield make
    for controller in made:
        controller.shutdown()


# Browser profiles and real browsers ------------------------------------------------


@pytest.fixture(scope="module")
def firefox_bin() -> str:
    """The firefox-esr executable (missing: skipped, or failed under CI=true)."""
    binary = firefox_binary()
    if binary is None:
        missing("firefox-esr", "apt-get install -y --no-install-recommends firefox-esr")
    return binary


@pytest.fixture
def served(tmp_path: Path) -> Iterator[Served]:
    """switcher's server over HTTP on 127.0.0.1, recording each request's cookies."""
    with recording_switcher(served_config(tmp_path)) as server:
        yield server


@pytest.fixture
def chromium_profile(tmp_path: Path) -> Path:
    """A Chromium profile dir (``User Data/Default``) with an empty meta-version-24
    cookie DB, as Chromium makes it."""
    path = tmp_path / "User Data" / "Default"
    path.mkdir(parents=True)
    create_cookie_db(path / "Cookies")
    return path
