"""The app object: without a system tray the accounts window is the app."""

from __future__ import annotations

from pytestqt.qtbot import QtBot


def test_reference_cycles_are_collected_on_the_ui_thread(qtbot: QtBot) -> None:
    import gc
    import threading
    import weakref

    from switcher.gui.main_thread_gc import MainThreadGarbageCollector

    class Node:
        def __init__(self) -> None:
            self.me = self  # a cycle: only the cyclic collector frees it

    collected_on: list[str] = []
    thresholds = gc.get_threshold()
    collector = MainThreadGarbageCollector(interval_ms=20)
    try:
        assert not gc.isenabled()
        node = Node()
        weakref.finalize(node, lambda: collected_on.append(threading.current_thread().name))
        del node
        gc.set_threshold(1, 10, 10)  # due at the next tick
        for _ in range(5):
            [object() for _ in range(100)]  # allocations that would trigger it anywhere
        qtbot.waitUntil(lambda: bool(collected_on), timeout=2000)
        assert collected_on == [threading.main_thread().name]
    finally:
        gc.set_threshold(*thresholds)
        collector.stop()
