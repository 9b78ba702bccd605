"""One overall deadline per request: connect, send, the answer's head and its body.

httpx's timeouts are per operation, and every byte that arrives restarts the
read timeout: a server that sends one byte every 2 s holds a request forever.
So each request gets a ``Deadline``. Its httpx timeouts are set to the whole
budget (which bounds the connect and any single wait), and a watchdog timer
shuts the connection's socket down when the deadline passes: whatever read or
write is blocked on it then returns at once, and the client reports a timeout.

httpcore's ``trace`` request extension hands us each new connection's network
stream (``connection.connect_tcp.complete``, ``connection.start_tls.complete``,
``proxy.start_tls.complete`` through a proxy's tunnel), and the stream gives
its socket. A request on a reused keep-alive connection makes no new one, so
the sockets are kept per client (``Sockets``) and the watchdog shuts down all
that are still open: the client is used by one thread at a time, so the only
busy one is this request's, and an idle one that is cut is dropped by the pool
as a dead connection.

During a TLS handshake the plain socket has already been handed to ssl and
the TLS socket is not reported until the handshake is done, so the watchdog
cannot cut a handshake; ssl bounds it by the connect timeout instead, which
the client sets to half the budget (see ``AuthClient._request``).

Transports without sockets (the bundled server, in process) get no watchdog;
they are asked to honour the per-request timeouts instead.

One watchdog thread serves every deadline in the process: a thread per request
(``threading.Timer``) cost 0.2-0.4 ms per request on loopback, about as much as
the request itself.
"""

from __future__ import annotations

import heapq
import itertools
import os
import socket
import threading
import time
from collections.abc import Mapping
from types import TracebackType
from typing import Any


class Sockets:
    """The sockets of one client's connections, as httpcore's trace reported them."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._sockets: list[socket.socket] = []

    def add(self, sock: socket.socket) -> None:
        with self._lock:
            self._prune()
            self._sockets.append(sock)

    def any_open(self) -> bool:
        with self._lock:
            self._prune()
            return bool(self._sockets)

    def shut_down(self) -> None:
        """End every transfer on them now; httpcore closes them as it unwinds."""
        with self._lock:
            self._prune()
            for sock in self._sockets:
                try:
                    # socket.socket's own shutdown, not ssl.SSLSocket's: that one also
                    # drops the TLS object under the feet of the thread reading with it.
                    socket.socket.shutdown(sock, socket.SHUT_RDWR)
                except OSError:  # closed or never connected meanwhile: nothing to end
                    continue

    def _prune(self) -> None:
        # A closed socket has fileno -1; so has the plain socket a TLS socket replaced.
        self._sockets = [sock for sock in self._sockets if sock.fileno() != -1]


class Deadline:
    """One request's time budget, enforced on its connection's socket by a watchdog.

    Use as a context manager around sending the request and reading the answer;
    pass ``trace`` as the request's ``trace`` extension. ``fired`` says the
    watchdog cut the connection: whatever httpx reports then (an error, or for an
    answer without a length, a short body) is a timeout.
    """

    def __init__(self, seconds: float, sockets: Sockets) -> None:
        self.seconds = seconds
        self._expires = time.monotonic() + seconds
        self._sockets = sockets
        self._lock = threading.Lock()
        self._armed = False
        self._stopped = False
        self.fired = False

    def remaining(self) -> float:
        return max(0.0, self._expires - time.monotonic())

    def trace(self, event: str, info: Mapping[str, Any]) -> None:
        """httpcore's trace hook: note each new connection's socket and watch it."""
        if not event.endswith(".complete"):
            return
        get_extra_info = getattr(info.get("return_value"), "get_extra_info", None)
        if get_extra_info is None:
            return
        sock = get_extra_info("socket")
        if isinstance(sock, socket.socket):
            self._sockets.add(sock)
            self._arm()

    def stop(self) -> None:
        """No cutting from here on (call before the answer is closed: closing a socket
        frees its number for the next one opened, and that one is not ours)."""
        with self._lock:
            self._stopped = True  # the watchdog skips it when it comes due

    def __enter__(self) -> Deadline:
        if self._sockets.any_open():  # a keep-alive connection may carry this request
            self._arm()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def _arm(self) -> None:
        with self._lock:
            if self._armed or self._stopped:
                return
            self._armed = True
        _WATCHDOG.watch(self._expires, self)

    def _fire(self) -> None:
        with self._lock:
            if self._stopped:
                return
            self.fired = True
            self._sockets.shut_down()


class _Watchdog:
    """One thread that fires each armed deadline when it comes due.

    A stopped deadline stays queued until its time and is then skipped: taking it
    out would cost a search on every request, leaving it costs one small tuple.
    """

    def __init__(self) -> None:
        self._wake = threading.Condition()
        self._queue: list[tuple[float, int, Deadline]] = []
        self._order = itertools.count()  # ties never compare two Deadlines
        self._thread: threading.Thread | None = None

    def watch(self, when: float, deadline: Deadline) -> None:
        with self._wake:
            heapq.heappush(self._queue, (when, next(self._order), deadline))
            if self._thread is None:
                # A daemon: a pending deadline must never keep the app from exiting.
                self._thread = threading.Thread(
                    target=self._run, name="switcher-deadlines", daemon=True
                )
                self._thread.start()
            elif self._queue[0][2] is deadline:  # sooner than what it sleeps towards
                self._wake.notify()

    def _run(self) -> None:
        while True:
            with self._wake:
                now = time.monotonic()
                while not self._queue or self._queue[0][0] > now:
                    self._wake.wait(self._queue[0][0] - now if self._queue else None)
                    now = time.monotonic()
                due = []
                while self._queue and self._queue[0][0] <= now:
                    due.append(heapq.heappop(self._queue)[2])
            for deadline in due:  # outside the queue's lock: firing takes the deadline's
                deadline._fire()

    def forget_thread(self) -> None:
        """In a forked child: the parent's thread is not there, start a new one when needed."""
        self._wake = threading.Condition()
        self._queue.clear()
        self._thread = None


_WATCHDOG = _Watchdog()
if hasattr(os, "register_at_fork"):  # not on Windows, which does not fork
    os.register_at_fork(after_in_child=_WATCHDOG.forget_thread)
