"""Headers that are too many, too large or too slow, over real sockets.

better-auth runs on Node, whose HTTP server refuses more than 16 KiB of
headers with 431; switcher's servers do the same (with a JSON body). A
client that trickles its headers is cut off after HEADERS_TIMEOUT (Node's
own deadline is 60 s, so that test runs against switcher only).
"""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from urllib.parse import urlsplit

import httpx

from switcher.server.http_limits import BODY_TIMEOUT, HEADERS_TIMEOUT
from tests.support.targets import Target


def _address(target: Target) -> tuple[str, int]:
    parts = urlsplit(target.base_url)
    assert parts.hostname is not None and parts.port is not None
    return parts.hostname, parts.port


def _raw_exchange(target: Target, request: bytes) -> tuple[bytes, float]:
    """What the server answers to ``request`` (sent whole, as fast as it takes it), and when."""
    began = time.monotonic()
    with socket.create_connection(_address(target), timeout=10) as sock:
        sender = threading.Thread(target=_send_ignoring_resets, args=(sock, request))
        sender.start()
        answer = b""
        try:
            while chunk := sock.recv(65536):
                answer += chunk
        except ConnectionResetError:
            pass  # it answered, then reset the rest of what was being sent
        took = time.monotonic() - began
        with contextlib.suppress(OSError):  # closed by the server already
            sock.shutdown(socket.SHUT_RDWR)
        sender.join(10)
    return answer, took


def _send_ignoring_resets(sock: socket.socket, data: bytes) -> None:
    # The server may answer and close before reading it all: that is the point.
    with contextlib.suppress(OSError):
        sock.sendall(data)


def _ok_within_a_second(target: Target) -> None:
    began = time.monotonic()
    answer = httpx.get(f"{target.base_url}/api/auth/ok", timeout=5)
    assert (answer.status_code, answer.json()) == (200, {"ok": True})
    assert time.monotonic() - began < 1.0


def _one_answer(sock: socket.socket) -> bytes:
    """One whole answer (head and Content-Length body) from a kept-alive connection."""
    answer = b""
    while b"\r\n\r\n" not in answer:
        answer += sock.recv(65536)
    head, _, body = answer.partition(b"\r\n\r\n")
    length = next(
        int(line.split(b":", 1)[1])
        for line in head.split(b"\r\n")
        if line.lower().startswith(b"content-length:")
    )
    while len(body) < length:
        body += sock.recv(65536)
    return answer


def _status(answer: bytes) -> int:
    return int(answer.split(b" ", 2)[1])


def test_two_hundred_thousand_header_lines_are_refused_at_once(target: Target) -> None:
    lines = b"X-A: v\r\n" * 200_000
    request = (
        b"GET " + _path(target) + b" HTTP/1.1\r\nHost: " + _host(target) + b"\r\n" + lines + b"\r\n"
    )
    answered: list[tuple[bytes, float]] = []
    flood = threading.Thread(target=lambda: answered.append(_raw_exchange(target, request)))
    flood.start()
    _ok_within_a_second(target)  # nobody else waits for it meanwhile
    flood.join(30)
    answer, took = answered[0]
    assert _status(answer) == 431 and took < 1.0
    _ok_within_a_second(target)


def test_one_header_of_a_megabyte_is_refused_at_once(target: Target) -> None:
    request = (
        b"GET " + _path(target) + b" HTTP/1.1\r\nHost: " + _host(target) + b"\r\n"
        b"X-Big: " + b"v" * 1_000_000 + b"\r\n\r\n"
    )
    answer, took = _raw_exchange(target, request)
    assert _status(answer) == 431 and took < 1.0
    _ok_within_a_second(target)


def test_headers_just_under_the_limit_are_served(target: Target) -> None:
    answer = httpx.get(f"{target.base_url}/api/auth/ok", headers={"X-Pad": "p" * 15_000}, timeout=5)
    assert answer.status_code == 200


def _host(target: Target) -> bytes:
    return urlsplit(target.base_url).netloc.encode()


def _path(target: Target) -> bytes:
    return (urlsplit(target.base_url).path + "/api/auth/ok").encode()


@contextmanager
def _trickling(server: Target, count: int) -> Iterator[list[socket.socket]]:
    """``count`` connections that have sent part of a request's headers, and then nothing."""
    opened = []
    try:
        for _ in range(count):
            sock = socket.create_connection(_address(server), timeout=HEADERS_TIMEOUT * 3)
            sock.sendall(
                b"GET " + _path(server) + b" HTTP/1.1\r\nHost: " + _host(server) + b"\r\nX-Slow: "
            )
            opened.append(sock)
        yield opened
    finally:
        for sock in opened:
            sock.close()


def test_slow_headers_are_cut_off_and_keep_nobody_else_waiting(server: Target) -> None:
    with _trickling(server, 200) as slow:
        _ok_within_a_second(server)
        began = time.monotonic()
        for sock in slow:
            answer = sock.recv(4096)  # blocks until the server gives up on it
            assert _status(answer) == 408
            assert sock.recv(4096) == b""  # and closes
        waited = time.monotonic() - began
    # Each was cut off at its deadline (they all started within this test's first second).
    assert HEADERS_TIMEOUT - 2 < waited < HEADERS_TIMEOUT + 3


def test_a_kept_alive_connection_gets_the_same_deadline_for_its_next_request(
    server: Target,
) -> None:
    with socket.create_connection(_address(server), timeout=HEADERS_TIMEOUT * 3) as sock:
        sock.sendall(b"GET " + _path(server) + b" HTTP/1.1\r\nHost: " + _host(server) + b"\r\n\r\n")
        assert _status(_one_answer(sock)) == 200
        sock.sendall(b"GET " + _path(server) + b" HTTP/1.1\r\nHost: " + _host(server) + b"\r\nX-Sl")
        began = time.monotonic()
        second = sock.recv(65536)
        assert _status(second) == 408
        assert HEADERS_TIMEOUT - 1 < time.monotonic() - began < HEADERS_TIMEOUT + 3


def test_a_stalled_body_is_cut_off_too(server: Target) -> None:
    """Headers in whole, then one byte of a declared thousand, then nothing."""
    with socket.create_connection(_address(server), timeout=BODY_TIMEOUT * 3) as sock:
        sock.sendall(
            b"POST " + _path(server).replace(b"/ok", b"/sign-in/email") + b" HTTP/1.1\r\n"
            b"Host: " + _host(server) + b"\r\nContent-Type: application/json\r\n"
            b"Content-Length: 1000\r\n\r\n{"
        )
        began = time.monotonic()
        _ok_within_a_second(server)  # meanwhile, nobody waits for it
        answer = sock.recv(65536)
        assert _status(answer) == 408
        assert BODY_TIMEOUT - 2 < time.monotonic() - began < BODY_TIMEOUT + 3


def test_a_refused_body_ends_the_connection_unread(server: Target) -> None:
    declared = 50 * 1024 * 1024
    with socket.create_connection(_address(server), timeout=10) as sock:
        sock.sendall(
            b"POST " + _path(server).replace(b"/ok", b"/sign-in/email") + b" HTTP/1.1\r\n"
            b"Host: " + _host(server) + b"\r\nContent-Type: application/json\r\n"
            b"Content-Length: " + str(declared).encode() + b"\r\n\r\n" + b"x" * 65536
        )
        answer = _one_answer(sock)
        assert _status(answer) == 413 and b"connection: close" in answer.lower()
        # Closed: what more it sends is refused, not read to the end.
        with contextlib.suppress(OSError):
            for _ in range(200):
                sock.sendall(b"x" * 65536)
        try:
            rest = sock.recv(65536)
        except ConnectionResetError:
            rest = b""  # closed with our bytes unread: a reset says so too
        assert rest == b""
