"""Random hostile requests (hypothesis) against switcher's server and the real better-auth.

Every request is made of random parts: an endpoint, a method, headers, a
cookie header (random or built from the real cookie names), an Origin, a
content type and a body (random bytes, random JSON, or the endpoint's own
fields with random values). Whatever they are:

* the answer is never a 5xx, and comes within a second;
* a refused request (4xx) leaves switcher's database as it was;
* switcher logs no traceback.

Paths are fuzzed over a raw socket (an HTTP library would tidy them first).
"""

from __future__ import annotations

import json
import logging
import socket
import time
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.support.targets import BETTER_AUTH, Target, row_counts, sign_up

EXAMPLES = 100
SLOW = 1.0

ENDPOINTS = (
    "/sign-in/email",
    "/sign-up/email",
    "/sign-out",
    "/get-session",
    "/multi-session/list-device-sessions",
    "/multi-session/set-active",
    "/multi-session/revoke",
    "/ok",
)
FIELDS = ("email", "password", "name", "callbackURL", "rememberMe", "sessionToken", "image")

_printable = st.characters(min_codepoint=0x20, max_codepoint=0x7E)
# Printable ASCII; no leading or trailing space (HTTP strips it, and httpx refuses it).
header_values = st.text(alphabet=_printable, max_size=80).map(str.strip)
header_names = st.from_regex(r"[A-Za-z][A-Za-z0-9-]{0,24}", fullmatch=True).filter(
    lambda name: name.lower() not in {"host", "content-length", "transfer-encoding", "connection"}
)
json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=False)
    | st.text(max_size=60),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=4)
    ),
    max_leaves=10,
)
field_bodies = st.dictionaries(st.sampled_from(FIELDS), json_values, max_size=5)
bodies = st.one_of(
    st.binary(max_size=400),
    json_values.map(lambda value: json.dumps(value).encode()),
    field_bodies.map(lambda fields: json.dumps(fields).encode()),
)
content_types = st.one_of(
    st.sampled_from(
        [
            "application/json",
            "application/json; charset=utf-8",
            "application/x-www-form-urlencoded",
            "text/plain",
            "multipart/form-data; boundary=x",
            "",
        ]
    ),
    header_values,
)
cookie_names = st.one_of(
    st.sampled_from(
        [
            "better-auth.session_token",
            "better-auth.session_token_multi-abc",
            "__Secure-better-auth.session_token",
            "better-auth.dont_remember",
        ]
    ),
    st.from_regex(r"[A-Za-z0-9._-]{1,30}", fullmatch=True),
)
cookie_values = st.text(alphabet=st.characters(min_codepoint=0x21, max_codepoint=0x7E).filter(
    lambda c: c not in ";,"), max_size=120)  # fmt: skip
cookies = st.lists(st.tuples(cookie_names, cookie_values), max_size=6).map(
    lambda pairs: "; ".join(f"{name}={value}" for name, value in pairs)
)


@st.composite
def requests(draw: st.DrawFn, origin: str) -> dict[str, Any]:
    endpoint = draw(st.sampled_from(ENDPOINTS))
    method = draw(st.sampled_from(["POST", "POST", "GET", "PUT", "DELETE", "OPTIONS"]))
    headers = dict(draw(st.lists(st.tuples(header_names, header_values), max_size=5)))
    claimed = draw(
        st.one_of(
            st.none(),
            st.just(origin),
            st.sampled_from(["null", "http://evil.example", f"{origin}/", f"{origin}/x?y"]),
            header_values,
        )
    )
    if claimed is not None:
        headers["origin"] = claimed
    cookie = draw(st.none() | cookies)
    if cookie:
        headers["cookie"] = cookie
    body = None
    if method == "POST":
        headers["content-type"] = draw(content_types)
        body = draw(bodies)
    return {"method": method, "path": endpoint, "headers": headers, "content": body}


@pytest.fixture
def watched(target: Target, caplog: pytest.LogCaptureFixture) -> Target:
    sign_up(target.browser(), "fuzz")  # real rows, so "unchanged" means something
    caplog.set_level(logging.WARNING)
    return target


def _no_traceback(target: Target, caplog: pytest.LogCaptureFixture) -> None:
    if target.kind != BETTER_AUTH:  # better-auth logs in its own process
        logged = [r for r in caplog.records if r.exc_info and r.name.startswith("switcher")]
        assert not logged, logged[0].getMessage()


@settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
def test_random_requests_get_a_prompt_answer_below_500_and_change_nothing_when_refused(
    watched: Target, caplog: pytest.LogCaptureFixture, data: st.DataObject
) -> None:
    request = data.draw(requests(watched.base_url))
    before = row_counts(watched)
    began = time.monotonic()
    with httpx.Client(base_url=watched.base_url, timeout=10) as client:
        answer = client.request(
            request["method"],
            "/api/auth" + request["path"],
            headers=request["headers"],
            content=request["content"],
        )
    took = time.monotonic() - began
    assert answer.status_code < 500, (request, answer.status_code, answer.text[:300])
    assert took < SLOW, (request, took)
    if answer.status_code >= 400:
        assert row_counts(watched) == before, (request, answer.status_code)
    _no_traceback(watched, caplog)


segments = st.one_of(
    st.sampled_from(["..", ".", "%2e%2e", "%2E", "", "get-session", "api", "auth", "%00", "%ff"]),
    st.text(alphabet=st.characters(min_codepoint=0x21, max_codepoint=0x7E), max_size=12).map(
        lambda text: text.replace("?", "%3F").replace("#", "%23")
    ),
)


@settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(parts=st.lists(segments, min_size=1, max_size=6), query=st.none() | header_values)
def test_random_paths_get_a_prompt_answer_below_500(
    watched: Target, caplog: pytest.LogCaptureFixture, parts: list[str], query: str | None
) -> None:
    path = "/" + "/".join(parts) + (f"?{query.replace(' ', '+')}" if query else "")
    address = urlsplit(watched.base_url)
    assert address.hostname is not None and address.port is not None
    began = time.monotonic()
    with socket.create_connection((address.hostname, address.port), timeout=10) as sock:
        sock.sendall(
            f"GET {path} HTTP/1.1\r\nHost: {address.netloc}\r\nConnection: close\r\n\r\n".encode()
        )
        head = sock.recv(4096)
    took = time.monotonic() - began
    status = int(head.split(b" ", 2)[1])
    assert status < 500, (path, head[:200])
    assert took < SLOW, (path, took)
    _no_traceback(watched, caplog)
