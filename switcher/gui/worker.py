"""One background thread that runs every accounts-service call, in order.

The service is not thread-safe and its calls may block on the network or the
keyring, so they are queued to a single daemon thread; results come back to
the UI thread as queued Qt signals. A daemon thread, not a thread pool: when
the person quits while a request hangs, the process must not wait for it.
"""

from __future__ import annotations

import itertools
import logging
import queue
import threading
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, Signal

log = logging.getLogger("switcher.gui")

_STOP = object()


class Worker(QObject):
    # Signals carry only plain values across threads; results wait in
    # ``take()``. (Python objects in queued signals crashed PySide6 6.12 with
    # a reference-count error under load.)
    done = Signal(int, str)  # job id, what
    failed = Signal(int, str, str)  # job id, what, one-line message

    def __init__(self, expected: tuple[type[BaseException], ...]) -> None:
        super().__init__()
        self._expected = expected  # failures a person caused or can fix
        self._jobs: queue.Queue[Any] = queue.Queue()
        self._results: dict[int, Any] = {}
        self._lock = threading.Lock()
        self._ids = itertools.count(1)
        self._thread = threading.Thread(target=self._run, name="switcher-worker", daemon=True)
        self._thread.start()

    def submit(self, what: str, call: Callable[[], Any]) -> int:
        job = next(self._ids)
        self._jobs.put((job, what, call))
        return job

    def take(self, job: int) -> Any:
        """The result of a finished job (once)."""
        with self._lock:
            return self._results.pop(job, None)

    def stop(self) -> None:
        """Finish after the current job; never waits for it."""
        self._jobs.put(_STOP)

    def _run(self) -> None:
        while True:
            item = self._jobs.get()
            if item is _STOP:
                return
            job, what, call = item
            try:
                result = call()
            except self._expected as error:
                # Shown to the person already (a notification, the dialog); INFO
                # because an offline laptop fails its refresh every minute.
                log.info("%s failed: %s", what, error)
                self.failed.emit(job, what, str(error))
            except Exception as error:  # a bug: keep the app alive, say so, log it
                # The traceback goes to the log file; the terminal gets one line (-v: all).
                log.exception("%s failed", what)
                self.failed.emit(job, what, f"unexpected error: {type(error).__name__}")
            else:
                with self._lock:
                    self._results[job] = result
                self.done.emit(job, what)
