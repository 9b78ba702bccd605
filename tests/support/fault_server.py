"""A tiny misbehaving HTTP server for client fault tests.

``FaultServer`` listens on 127.0.0.1 (a free port), reads each request's head
(and its ``Content-Length`` body), records it, and answers with canned raw
bytes; an answer of ``None`` means "say nothing and hold the connection open".
Answers are used in order, the last one repeating. Leaving the ``with`` block
closes the listener and every connection and joins every thread.

``refused_port()`` yields a port that refuses connections: it is bound but
not listening, so nobody can take it while the test runs.
"""

from __future__ import annotations

import socket
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from types import TracebackType

_POLL = 0.05


def http_response(
    status: int,
    body: bytes = b"",
    content_type: str | None = "application/json",
    headers: Sequence[tuple[str, str]] = (),
    reason: str = "Whatever",
) -> bytes:
    """Raw HTTP/1.1 response bytes that close the connection after the body."""
    lines = [f"HTTP/1.1 {status} {reason}"]
    if content_type is not None:
        lines.append(f"Content-Type: {content_type}")
    lines.extend(f"{name}: {value}" for name, value in headers)
    lines.append(f"Content-Length: {len(body)}")
    lines.append("Connection: close")
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body


@dataclass(frozen=True)
class Request:
    """One request as received: request line, headers (lower-cased names), body."""

    method: str
    path: str
    headers: list[tuple[str, str]]
    body: bytes

    def header(self, name: str) -> list[str]:
        return [value for key, value in self.headers if key == name.lower()]


def _parse_head(head: bytes) -> tuple[str, str, list[tuple[str, str]]]:
    request_line, *lines = head.decode("latin-1").split("\r\n")
    method, path, _ = request_line.split(" ", 2)
    headers = []
    for line in lines:
        name, _, value = line.partition(":")
        headers.append((name.strip().lower(), value.strip()))
    return method, path, headers


class FaultServer:
    def __init__(self, *answers: bytes | None) -> None:
        if not answers:
            raise ValueError("give at least one answer")
        self._answers = list(answers)
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._threads: list[threading.Thread] = []
        self._connections: list[socket.socket] = []
        self.requests: list[Request] = []
        self._listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._listener.bind(("127.0.0.1", 0))
        self._listener.listen(16)
        self._listener.settimeout(_POLL)
        self.port: int = self._listener.getsockname()[1]
        self.base_url = f"http://127.0.0.1:{self.port}"

    def __enter__(self) -> FaultServer:
        self._start(self._accept_loop)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        self._stop.set()
        for thread in list(self._threads):
            thread.join(timeout=5)
        self._listener.close()
        with self._lock:
            for connection in self._connections:
                connection.close()
            self._connections.clear()

    def _start(self, target: Callable[..., None], *args: object) -> None:
        thread = threading.Thread(target=target, args=args, daemon=True)
        with self._lock:
            self._threads.append(thread)
        thread.start()

    def _accept_loop(self) -> None:
        count = 0
        while not self._stop.is_set():
            try:
                connection, _ = self._listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            answer = self._answers[min(count, len(self._answers) - 1)]
            count += 1
            connection.settimeout(_POLL)
            with self._lock:
                self._connections.append(connection)
            self._start(self._serve, connection, answer)

    def _read_request(self, connection: socket.socket) -> Request | None:
        data = b""
        while b"\r\n\r\n" not in data:
            chunk = self._receive(connection)
            if not chunk:
                return None
            data += chunk
        head, _, body = data.partition(b"\r\n\r\n")
        method, path, headers = _parse_head(head)
        length = next((int(v) for k, v in headers if k == "content-length"), 0)
        while len(body) < length:
            chunk = self._receive(connection)
            if not chunk:
                break
            body += chunk
        return Request(method, path, headers, body)

    def _receive(self, connection: socket.socket) -> bytes:
        while not self._stop.is_set():
            try:
                return connection.recv(65536)
            except TimeoutError:
                continue
            except OSError:
                return b""
        return b""

    def _serve(self, connection: socket.socket, answer: bytes | None) -> None:
        request = self._read_request(connection)
        if request is None:
            return
        with self._lock:
            self.requests.append(request)
        if answer is None:
            self._stop.wait()  # hold the connection open, silent, until the server closes
            return
        try:
            connection.sendall(answer)
            connection.shutdown(socket.SHUT_WR)
        except OSError:
            return


@contextmanager
def refused_port() -> Iterator[int]:
    """A 127.0.0.1 port that refuses connections (bound, never listening)."""
    holder = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        holder.bind(("127.0.0.1", 0))
        yield holder.getsockname()[1]
    finally:
        holder.close()
