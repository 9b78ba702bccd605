"""Every request has one overall deadline, whatever the server does with its bytes.

httpx's own timeouts are per operation: each byte a server sends restarts the
read timeout, so a server that drips a byte every 2 s held a request forever.
These servers are real sockets on 127.0.0.1 (``tests.support.fault_server``);
the deadline is short (3 s) so the tests stay quick, and each fault's drip is
finite, so a client without a deadline gets an answer in the end and the test
fails instead of hanging.
"""

from __future__ import annotations

import contextlib
import ssl
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from switcher.client import AuthClient, CookieJar, ServerTimeoutError
from tests.support.fault_server import (
    FaultServer,
    Line,
    Script,
    chunked,
    drip,
    http_head,
    http_response,
    streamed,
    tls_pair,
)

DEADLINE = 3.0


# How far past the deadline a request may return: the watchdog's wake-up and the
# unwinding of httpx after the socket is shut down take milliseconds; a loaded
# test machine gets the rest.
SLACK = 1.0


SESSION = "better-auth.session_token"


KEEP_ALIVE_NULL = (
    b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 4\r\n\r\nnull"
)


def _jar(base_url: str) -> CookieJar:
    jar = CookieJar()
    assert jar.store(base_url + "/api/auth/sign-in/email", f"{SESSION}=abc.def; Path=/") is None
    return jar


def _times_out(
    base_url: str,
    *,
    ca_bundle: str | None = None,
    before: Callable[[AuthClient], object] | None = None,
    earliest: float = DEADLINE,
) -> float:
    """Ask ``base_url`` for the session; it must fail as a timeout, on time, changing nothing."""
    jar = _jar(base_url)
    stored = list(jar)
    with AuthClient(base_url, jar, timeout=DEADLINE, ca_bundle=ca_bundle) as client:
        if before is not None:
            before(client)
        started = time.monotonic()
        with pytest.raises(ServerTimeoutError) as caught:
            client.get_session()
        elapsed = time.monotonic() - started
    assert str(caught.value) == f"{base_url} did not answer within 3 s"
    assert list(jar) == stored
    assert earliest - 0.05 <= elapsed < DEADLINE + SLACK, elapsed
    return elapsed


def test_a_server_that_accepts_and_never_answers_times_out_at_the_deadline() -> None:
    with FaultServer(None) as server:
        _times_out(server.base_url)
        assert len(server.requests) == 1  # connected and asked: the wait was for the answer


def test_a_status_line_dripped_a_byte_every_2_s_times_out_at_the_deadline() -> None:
    with FaultServer(drip(http_response(200, b"null"), every=2.0)) as server:
        _times_out(server.base_url)


BODY_FRAMINGS: dict[str, Callable[[list[bytes]], Script]] = {
    "content-length": lambda body: streamed(
        http_head(200, [("Content-Length", str(sum(map(len, body))))]), body, every=2.0
    ),
    "chunked": lambda body: streamed(
        http_head(200, [("Transfer-Encoding", "chunked")]), chunked(body), every=2.0
    ),
    # No length: the body ends when the server closes. Shutting the socket down at
    # the deadline looks like that end to httpx, so it must not pass for an answer.
    "until-close": lambda body: streamed(http_head(200), body, every=2.0),
}


@pytest.mark.parametrize("framing", BODY_FRAMINGS)
def test_a_body_dripped_a_byte_every_2_s_times_out_at_the_deadline(framing: str) -> None:
    body = [b"n", b"u", b"l", b"l"]
    with FaultServer(BODY_FRAMINGS[framing](body)) as server:
        _times_out(server.base_url)


def test_a_slow_but_steady_answer_is_cut_at_the_deadline() -> None:
    # 100 KiB at 20 KiB/s: never a pause long enough for a per-read timeout.
    body = [b" " * 1024] * 99 + [b"null".ljust(1024)]
    head = http_head(200, [("Content-Length", str(len(body) * 1024))])
    with FaultServer(streamed(head, body, every=0.05)) as server:
        _times_out(server.base_url)


def test_a_slow_but_steady_answer_inside_the_deadline_is_read() -> None:
    body = [b" " * 1024] * 19 + [b"null".ljust(1024)]
    head = http_head(200, [("Content-Length", str(len(body) * 1024))])
    with (
        FaultServer(streamed(head, body, every=0.05)) as server,
        AuthClient(server.base_url, timeout=DEADLINE) as client,
    ):
        assert client.get_session() is None


def test_a_reused_connection_that_starts_dripping_times_out_at_the_deadline() -> None:
    """A keep-alive connection reports no new socket; the deadline still finds it."""

    def keep_alive_then_drip(line: Line) -> None:
        if line.send(KEEP_ALIVE_NULL) and line.read_request() is not None:
            drip(http_response(200, b"null"), every=2.0)(line)

    with FaultServer(keep_alive_then_drip) as server:

        def first(client: AuthClient) -> None:
            assert client.get_session() is None

        _times_out(server.base_url, before=first)
        assert len(server.lines) == 1  # both requests went over one connection


def test_a_tls_server_dripping_its_answer_times_out_at_the_deadline(tmp_path: Path) -> None:
    context, ca_file = tls_pair(tmp_path)
    with FaultServer(drip(http_response(200, b"null"), every=2.0), tls=context) as server:
        assert server.base_url.startswith("https://")
        _times_out(server.base_url, ca_bundle=str(ca_file))


def test_a_tls_handshake_dripped_a_byte_every_2_s_times_out_at_the_deadline(
    tmp_path: Path,
) -> None:
    context, ca_file = tls_pair(tmp_path)

    def slow_server_hello(line: Line) -> None:
        incoming, outgoing = ssl.MemoryBIO(), ssl.MemoryBIO()
        tls = context.wrap_bio(incoming, outgoing, server_side=True)
        incoming.write(line.receive())  # the client's hello
        with contextlib.suppress(ssl.SSLWantReadError):
            tls.do_handshake()
        drip(outgoing.read(), every=2.0)(line)

    with FaultServer(slow_server_hello, raw=True) as server:
        # Connecting and the handshake get half the budget each (see AuthClient._request).
        _times_out(
            f"https://127.0.0.1:{server.port}", ca_bundle=str(ca_file), earliest=DEADLINE / 2
        )


def test_a_tls_server_answering_in_time_works_with_its_ca_bundle(tmp_path: Path) -> None:
    context, ca_file = tls_pair(tmp_path)
    with (
        FaultServer(http_response(200, b"null"), tls=context) as server,
        AuthClient(server.base_url, timeout=DEADLINE, ca_bundle=str(ca_file)) as client,
    ):
        assert client.get_session() is None


@pytest.fixture
def no_proxy_exceptions(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    for name in ("NO_PROXY", "no_proxy", "ALL_PROXY", "all_proxy"):
        monkeypatch.delenv(name, raising=False)
    return monkeypatch


def test_the_deadline_holds_through_an_http_proxy(no_proxy_exceptions: pytest.MonkeyPatch) -> None:
    with FaultServer(drip(http_response(200, b"null"), every=2.0)) as proxy:
        no_proxy_exceptions.setenv("HTTP_PROXY", proxy.base_url)
        no_proxy_exceptions.delenv("http_proxy", raising=False)
        # The site's name never resolves: only the proxy can have answered.
        _times_out("http://site.invalid")
        (request,) = proxy.requests
        assert request.path == "http://site.invalid/api/auth/get-session"


def test_the_deadline_holds_through_an_https_proxy_tunnel(
    tmp_path: Path, no_proxy_exceptions: pytest.MonkeyPatch
) -> None:
    """CONNECT, then TLS to the site inside the tunnel, then a drip."""
    context, ca_file = tls_pair(tmp_path)

    def tunnel(line: Line) -> None:
        if not line.send(b"HTTP/1.1 200 Connection established\r\n\r\n"):
            return
        if line.start_tls(context) and line.read_request() is not None:
            drip(http_response(200, b"null"), every=2.0)(line)

    with FaultServer(tunnel) as proxy:
        no_proxy_exceptions.setenv("HTTPS_PROXY", proxy.base_url)
        no_proxy_exceptions.delenv("https_proxy", raising=False)
        _times_out("https://127.0.0.1:9", ca_bundle=str(ca_file))
        (connect,) = proxy.requests
        assert (connect.method, connect.path) == ("CONNECT", "127.0.0.1:9")
