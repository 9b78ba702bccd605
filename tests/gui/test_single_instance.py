"""A second launch asks the running app to show its window instead of starting again."""

from __future__ import annotations

import uuid

from pytestqt.qtbot import QtBot

from switcher.gui.single_instance import InstanceServer, ask_running_instance_to_show


def test_a_second_launch_reaches_the_first(qtbot: QtBot) -> None:
    name = f"switcher-test-{uuid.uuid4().hex[:8]}"
    assert ask_running_instance_to_show(name) is False
    server = InstanceServer(name)
    try:
        with qtbot.waitSignal(server.show_requested, timeout=3000):
            assert ask_running_instance_to_show(name) is True
    finally:
        server.close()
    assert ask_running_instance_to_show(name) is False
