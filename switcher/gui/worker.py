"""Background threads that run the accounts service's calls: one per lane, in order.

Calls may block on the network or the keyring, so they never run on the UI
thread; results come back as queued Qt signals. Each server is its own lane:
a server that hangs (until its request's deadline) delays only its own
queue, never a switch on another server. Daemon threads, not a pool: when the
person quits while a request hangs, the process must not wait for it.
"""

from __future__ import annotations

import itertools
import logging
import queue
import threading
from collections.abc import Callable
from typing import Any

import shiboken6
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
        self._lanes: dict[str, queue.Queue[Any]] = {}
        self._results: dict[int, Any] = {}
        self._lock = threading.Lock()
        self._ids = itertools.count(1)
        self._stopped = False

    def submit(self, what: str, call: Callable[[], Any], lane: str = "") -> int:
        job = next(self._ids)
        with self._lock:
            if self._stopped:
                return job  # quitting: nothing new starts
            jobs = self._lanes.get(lane)
            if jobs is None:
                jobs = self._lanes[lane] = queue.Queue()
                thread = threading.Thread(
                    target=self._run, args=(jobs,), name=f"switcher-worker-{lane}", daemon=True
                )
                thread.start()
        jobs.put((job, what, call))
        return job

    def take(self, job: int) -> Any:
        """The result of a finished job (once); of a failed one, its expected error."""
        with self._lock:
            return self._results.pop(job, None)

    def stop(self) -> None:
        """Finish each lane after its current job; never waits for them."""
        with self._lock:
            self._stopped = True
            for jobs in self._lanes.values():
                jobs.put(_STOP)

    def _run(self, jobs: queue.Queue[Any]) -> None:
        while True:
            item = jobs.get()
            if item is _STOP:
                return
            job, what, call = item
            try:
                result = call()
            except self._expected as error:
                # Shown to the person already (a notification, the dialog); INFO
                # because an offline laptop fails its refresh every minute.
                log.info("%s failed: %s", what, error)
                with self._lock:
                    self._results[job] = error  # for a dialog that answers by its type
                self._tell(self.failed, job, what, str(error))
            except Exception as error:  # a bug: keep the app alive, say so, log it
                # The traceback goes to the log file; the terminal gets one line (-v: all).
                log.exception("%s failed", what)
                self._tell(self.failed, job, what, f"unexpected error: {type(error).__name__}")
            else:
                with self._lock:
                    self._results[job] = result
                self._tell(self.done, job, what)

    def _tell(self, signal: Any, *args: object) -> None:
        """Emit, unless the app stopped this worker (a job may outlive it: it is not waited for,
        and emitting from a deleted QObject would crash the process)."""
        with self._lock:
            if self._stopped or not shiboken6.isValid(self):
                return
            signal.emit(*args)
