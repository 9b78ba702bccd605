"""An answer's size is capped: a huge one is refused early and never fills memory.

better-auth's answers are small JSON; a server that sends 1 GB (by mistake, or
by being the wrong server) must cost at most the cap in memory, and a
``Content-Length`` over the cap is refused before a byte of the body is read.
Memory is measured in a child process (its own peak RSS), with an address
space limit so that a regression fails there quickly instead of taking the
test machine's memory.
"""

from __future__ import annotations

import gzip
import json
import time
import zlib
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest

from switcher.client import (
    AuthClient,
    BadResponseError,
    CookieJar,
    ResponseTooLargeError,
    ServerTimeoutError,
)
from switcher.client.body import MAX_ANSWER_BYTES
from tests.support.fault_server import (
    GIB,
    Answer,
    FaultServer,
    Line,
    blocks,
    chunked,
    http_head,
    http_response,
    streamed,
    zeros_gzipped,
)

SESSION = "better-auth.session_token"


def _session_answer(size: int) -> tuple[bytes, dict[str, object]]:
    """A get-session answer of exactly ``size`` bytes: the user's picture is a data: URL."""
    user = {"id": "u1", "name": "Alice", "email": "alice@example.com", "image": ""}
    session = {
        "token": "tok",
        "id": "s1",
        "expiresAt": "2030-01-01T00:00:00.000Z",
        "createdAt": "2025-01-01T00:00:00.000Z",
    }
    answer: dict[str, object] = {"session": session, "user": user}
    padding = size - len(json.dumps(answer).encode()) - len("data:image/png;base64,")
    user["image"] = "data:image/png;base64," + "A" * padding
    body = json.dumps(answer).encode()
    assert len(body) == size
    return body, answer


def _framed(body: bytes, framing: str) -> Answer:
    cookie = ("Set-Cookie", f"{SESSION}=fresh.sig; Path=/; HttpOnly")
    pieces = [body[i : i + 65536] for i in range(0, len(body), 65536)]
    if framing == "content-length":
        return http_response(200, body, headers=[cookie])
    if framing == "chunked":
        return streamed(http_head(200, [cookie, ("Transfer-Encoding", "chunked")]), chunked(pieces))
    if framing == "gzip":
        head = http_head(200, [cookie, ("Content-Encoding", "gzip")])
        return streamed(head, [gzip.compress(body)])
    return streamed(http_head(200, [cookie]), pieces)  # until-close


FRAMINGS = ["content-length", "chunked", "until-close", "gzip"]


@pytest.mark.parametrize("framing", FRAMINGS)
def test_an_answer_of_exactly_the_cap_is_read_and_its_cookies_stored(framing: str) -> None:
    body, expected = _session_answer(MAX_ANSWER_BYTES)
    with (
        FaultServer(_framed(body, framing)) as server,
        AuthClient(server.base_url, timeout=10) as client,
    ):
        session = client.get_session()
        assert session is not None
        assert session.image == expected["user"]["image"]  # type: ignore[index]
        stored = client.jar.get(SESSION)
        assert stored is not None
        assert stored.value == "fresh.sig"


@pytest.mark.parametrize("framing", FRAMINGS)
def test_an_answer_one_byte_over_the_cap_is_refused_and_changes_nothing(framing: str) -> None:
    body = b" " * MAX_ANSWER_BYTES + b"null"
    with FaultServer(_framed(body, framing)) as server:
        jar = CookieJar()
        with (
            AuthClient(server.base_url, jar, timeout=10) as client,
            pytest.raises(ResponseTooLargeError) as caught,
        ):
            client.get_session()
    assert isinstance(caught.value, BadResponseError)
    assert str(caught.value) == (
        f"{server.base_url} sent an answer larger than 8 MiB, far more than a better-auth "
        "server sends (is this the right URL?)"
    )
    assert list(jar) == []  # its Set-Cookie was not applied


def test_a_content_length_over_the_cap_is_refused_before_the_body_is_read() -> None:
    """The server sends the head and then nothing: only the head can have been judged."""

    def head_then_silence(line: Line) -> None:
        if line.send(http_head(200, [("Content-Length", str(GIB))])):
            line.pause(60)

    with (
        FaultServer(head_then_silence) as server,
        AuthClient(server.base_url, timeout=10) as client,
    ):
        started = time.monotonic()
        with pytest.raises(ResponseTooLargeError):
            client.get_session()
        assert time.monotonic() - started < 1


def test_a_custom_cap_is_honoured() -> None:
    with (
        FaultServer(http_response(200, b"null" + b" " * 1000)) as server,
        AuthClient(server.base_url, timeout=10, max_answer_bytes=1000) as client,
        pytest.raises(ResponseTooLargeError, match="larger than 1000 bytes"),
    ):
        client.get_session()


def test_an_encoding_it_did_not_ask_for_is_a_bad_response() -> None:
    head = http_head(200, [("Content-Encoding", "br")])
    with (
        FaultServer(streamed(head, [b"\x0b\x01\x80null\x03"])) as server,
        AuthClient(server.base_url, timeout=10) as client,
        pytest.raises(BadResponseError, match="compressed as br") as caught,
    ):
        client.get_session()
    assert not isinstance(caught.value, ResponseTooLargeError)
    assert server.requests[0].header("accept-encoding") == ["gzip, deflate"]


def test_a_body_its_encoding_cannot_decode_is_a_bad_response() -> None:
    head = http_head(200, [("Content-Encoding", "gzip")])
    with (
        FaultServer(streamed(head, [b"this is not gzip"])) as server,
        AuthClient(server.base_url, timeout=10) as client,
        pytest.raises(BadResponseError, match="does not decode as gzip"),
    ):
        client.get_session()


@pytest.mark.parametrize("wbits", [zlib.MAX_WBITS, -zlib.MAX_WBITS], ids=["zlib", "raw"])
def test_deflate_is_read_with_or_without_its_zlib_wrapper(wbits: int) -> None:
    compressor = zlib.compressobj(6, zlib.DEFLATED, wbits)
    body = compressor.compress(b'{"ok": true}') + compressor.flush()
    head = http_head(200, [("Content-Encoding", "deflate")])
    with (
        FaultServer(streamed(head, [body])) as server,
        AuthClient(server.base_url, timeout=10) as client,
    ):
        assert client.ok() is True


HUGE: dict[str, Callable[[], Answer]] = {
    "content-length": lambda: streamed(http_head(200, [("Content-Length", str(GIB))]), blocks(GIB)),
    "chunked": lambda: streamed(
        http_head(200, [("Transfer-Encoding", "chunked")]), chunked(blocks(GIB))
    ),
    "until-close": lambda: streamed(http_head(200), blocks(GIB)),
    # About 1 MiB on the wire that inflates to 1 GiB.
    "gzip-bomb": lambda: streamed(
        http_head(200, [("Content-Encoding", "gzip")]), zeros_gzipped(GIB)
    ),
}


def test_a_huge_answer_is_not_mistaken_for_a_timeout() -> None:
    """Control: the cap is what stops a fast huge answer, long before the deadline."""
    with (
        FaultServer(HUGE["until-close"]()) as server,
        AuthClient(server.base_url, timeout=30) as client,
    ):
        started = time.monotonic()
        with pytest.raises(ResponseTooLargeError):
            client.get_session()
        assert time.monotonic() - started < 5
    assert not issubclass(ResponseTooLargeError, ServerTimeoutError)


# -- transports that read the whole answer themselves --------------------------------------


def test_the_bundled_server_in_process_still_answers(tmp_path: Path) -> None:
    """Its transport hands over answers already read: no stream left to count."""
    from switcher.server import AuthApp, ServerConfig
    from tests.support.local_transport import InProcessTransport

    config = ServerConfig(
        secret="a-test-secret-that-is-long-enough-for-hmac",
        base_url="http://127.0.0.1:3000",
        database_url=f"sqlite:///{tmp_path / 'auth.db'}",
        rate_limit=None,
    )
    transport = InProcessTransport(AuthApp(config))
    try:
        with AuthClient(config.base_url, transport=transport, timeout=10) as client:
            signed = client.sign_up("alice@example.com", "a-long-password", "Alice")
            session = client.get_session()
            assert session is not None
            assert session.token == signed.token
            assert [s.email for s in client.list_device_sessions()] == ["alice@example.com"]
    finally:
        transport.shutdown()


def test_an_answer_a_transport_read_whole_is_still_held_to_the_cap() -> None:
    def answer(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=b" " * 1001 + b"null", request=request)

    transport = httpx.MockTransport(answer)
    with (
        AuthClient("http://site.invalid", transport=transport, max_answer_bytes=1000) as client,
        pytest.raises(ResponseTooLargeError, match="larger than 1000 bytes"),
    ):
        client.get_session()
