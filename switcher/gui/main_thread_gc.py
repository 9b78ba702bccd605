"""Python's cyclic garbage collection, run on the UI thread only.

Python collects reference cycles in whichever thread happens to allocate when
a threshold is crossed: in this app, often a worker thread. A Qt object in
such a cycle (a dialog whose slots refer back to it, a finished socket) is
then deleted on that thread, which Qt does not allow; the test suite showed
it as heap corruption, a crash now and then. So automatic collection is off
while the app runs, and the UI thread collects on a timer, by the same
thresholds Python would use.
"""

from __future__ import annotations

import gc

from PySide6.QtCore import QObject, QTimer

INTERVAL_MS = 500


class MainThreadGarbageCollector(QObject):
    def __init__(self, parent: QObject | None = None, interval_ms: int = INTERVAL_MS) -> None:
        super().__init__(parent)
        self._was_enabled = gc.isenabled()
        gc.disable()
        self._timer = QTimer(self)
        self._timer.timeout.connect(self.collect_if_due)
        self._timer.start(interval_ms)

    def collect_if_due(self) -> int:
        """Collect the generations whose thresholds were crossed; returns what was freed."""
        first, second, third = gc.get_threshold()
        young, middle, old = gc.get_count()
        if young <= first:
            return 0
        generation = 2 if old > third else 1 if middle > second else 0
        return gc.collect(generation)

    def stop(self) -> None:
        self._timer.stop()
        if self._was_enabled:
            gc.enable()
