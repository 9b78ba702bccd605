"""``AuthClient`` against servers that misbehave, and its requests' rules.

The behaviour tests take ``target`` and must give the same results on switcher
(SQLite, PostgreSQL) and on the real better-auth 1.7.25. The fault tests use
``tests.support.fault_server``: canned raw HTTP answers, or silence.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from switcher.client import (
    AuthClient,
    AuthError,
    BadResponseError,
    ClientError,
    CookieJar,
    ServerBusyError,
    ServerTimeoutError,
    ServerUnreachableError,
    SignedIn,
)
from switcher.client.errors import (
    ConnectionRefusedByServerError,
    NoSessionError,
    ServerDisconnectedError,
    ServerFailingError,
    TlsHandshakeError,
    UnknownHostError,
    UntrustedCertificateError,
)
from switcher.client.jar import Refusal
from tests.support.fault_server import (
    FaultServer,
    Line,
    Request,
    http_response,
    refused_port,
    tls_pair,
)
from tests.support.targets import PASSWORD

SESSION = "better-auth.session_token"


# -- faults ----------------------------------------------------------------------------------


def _seeded_jar(base_url: str) -> CookieJar:
    jar = CookieJar()
    assert jar.store(base_url + "/api/auth/sign-in/email", f"{SESSION}=abc.def; Path=/") is None
    return jar


def test_a_refused_connection_is_server_unreachable() -> None:
    with refused_port() as port:
        url = f"http://127.0.0.1:{port}"
        jar = _seeded_jar(url)
        before = list(jar)
        with AuthClient(url, jar, timeout=0.5) as client:
            started = time.monotonic()
            with pytest.raises(ConnectionRefusedByServerError) as caught:
                client.get_session()
            assert time.monotonic() - started < 1
    assert str(caught.value) == f"cannot connect to {url} (is the server running?)"
    assert list(jar) == before


def test_a_server_that_never_answers_times_out() -> None:
    with FaultServer(None) as server:
        jar = _seeded_jar(server.base_url)
        before = list(jar)
        with AuthClient(server.base_url, jar, timeout=0.5) as client:
            started = time.monotonic()
            with pytest.raises(ServerTimeoutError) as caught:
                client.sign_in("a@example.com", PASSWORD)
            elapsed = time.monotonic() - started
        assert len(server.requests) == 1  # it was connected and asked
    assert 0.4 <= elapsed < 1.5
    assert str(caught.value) == f"{server.base_url} did not answer within 0.5 s"
    assert list(jar) == before


def test_a_server_that_hangs_up_without_answering_is_reported() -> None:
    with FaultServer(b"") as server:
        jar = _seeded_jar(server.base_url)
        before = list(jar)
        with (
            AuthClient(server.base_url, jar, timeout=0.5) as client,
            pytest.raises(ServerDisconnectedError) as caught,
        ):
            client.get_session()
    assert str(caught.value) == f"{server.base_url} closed the connection without answering"
    assert list(jar) == before


def test_a_non_http_answer_is_a_bad_response() -> None:
    with (
        FaultServer(b"SSH-2.0-OpenSSH_9.6\r\nhello\r\n\r\n") as server,
        AuthClient(server.base_url, timeout=0.5) as client,
        pytest.raises(BadResponseError, match="not HTTP") as caught,
    ):
        client.get_session()
    assert not isinstance(caught.value, ServerUnreachableError)  # up, but not a web server


def test_an_untrusted_certificate_is_its_own_failure(tmp_path: Path) -> None:
    context, ca_file = tls_pair(tmp_path)
    with FaultServer(http_response(200, b"null"), tls=context) as server:
        with (
            AuthClient(server.base_url, timeout=2) as client,
            pytest.raises(UntrustedCertificateError, match="not trusted"),
        ):
            client.get_session()
        assert server.requests == []  # refused at the handshake, before any request
        with AuthClient(server.base_url, timeout=2, ca_bundle=str(ca_file)) as trusting:
            assert trusting.get_session() is None  # "null": no session, and TLS was accepted
        assert len(server.requests) == 1


def _answers_a_tls_hello_as_http_does(line: Line) -> None:
    """What a plain-http server (uvicorn, Node) does with a TLS ClientHello: a 400."""
    line.receive()
    line.send(b"HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n")
    line.hang_up()


def test_https_to_a_plain_http_port_says_to_use_http() -> None:
    with FaultServer(_answers_a_tls_hello_as_http_does, raw=True) as server:
        plain = server.base_url
        secure = plain.replace("http://", "https://", 1)
        with (
            AuthClient(secure, timeout=2) as client,
            pytest.raises(TlsHandshakeError) as caught,
        ):
            client.get_session()
    assert not isinstance(caught.value, UntrustedCertificateError)  # no certificate was seen
    assert str(caught.value) == (
        f"{secure}: the TLS handshake failed (if the site speaks plain http on that port, "
        f"use {plain})"
    )


def test_a_host_name_that_does_not_resolve_is_its_own_failure() -> None:
    # .invalid never resolves (RFC 6761), with or without a network.
    with (
        AuthClient("http://switcher-test.invalid", timeout=5) as client,
        pytest.raises(UnknownHostError, match="no such host"),
    ):
        client.get_session()


def _get_session(client: AuthClient) -> object:
    return client.get_session()


def _sign_in(client: AuthClient) -> object:
    return client.sign_in("a@example.com", PASSWORD)


def _fault(
    answer: bytes, call: Callable[[AuthClient], object] = _get_session
) -> tuple[FaultServer, BadResponseError]:
    """Make one call against a server giving ``answer``; the jar must come out unchanged."""
    with FaultServer(answer) as server:
        jar = _seeded_jar(server.base_url)
        before = list(jar)
        with (
            AuthClient(server.base_url, jar, timeout=0.5) as client,
            pytest.raises(BadResponseError) as caught,
        ):
            call(client)
        assert list(jar) == before
        assert len(server.requests) == 1
    return server, caught.value


HTML = b"<html><body><h1>Bad Gateway</h1></body></html>"


@pytest.mark.parametrize("status", [500, 502])
def test_a_server_error_with_an_html_body_is_a_bad_response(status: int) -> None:
    server, error = _fault(http_response(status, HTML, "text/html; charset=utf-8"))
    assert str(error) == (
        f"{server.base_url} answered HTTP {status} with text/html, not better-auth's JSON "
        "(is this the right URL?)"
    )


@pytest.mark.parametrize("status", [500, 502])
def test_a_server_error_with_a_json_body_is_a_bad_response(status: int) -> None:
    body = json.dumps({"message": "boom", "code": "INTERNAL"}).encode()
    server, error = _fault(http_response(status, body), call=_sign_in)
    assert not isinstance(error, AuthError)
    assert isinstance(error, ServerFailingError)
    assert str(error) == f"{server.base_url} had an internal error (HTTP {status})"


def test_a_busy_server_says_why_and_to_try_again() -> None:
    """switcher's server answers 503 DATABASE_BUSY when another process holds the write lock."""
    body = json.dumps(
        {"message": "The database is busy; try again in a moment", "code": "DATABASE_BUSY"}
    ).encode()
    with FaultServer(http_response(503, body, headers=[("Retry-After", "1")])) as server:
        jar = _seeded_jar(server.base_url)
        before = list(jar)
        with (
            AuthClient(server.base_url, jar, timeout=2) as client,
            pytest.raises(ServerBusyError) as caught,
        ):
            _sign_in(client)
        assert list(jar) == before
    assert str(caught.value) == (
        f"{server.base_url} cannot answer now: The database is busy; try again in a moment "
        "(HTTP 503)"
    )


def test_a_200_html_page_is_not_better_auth() -> None:
    server, error = _fault(http_response(200, b"<html>Welcome!</html>", "text/html"))
    assert "HTTP 200 with text/html" in str(error)
    assert "not better-auth's JSON" in str(error)
    assert server.base_url in str(error)


def test_an_answer_without_content_type_is_not_better_auth() -> None:
    _, error = _fault(http_response(200, b"{}", content_type=None))
    assert "no content type" in str(error)
    assert "not better-auth's JSON" in str(error)


def test_malformed_json_is_a_bad_response() -> None:
    server, error = _fault(http_response(200, b'{"session": {"token": '), call=_sign_in)
    assert str(error) == f"{server.base_url} sent malformed JSON (HTTP 200)"


def test_malformed_json_in_an_error_answer_is_a_bad_response() -> None:
    server, error = _fault(http_response(401, b"<not json>"))
    assert not isinstance(error, AuthError)
    assert str(error) == f"{server.base_url} sent malformed JSON (HTTP 401)"


def test_an_empty_404_means_no_better_auth_endpoint() -> None:
    server, error = _fault(http_response(404, b"", content_type=None))
    assert str(error) == f"{server.base_url} has no better-auth endpoint at /api/auth/get-session"


def test_json_missing_the_expected_fields_is_a_bad_response() -> None:
    _, sign_in_error = _fault(http_response(200, b'{"token": "t"}'), call=_sign_in)
    assert "sign-in answer is missing fields" in str(sign_in_error)
    _, session_error = _fault(http_response(200, b'{"session": {}, "user": {}}'))
    assert "session answer is missing fields" in str(session_error)
    _, list_error = _fault(http_response(200, b"[1, 2]"))
    assert "missing fields" in str(list_error)


def _session_answer(**session: object) -> bytes:
    fields: dict[str, object] = {
        "token": "t",
        "id": "s1",
        "expiresAt": "2026-12-07T20:46:00.000Z",
        "createdAt": "2026-11-30T20:46:00.000Z",
        "ipAddress": "",
        "userAgent": None,
        **session,
    }
    user = {"id": "u1", "email": "a@example.com", "name": "A", "image": None}
    return json.dumps({"session": fields, "user": user}).encode()


def test_a_session_answer_the_index_could_not_read_back_is_a_bad_response() -> None:
    """A date that is not one, or an address that is not text, is refused at the door:
    stored, it would make the saved account index unreadable."""
    with (
        FaultServer(http_response(200, _session_answer())) as server,
        AuthClient(server.base_url, timeout=0.5) as client,
    ):
        good = client.get_session()
    assert good is not None and good.ip_address == "" and good.email == "a@example.com"
    for bad in (
        {"expiresAt": "next tuesday"},
        {"createdAt": 12},
        {"ipAddress": ["127.0.0.1"]},
        {"userAgent": {"name": "x"}},
        {"token": ""},
    ):
        _, error = _fault(http_response(200, _session_answer(**bad)))
        assert "session answer" in str(error), bad


def test_a_device_session_list_that_is_not_a_list_is_a_bad_response() -> None:
    with (
        FaultServer(http_response(200, b'{"sessions": []}')) as server,
        AuthClient(server.base_url, timeout=0.5) as client,
        pytest.raises(BadResponseError, match="not a list"),
    ):
        client.list_device_sessions()


def test_a_json_4xx_is_an_auth_error_with_its_code_and_message() -> None:
    body = json.dumps({"message": "Too many requests", "code": "RATE_LIMITED"}).encode()
    with (
        FaultServer(http_response(429, body, "application/json; charset=utf-8")) as server,
        AuthClient(server.base_url, timeout=0.5) as client,
        pytest.raises(AuthError) as caught,
    ):
        client.sign_in("a@example.com", PASSWORD)
    assert (caught.value.status, caught.value.code) == (429, "RATE_LIMITED")
    assert str(caught.value) == "Too many requests"


def test_a_json_4xx_without_a_message_still_reads_well() -> None:
    with (
        FaultServer(http_response(400, b"[]")) as server,
        AuthClient(server.base_url, timeout=0.5) as client,
        pytest.raises(AuthError) as caught,
    ):
        client.get_session()
    assert (caught.value.status, caught.value.code, str(caught.value)) == (400, None, "HTTP 400")


def _signed_in_body(token: str = "tok") -> bytes:
    user = {"id": "u1", "name": "Alice", "email": "alice@example.com", "image": None}
    return json.dumps({"token": token, "user": user}).encode()


def test_malformed_and_foreign_set_cookies_are_ignored_and_the_answer_still_returned(
    caplog: pytest.LogCaptureFixture,
) -> None:
    answer = http_response(
        200,
        _signed_in_body("tok1"),
        headers=[
            ("Set-Cookie", "no-equals-sign-here"),
            ("Set-Cookie", "=nameless; Path=/"),
            ("Set-Cookie", f"{SESSION}=stolen; Domain=evil.example; Path=/"),
            ("Set-Cookie", "insecure=1; Domain=example.com; Path=/"),
        ],
    )
    with FaultServer(answer) as server:
        jar = _seeded_jar(server.base_url)
        before = list(jar)
        with (
            caplog.at_level(logging.WARNING, logger="switcher.client"),
            AuthClient(server.base_url, jar, timeout=0.5) as client,
        ):
            signed = client.sign_in("alice@example.com", PASSWORD)
    assert signed == SignedIn("tok1", "u1", "Alice", "alice@example.com", None)
    assert list(jar) == before
    reasons = [r.getMessage() for r in caplog.records if r.name == "switcher.client"]
    assert len(reasons) == 4
    assert sum("malformed Set-Cookie" in reason for reason in reasons) == 2
    assert sum("another domain (evil.example)" in reason for reason in reasons) == 1
    assert sum("another domain (example.com)" in reason for reason in reasons) == 1


# -- what goes on the wire -----------------------------------------------------------------


def _only(requests: list[Request]) -> Request:
    assert len(requests) == 1
    return requests[0]


def test_no_cookie_header_is_sent_when_the_jar_is_empty() -> None:
    null = http_response(200, b"null")
    with FaultServer(null) as server:
        with AuthClient(server.base_url, timeout=0.5) as client:
            assert client.get_session() is None
            client.sign_out()
        assert len(server.requests) == 2
        for request in server.requests:
            assert request.header("cookie") == []


def test_the_jar_decides_which_cookies_are_sent() -> None:
    with FaultServer(http_response(200, b"null")) as server:
        jar = CookieJar()
        api = server.base_url + "/api/auth/x"
        jar.store(api, "first=1; Path=/")
        jar.store(api, "elsewhere=2; Path=/admin")
        jar.store(server.base_url.replace("127.0.0.1", "localhost") + "/", "other=3; Path=/")
        jar.store(api, "second=4; Path=/api")
        with AuthClient(server.base_url, jar, timeout=0.5) as client:
            client.get_session()
        request = _only(server.requests)
    assert request.header("cookie") == ["first=1; second=4"]


def test_posts_carry_the_origin_and_gets_do_not() -> None:
    with FaultServer(http_response(200, _signed_in_body()), http_response(200, b"null")) as server:
        with AuthClient(server.base_url + "/", timeout=0.5, user_agent="switcher-test") as client:
            client.sign_in("alice@example.com", PASSWORD)
            client.get_session()
        post, get = server.requests
    assert (post.method, post.path) == ("POST", "/api/auth/sign-in/email")
    assert post.header("origin") == [server.base_url]
    assert post.header("content-type") == ["application/json"]
    assert json.loads(post.body) == {"email": "alice@example.com", "password": PASSWORD}
    assert post.header("user-agent") == ["switcher-test"]
    assert (get.method, get.path) == ("GET", "/api/auth/get-session")
    assert get.header("origin") == []
    assert get.header("accept") == ["application/json"]


def test_httpx_does_not_keep_cookies_of_its_own() -> None:
    with_cookie = http_response(
        200, _signed_in_body(), headers=[("Set-Cookie", f"{SESSION}=fresh; Path=/; HttpOnly")]
    )
    null = http_response(200, b"null")
    with FaultServer(with_cookie, null, null) as server:
        with AuthClient(server.base_url, timeout=0.5) as client:
            client.sign_in("alice@example.com", PASSWORD)
            stored = client.jar.get(SESSION)
            assert stored is not None
            assert stored.value == "fresh"
            client.get_session()  # control: the jar's cookie is sent
            client.jar.remove(SESSION)
            client.get_session()  # removed from the jar: nothing is sent
        sign_in, kept, removed = server.requests
    assert sign_in.header("cookie") == []
    assert kept.header("cookie") == [f"{SESSION}=fresh"]
    assert removed.header("cookie") == []


def test_a_deleting_set_cookie_removes_the_cookie_from_the_jar() -> None:
    deleting = http_response(
        200, b"null", headers=[("Set-Cookie", f"{SESSION}=; Max-Age=0; Path=/; HttpOnly")]
    )
    with FaultServer(deleting, http_response(200, b"null")) as server:
        jar = _seeded_jar(server.base_url)
        with AuthClient(server.base_url, jar, timeout=0.5) as client:
            client.get_session()
            assert list(jar) == []
            client.get_session()
        first, second = server.requests
    assert first.header("cookie") == [f"{SESSION}=abc.def"]
    assert second.header("cookie") == []


def test_a_base_path_and_a_bad_url() -> None:
    with FaultServer(http_response(200, b"null")) as server:
        with AuthClient(server.base_url + "/app", base_path="/auth", timeout=0.5) as client:
            assert client.get_session() is None
        assert _only(server.requests).path == "/app/auth/get-session"
    for bad in ("ftp://example.com", "example.com", "http://"):
        with pytest.raises(ValueError, match="not an http"):
            AuthClient(bad)


def test_every_client_error_is_a_client_error() -> None:
    for error in (AuthError, BadResponseError, ServerTimeoutError, ServerUnreachableError):
        assert issubclass(error, ClientError)


@pytest.mark.parametrize("header", ["X-Retry-After", "Retry-After"])
def test_a_rate_limited_answer_says_how_long_to_wait(header: str) -> None:
    body = b'{"message": "Too many requests. Please try again later."}'
    answer = http_response(429, body, headers=[(header, "7")])
    with (
        FaultServer(answer) as server,
        AuthClient(server.base_url, timeout=0.5) as client,
        pytest.raises(AuthError) as caught,
    ):
        client.sign_in("a@example.com", PASSWORD)
    assert caught.value.retry_after == 7
    assert str(caught.value) == "Too many requests. Please try again later (in 7 s)"


def test_a_sign_up_that_starts_no_session_is_told_apart() -> None:
    """requireEmailVerification: 200 with a null token and no cookie."""
    user = {"id": "u1", "email": "a@example.com", "name": "A", "image": None}
    answer = http_response(200, json.dumps({"token": None, "user": user}).encode())
    with (
        FaultServer(answer) as server,
        AuthClient(server.base_url, timeout=0.5) as client,
        pytest.raises(NoSessionError, match=r"a@example\.com was created"),
    ):
        client.sign_up("a@example.com", PASSWORD, "A")


def test_cookies_the_jar_refuses_are_kept_aside_with_the_reason() -> None:
    user = {"id": "u1", "email": "a@example.com", "name": "A", "image": None}
    answer = http_response(
        200,
        json.dumps({"token": "tok1", "user": user}).encode(),
        headers=[
            ("Set-Cookie", "better-auth.session_token=tok1.sig; Domain=localhost; Path=/"),
            ("Set-Cookie", "kept=1; Path=/"),
        ],
    )
    with FaultServer(answer) as server, AuthClient(server.base_url, timeout=0.5) as client:
        client.sign_in("a@example.com", PASSWORD)
        assert [c.name for c in client.jar] == ["kept"]
        (refused,) = client.rejected
    assert (refused.name, refused.value) == ("better-auth.session_token", "tok1.sig")
    assert refused.reason.refusal == Refusal.OTHER_DOMAIN
    assert refused.reason.detail == "localhost"
