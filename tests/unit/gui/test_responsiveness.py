"""The UI never waits: a server that accepts but never answers leaves the event loop running."""

from __future__ import annotations

import itertools
import time
from collections.abc import Callable

from PySide6.QtCore import QTimer
from pytestqt.qtbot import QtBot

from switcher.gui.controller import Controller
from switcher.gui.jobs import Job, JobKind
from switcher.gui.tray import Tray
from switcher.protocol.cookie import Cookie
from switcher.vault import Account
from tests.support.fault_server import FaultServer


def test_the_event_loop_keeps_running_while_a_switch_hangs(
    qtbot: QtBot, make_controller: Callable[..., Controller]
) -> None:
    with FaultServer(None) as silent:  # accepts, reads, never answers
        controller = make_controller(silent.base_url, timeout=3)
        service = controller.service
        with service.vault.locked() as index:
            server = index.servers["test"]
            for user in ("a", "b"):
                account = Account(user_id=user, email=f"{user}@example.com")
                server.accounts.append(account)
                name = f"better-auth.session_token_multi-token{user}"
                service.vault.store_cookies(
                    server, account, [Cookie(name, f"token{user}.sig", "127.0.0.1")]
                )
            server.active = "a"
        controller.snapshot = controller.snapshot.of(service.vault.index)
        tray = Tray(controller)

        ticks: list[float] = []
        timer = QTimer()
        timer.timeout.connect(lambda: ticks.append(time.monotonic()))
        timer.start(10)
        controller.switch("b@example.com")
        tray.menu.aboutToShow.emit()
        entry = tray.action_for("b@example.com")
        assert entry is not None
        assert entry.text().endswith("(switching…)")
        qtbot.wait(1000)  # the request is still hanging (timeout 3 s)
        assert controller.is_pending(Job(JobKind.SWITCH, "b@example.com"))
        timer.stop()
        gaps = [later - earlier for earlier, later in itertools.pairwise(ticks)]
        assert len(ticks) > 50
        assert max(gaps) < 0.05, f"the event loop stalled for {max(gaps) * 1000:.0f} ms"
        # The request's deadline (3 s) ends it; the server is then shown offline.
        qtbot.waitUntil(lambda: not controller.pending, timeout=10000)
        assert controller.online is False
        # Quitting while a request hangs does not wait for it.
        controller.switch("b@example.com")
        qtbot.wait(200)
        assert controller.is_pending(Job(JobKind.SWITCH, "b@example.com"))
        started = time.monotonic()
        controller.shutdown()
        assert time.monotonic() - started < 0.1
