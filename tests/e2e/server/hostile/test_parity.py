"""Small answers where switcher's server and better-auth 1.7.25 must agree.

Found by fuzzing both with the same requests; each case runs against
switcher on SQLite and PostgreSQL and the real better-auth.
"""

from __future__ import annotations

import socket
from urllib.parse import urlsplit

import pytest

from tests.support.targets import PASSWORD, Target, sign_up, unique_email


def _signed_in(target: Target) -> tuple[dict[str, str], str]:
    browser = target.browser()
    sign_up(browser)
    return {"cookie": browser.cookie_header}, browser.origin


@pytest.mark.parametrize(
    "shape",
    ["{origin}/", "{scheme}://user:pw@{netloc}", "{scheme}://{netloc}/some/page"],
)
def test_an_origin_is_read_as_a_browser_reads_a_url(target: Target, shape: str) -> None:
    headers, origin = _signed_in(target)
    scheme, netloc = origin.split("://")
    claimed = shape.format(origin=origin, scheme=scheme, netloc=netloc)
    answer = target.browser().post("/sign-out", headers=headers, origin=claimed)
    assert answer.status_code == 200, answer.text


def test_the_content_type_is_judged_before_the_origin(target: Target) -> None:
    """As better-auth's handler does: the body's type first (415), then who sent it."""
    headers, _ = _signed_in(target)
    answer = target.browser().post(
        "/sign-out",
        content=b"a=b",
        headers={**headers, "content-type": "application/x-www-form-urlencoded"},
        origin="http://evil.example",
    )
    assert answer.status_code == 415
    assert answer.json() == {
        "code": "UNSUPPORTED_MEDIA_TYPE",
        "message": 'Content-Type "application/x-www-form-urlencoded" is not allowed. '
        "Allowed types: application/json",
    }
    empty = target.browser().post("/sign-out", headers=headers, origin="http://evil.example")
    assert (empty.status_code, empty.json()["code"]) == (403, "INVALID_ORIGIN")


def test_an_empty_content_type_is_a_body_not_given(target: Target) -> None:
    answer = target.browser().post(
        "/sign-in/email",
        content=b'{"email": "a@example.com", "password": "x"}',
        headers={"content-type": ""},
    )
    assert (answer.status_code, answer.json()["code"]) == (400, "VALIDATION_ERROR")


def _raw_get(target: Target, path: str, cookie: str) -> int:
    """The status of ``GET path`` sent exactly as written (an HTTP library would tidy it)."""
    parts = urlsplit(target.base_url)
    assert parts.hostname is not None and parts.port is not None
    with socket.create_connection((parts.hostname, parts.port), timeout=10) as sock:
        sock.sendall(
            f"GET /api/auth{path} HTTP/1.1\r\nHost: {parts.netloc}\r\n"
            f"Cookie: {cookie}\r\nConnection: close\r\n\r\n".encode()
        )
        head = sock.recv(4096)
    return int(head.split(b" ", 2)[1])


@pytest.mark.parametrize(
    ("path", "status"),
    [
        ("/get%2Dsession", 404),  # an encoded letter is not the route's name
        ("/x/../get-session", 200),  # dot segments resolve, as in every URL parser
        ("/x/%2e%2E/get-session", 200),  # encoded ones too
        ("/./get-session", 200),
        ("//get-session", 404),
        ("/get-session/", 404),
    ],
)
def test_paths_are_matched_as_better_auth_matches_them(
    target: Target, path: str, status: int
) -> None:
    headers, _ = _signed_in(target)
    assert _raw_get(target, path, headers["cookie"]) == status


def test_a_post_to_get_session_is_refused_before_its_body_is_read(target: Target) -> None:
    answer = target.browser().post(
        "/get-session", content=b"{not json", headers={"content-type": "application/json"}
    )
    assert (answer.status_code, answer.json()["code"]) == (
        405,
        "METHOD_NOT_ALLOWED_DEFER_SESSION_REQUIRED",
    )
    email = unique_email()
    assert (
        target.browser().post("/sign-in/email", {"email": email, "password": PASSWORD}).status_code
        == 401
    )
