"""Widget tests run offscreen, with an in-memory keyring, against switcher's server."""

from __future__ import annotations

import gc
import os
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

# Before any QApplication exists: no display needed, and no warning about a
# missing runtime directory (qt_log_level_fail turns warnings into failures).
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
if not os.environ.get("XDG_RUNTIME_DIR"):
    _runtime = tempfile.mkdtemp(prefix="switcher-xdg-runtime-")
    os.chmod(_runtime, 0o700)
    os.environ["XDG_RUNTIME_DIR"] = _runtime

from pytestqt.qtbot import QtBot

from switcher.accounts import Accounts
from switcher.gui.controller import Controller
from switcher.secrets import KeyringSecrets
from switcher.vault import Vault
from tests.support.memory_keyring import MemoryKeyring
from tests.support.targets import SWITCHER, Options, Servers, Target

# The offscreen platform cannot do these; harmless, and only there.
OFFSCREEN_NOTES = (
    "This plugin does not support propagateSizeHints()",
    "This plugin does not support raise()",
)


@pytest.fixture(autouse=True)
def collect_on_this_thread() -> Iterator[None]:
    """Free a test's Qt objects in reference cycles here, on the UI thread.

    Left to Python, a cycle is collected on whichever thread allocates next (a
    worker lane, a channel client), and Qt objects deleted there corrupt memory.
    The app collects on its UI thread only (``gui.main_thread_gc``); a test
    does the same: no automatic collection while it runs, one at its end.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        gc.collect()
        if was_enabled:
            gc.enable()


@pytest.fixture
def server(servers: Servers) -> Target:
    return servers.get(SWITCHER, Options())


@pytest.fixture
def make_controller(
    tmp_path: Path, backend: MemoryKeyring, server: Target
) -> Iterator[Callable[..., Controller]]:
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


def wait_job(
    qtbot: QtBot, controller: Controller, job: int, timeout: int = 20000
) -> tuple[bool, str]:
    """Block (running the event loop) until ``job`` finishes; its (ok, message)."""
    result: list[tuple[bool, str]] = []

    def record(finished: int, ok: bool, message: str) -> None:
        if finished == job:
            result.append((ok, message))

    controller.finished.connect(record)
    qtbot.waitUntil(lambda: bool(result), timeout=timeout)
    controller.finished.disconnect(record)
    return result[0]


def add_account(qtbot: QtBot, controller: Controller, label: str) -> str:
    """Sign a new account up through the controller (as the dialog does); its email."""
    from tests.support.targets import PASSWORD, unique_email

    email = unique_email(label)
    ok, message = wait_job(
        qtbot,
        controller,
        controller.add(email, PASSWORD, sign_up=True, name=label.title(), remember=True),
    )
    assert ok, message
    return email
