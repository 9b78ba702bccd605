"""get-session, sign-out, refresh and routing rules, on every server kind."""

from __future__ import annotations

import time

from switcher.protocol.dates import parse_iso
from tests.support.browser import set_cookie_lines, set_cookies
from tests.support.targets import Serve, Target, sign_up


def test_get_session_without_cookies_is_null_and_not_cached(target: Target) -> None:
    response = target.browser().get("/get-session")
    assert response.status_code == 200
    assert response.text == "null"
    assert response.headers["cache-control"] == "no-store"
    assert response.headers["pragma"] == "no-cache"
    assert response.headers["content-type"] == "application/json"


def test_get_session_answers_the_session_and_user(target: Target) -> None:
    browser = target.browser()
    body = sign_up(browser, "dee")
    session = browser.get("/get-session", headers={"user-agent": "switcher-tests/1"}).json()
    assert set(session) == {"session", "user"}
    assert set(session["session"]) == {
        "id",
        "token",
        "userId",
        "expiresAt",
        "createdAt",
        "updatedAt",
        "ipAddress",
        "userAgent",
    }
    assert session["session"]["token"] == body["token"]
    assert session["session"]["userId"] == session["user"]["id"]
    assert session["session"]["ipAddress"] == "127.0.0.1"
    lifetime = parse_iso(session["session"]["expiresAt"]) - parse_iso(
        session["session"]["createdAt"]
    )
    assert round(lifetime.total_seconds()) == 604800
    assert set_cookies(browser.last) == []  # type: ignore[arg-type]


def test_a_signed_cookie_for_a_deleted_session_clears_the_cookies(target: Target) -> None:
    browser = target.browser()
    token = str(sign_up(browser)["token"])
    browser.post("/sign-out", {})
    response = browser.get("/get-session", cookie=f"better-auth.session_token={target.sign(token)}")
    assert response.text == "null"
    assert set_cookie_lines(response) == [
        "better-auth.session_token=; Max-Age=0; Path=/; HttpOnly; SameSite=Lax",
        "better-auth.session_data=; Max-Age=0; Path=/; HttpOnly; SameSite=Lax",
        "better-auth.dont_remember=; Max-Age=0; Path=/; HttpOnly; SameSite=Lax",
    ]


def test_a_badly_signed_cookie_is_ignored_without_clearing_anything(target: Target) -> None:
    browser = target.browser()
    token = str(sign_up(browser)["token"])
    response = browser.get("/get-session", cookie=f"better-auth.session_token={token}.{'A' * 43}=")
    assert response.text == "null"
    assert set_cookie_lines(response) == []
    assert browser.get("/get-session").json()["session"]["token"] == token


def test_update_age_zero_refreshes_on_every_read(serve: Serve) -> None:
    target = serve(update_age=0)
    browser = target.browser()
    token = str(sign_up(browser)["token"])
    first = browser.get("/get-session").json()["session"]
    time.sleep(0.02)
    response = browser.get("/get-session")
    second = response.json()["session"]
    assert second["token"] == token
    assert second["createdAt"] == first["createdAt"]
    assert second["updatedAt"] > first["updatedAt"]
    assert second["expiresAt"] > first["expiresAt"]
    assert set_cookie_lines(response) == [
        f"better-auth.session_token={target.sign(token)}; "
        "Max-Age=604800; Path=/; HttpOnly; SameSite=Lax"
    ]


def test_disable_refresh_skips_the_refresh(serve: Serve) -> None:
    target = serve(update_age=0)
    browser = target.browser()
    sign_up(browser)
    first = browser.get("/get-session").json()["session"]
    response = browser.get("/get-session?disableRefresh=true")
    assert response.json()["session"]["updatedAt"] == first["updatedAt"]
    assert set_cookie_lines(response) == []


def test_sign_out_without_a_session_still_succeeds(target: Target) -> None:
    browser = target.browser()
    response = browser.post(
        "/sign-out", cookie="a=b", headers={"referer": f"{target.base_url}/some/page"}, origin=None
    )
    assert response.status_code == 200
    assert response.json() == {"success": True}
    assert len(set_cookie_lines(response)) == 3


def test_post_get_session_needs_deferred_refresh(target: Target) -> None:
    response = target.browser().post("/get-session")
    assert response.status_code == 405
    assert response.json() == {
        "message": "POST method requires deferSessionRefresh to be enabled in session config",
        "code": "METHOD_NOT_ALLOWED_DEFER_SESSION_REQUIRED",
    }


def test_unknown_paths_wrong_methods_and_trailing_slashes_are_empty_404s(target: Target) -> None:
    browser = target.browser()
    for method, path in [
        ("GET", "/sign-in/email"),
        ("GET", "/get-session/"),
        ("GET", "/nope"),
        ("GET", "//get-session"),
        ("DELETE", "/sign-out"),
    ]:
        response = browser.request(method, path)
        assert (method, path, response.status_code, response.content) == (method, path, 404, b"")


def test_ok(target: Target) -> None:
    response = target.browser().get("/ok")
    assert (response.status_code, response.json()) == (200, {"ok": True})
