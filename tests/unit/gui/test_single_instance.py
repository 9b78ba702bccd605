"""One app per user: a second launch asks the running app to show its window instead."""

from __future__ import annotations

import threading
import uuid
from pathlib import Path

from pytestqt.qtbot import QtBot

from switcher.app_channel import InstanceLock
from switcher.gui.single_instance import InstanceServer, ask_running_instance_to_show


def test_a_second_launch_reaches_the_first(qtbot: QtBot, tmp_path: Path) -> None:
    name = str(tmp_path / f"{uuid.uuid4().hex[:8]}.sock")
    assert ask_running_instance_to_show(name) is False
    server = InstanceServer(name)
    answered: list[bool] = []
    try:
        with qtbot.waitSignal(server.show_requested, timeout=3000):
            # The asker blocks for the answer, so it runs off this (the app's) thread.
            asker = threading.Thread(
                target=lambda: answered.append(ask_running_instance_to_show(name))
            )
            asker.start()
        qtbot.waitUntil(lambda: bool(answered), timeout=3000)
        asker.join()
        assert answered == [True]
    finally:
        server.close()
    assert ask_running_instance_to_show(name) is False


def test_the_instance_lock_admits_one_holder(tmp_path: Path) -> None:
    first, second = InstanceLock(tmp_path / "app.lock"), InstanceLock(tmp_path / "app.lock")
    assert first.try_acquire()
    assert not second.try_acquire()
    first.release()
    assert second.try_acquire()
    second.release()
