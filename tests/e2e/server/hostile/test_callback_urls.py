"""Redirect targets a client sends (callbackURL): only safe ones reach a Location header.

The same expectations for switcher's server (SQLite and PostgreSQL) and the
real better-auth 1.7.25: a refused URL is 403 ``INVALID_CALLBACK_URL`` before
any password is checked, so no session is made and no cookie is set.
"""

from __future__ import annotations

import pytest

from tests.support.targets import BETTER_AUTH, PASSWORD, Target, sign_up

REFUSED = {"code": "INVALID_CALLBACK_URL", "message": "Invalid callbackURL"}

UNSAFE = [
    "/ok\r\nX-Injected: 1",  # a header of the attacker's, or a broken answer
    "/ok\nSet-Cookie: a=b",
    "/ok\ttab",
    "/ok\x00nul",
    "/ok\x7fdel",
    "/ok\x85next-line",  # C1 controls too
    "//evil.example/x",  # protocol-relative: another site
    "/\\evil.example",  # a backslash browsers read as a slash
    "/a%2Fb/../x",  # an encoded separator in the path
    "/a%5cb",
    "https://evil.example/x",
]

SAFE = ["/dashboard", "/a/b?next=%2Fhome&x=1", "/a#frag"]


def _sign_in(target: Target, callback: str) -> tuple[int, dict[str, object], bool, str | None]:
    browser = target.browser()
    email = str(sign_up(target.browser(), "cb")["user"]["email"])  # type: ignore[index]
    answer = browser.post(
        "/sign-in/email", {"email": email, "password": PASSWORD, "callbackURL": callback}
    )
    body = answer.json() if answer.content else {}
    return answer.status_code, body, "set-cookie" in answer.headers, answer.headers.get("location")


@pytest.mark.parametrize("callback", UNSAFE)
def test_an_unsafe_callback_url_is_refused_before_any_session(
    target: Target, callback: str
) -> None:
    status, body, cookie, location = _sign_in(target, callback)
    assert (status, body, cookie, location) == (403, REFUSED, False, None)


@pytest.mark.parametrize("callback", SAFE)
def test_a_safe_relative_callback_url_is_where_the_answer_points(
    target: Target, callback: str
) -> None:
    status, body, cookie, location = _sign_in(target, callback)
    assert (status, body["redirect"], body["url"], cookie, location) == (
        200, True, callback, True, callback,
    )  # fmt: skip


def test_a_trusted_absolute_url_with_a_line_break_is_refused(target: Target) -> None:
    """The origin is trusted, but the line break would still reach the Location header.

    better-auth 1.7.25 lets it through its origin check (the URL parser drops
    the line break when it reads the origin), signs the person in, and then
    fails to build the header: 500, an empty body. switcher refuses it first.
    """
    status, body, cookie, location = _sign_in(target, f"{target.base_url}/ok\r\nX-Injected: 1")
    if target.kind == BETTER_AUTH:
        assert (status, body, location) == (500, {}, None)
    else:
        assert (status, body, cookie, location) == (403, REFUSED, False, None)
