"""Bad input gets a clear 4xx with better-auth's code, never a 500, and changes nothing."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.support.targets import (
    PASSWORD,
    SWITCHER,
    Options,
    Servers,
    Target,
    row_counts,
    sign_up,
    unique_email,
)

# A couple of existing accounts, so "unchanged" is about real rows.


@pytest.fixture
def seeded(target: Target) -> Iterator[Target]:
    sign_up(target.browser(), "seed")
    before = row_counts(target)
    yield target
    assert row_counts(target) == before, "a rejected request changed the database"


def _is_error(response: object, status: int, code: str | None) -> None:
    assert response.status_code == status, response.text  # type: ignore[attr-defined]
    if code is not None:
        assert response.json()["code"] == code  # type: ignore[attr-defined]


def test_malformed_json(seeded: Target) -> None:
    browser = seeded.browser()
    for raw in (b'{"email":', b"\xff\xfe{}", b"[" * 10000, b"{'single': 'quotes'}"):
        response = browser.post(
            "/sign-in/email", content=raw, headers={"content-type": "application/json"}
        )
        _is_error(response, 400, "BAD_REQUEST")
        assert response.json()["message"] == "Invalid JSON in request body"


def test_bodies_that_are_not_objects(seeded: Target) -> None:
    browser = seeded.browser()
    json_type = {"content-type": "application/json"}
    for raw, name in ((b'["a"]', "array"), (b'"t"', "string"), (b"7", "number"), (b"null", "null")):
        response = browser.post("/sign-in/email", content=raw, headers=json_type)
        _is_error(response, 400, "VALIDATION_ERROR")
        assert response.json()["message"] == (
            f"[body] Invalid input: expected object, received {name}"
        )
        # Sign-up's schema also admits additional user fields, checked as a record.
        response = browser.post("/sign-up/email", content=raw, headers=json_type)
        _is_error(response, 400, "VALIDATION_ERROR")
        assert response.json()["message"] == (
            f"[body] Invalid input: expected object, received {name}; "
            f"[body] Invalid input: expected record, received {name}"
        )


def test_a_body_without_content_type_is_ignored_like_better_auths_node_handler(
    seeded: Target,
) -> None:
    response = seeded.browser().post(
        "/multi-session/set-active", content=b'{"sessionToken":"x"}', origin=None
    )
    _is_error(response, 400, "VALIDATION_ERROR")
    assert response.json()["message"] == (
        "[body] Invalid input: expected object, received undefined"
    )


def test_unsupported_media_types(seeded: Target) -> None:
    browser = seeded.browser()
    response = browser.post(
        "/multi-session/set-active",
        content=b'{"sessionToken":"x"}',
        headers={"content-type": "text/plain"},
        origin=None,
    )
    _is_error(response, 415, "UNSUPPORTED_MEDIA_TYPE")
    assert response.json()["message"] == (
        'Content-Type "text/plain" is not allowed. Allowed types: application/json'
    )
    form = browser.post("/multi-session/set-active", data={"sessionToken": "x"}, origin=None)
    _is_error(form, 415, "UNSUPPORTED_MEDIA_TYPE")


def test_wrong_types_in_every_field(seeded: Target) -> None:
    browser = seeded.browser()
    response = browser.post(
        "/sign-up/email", {"name": None, "email": ["x"], "password": 12345678, "rememberMe": "no"}
    )
    _is_error(response, 400, "VALIDATION_ERROR")
    assert response.json()["message"] == "; ".join(
        [
            "[body.name] Invalid input: expected string, received null",
            "[body.email] Invalid input: expected string, received array",
            "[body.password] Invalid input: expected string, received number",
            "[body.rememberMe] Invalid input: expected boolean, received string",
        ]
    )
    token = browser.post("/multi-session/set-active", {"sessionToken": {"$ne": ""}})
    _is_error(token, 400, "VALIDATION_ERROR")


def test_garbage_cookies_read_as_signed_out(seeded: Target) -> None:
    browser = seeded.browser()
    garbage = ';;; ==; =; %%%; "; better-auth.session_token=%E0%A4%A; {}=[]; x'
    session = browser.get("/get-session", cookie=garbage)
    assert (session.status_code, session.text) == (200, "null")
    listed = browser.get("/multi-session/list-device-sessions", cookie=garbage)
    assert (listed.status_code, listed.json()) == (200, [])
    revoke = browser.post("/multi-session/revoke", {"sessionToken": "x"}, cookie=garbage)
    _is_error(revoke, 401, "UNAUTHORIZED")


def test_forged_and_truncated_signatures(target: Target) -> None:
    browser = target.browser()
    token = str(sign_up(browser)["token"])
    signed = target.sign(token)
    # Another token under the same signature: change its last character (to one
    # it isn't, or 1 time in 62 the "forgery" is the real cookie).
    other = token[:-1] + ("X" if token[-1] != "X" else "Y")
    before = row_counts(target)
    for value in (
        token,
        f"{token}.",
        signed[:-3],
        signed[:-10],
        f"{token}.{'A' * 43}=",
        target.sign(token)[:-12] + "%2B" * 3 + "%3D",
        f"{other}.{signed.split('.', 1)[1]}",
    ):
        response = browser.get("/get-session", cookie=f"better-auth.session_token={value}")
        assert (value, response.text) == (value, "null")
        forged = browser.post(
            "/multi-session/set-active",
            {"sessionToken": token},
            cookie=f"{target.names.multi(token)}={value}",
        )
        _is_error(forged, 401, "INVALID_SESSION_TOKEN")
    assert row_counts(target) == before
    assert browser.get("/get-session").json()["session"]["token"] == token


def test_duplicate_cookies_use_the_first_occurrence(target: Target) -> None:
    first, second = target.browser(), target.browser()
    a, b = str(sign_up(first, "a")["token"]), str(sign_up(second, "b")["token"])
    header = (
        f"better-auth.session_token={target.sign(a)}; better-auth.session_token={target.sign(b)}"
    )
    response = target.browser().get("/get-session", cookie=header)
    assert response.json()["session"]["token"] == a


def test_many_cookies_are_handled_and_a_huge_header_is_refused(seeded: Target) -> None:
    browser = seeded.browser()
    many = "; ".join(f"c{i}_multi-{i}=v{i}" for i in range(500))
    listed = browser.get("/multi-session/list-device-sessions", cookie=many)
    assert (listed.status_code, listed.json()) == (200, [])
    huge = "; ".join(f"c{i}_multi-{i}=v{i}" for i in range(1000))  # over Node's 16 KiB
    refused = browser.get("/multi-session/list-device-sessions", cookie=huge)
    assert refused.status_code == 431


def test_odd_case_emails_reach_the_same_account(target: Target) -> None:
    email = unique_email("MiXeD").replace("example.com", "ExAmPlE.CoM")
    up = target.browser().post(
        "/sign-up/email", {"name": "M", "email": email, "password": PASSWORD}
    )
    assert up.status_code == 200
    assert up.json()["user"]["email"] == email.lower()
    down = target.browser().post(
        "/sign-in/email", {"email": email.swapcase(), "password": PASSWORD}
    )
    assert down.status_code == 200
    assert down.json()["user"]["id"] == up.json()["user"]["id"]


def test_an_oversized_body_is_refused_before_it_is_read(servers: Servers) -> None:
    # switcher's own guard (better-auth sets no body limit), so switcher only.
    target = servers.get(SWITCHER, Options())
    before = row_counts(target)
    payload = b'{"email":"' + b"a" * (2 * 1024 * 1024) + b'"}'
    response = target.browser().post(
        "/sign-in/email", content=payload, headers={"content-type": "application/json"}
    )
    _is_error(response, 413, "PAYLOAD_TOO_LARGE")
    assert row_counts(target) == before
    target.browsers.pop().close()


def test_nothing_in_a_failed_sign_in_creates_rows(seeded: Target) -> None:
    browser = seeded.browser()
    for body in (
        {"email": unique_email(), "password": PASSWORD},
        {"email": "seed@example.com", "password": "\U0001f511" * 65},
        {"email": "x@y", "password": PASSWORD},
    ):
        response = browser.post("/sign-in/email", body)
        assert 400 <= response.status_code < 500, response.text


def test_a_nul_character_in_the_name_is_stored_or_refused_never_a_500(target: Target) -> None:
    before = row_counts(target)
    response = target.browser().post(
        "/sign-up/email", {"name": "N\u0000ul", "email": unique_email(), "password": PASSWORD}
    )
    if target.kind == "switcher-postgres":
        # PostgreSQL text cannot hold NUL: refused as a failed user creation.
        _is_error(response, 422, "FAILED_TO_CREATE_USER")
        assert row_counts(target) == before
    else:
        assert response.status_code == 200
        assert response.json()["user"]["name"] == "N\u0000ul"
