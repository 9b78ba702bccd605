"""Origin and CSRF rules on credentialed requests, on every server kind."""

from __future__ import annotations

from tests.support.targets import PASSWORD, Target, sign_up, unique_email

MISSING = {"message": "Missing or null Origin", "code": "MISSING_OR_NULL_ORIGIN"}


INVALID = {"message": "Invalid origin", "code": "INVALID_ORIGIN"}


def test_a_cookie_bearing_post_without_origin_is_refused(target: Target) -> None:
    browser = target.browser()
    sign_up(browser, "alice")
    email = unique_email("bob")
    response = browser.post(
        "/sign-up/email", {"name": "Bob", "email": email, "password": PASSWORD}, origin=None
    )
    assert (response.status_code, response.json()) == (403, MISSING)
    with_origin = browser.post(
        "/sign-up/email", {"name": "Bob", "email": email, "password": PASSWORD}
    )
    assert with_origin.status_code == 200


def test_untrusted_and_null_origins_are_refused(target: Target) -> None:
    browser = target.browser()
    evil = browser.post("/sign-out", cookie="a=b", origin="http://evil.example")
    assert (evil.status_code, evil.json()) == (403, INVALID)
    null = browser.post("/sign-out", cookie="a=b", origin="null")
    assert (null.status_code, null.json()) == (403, MISSING)


def test_a_trusted_referer_stands_in_for_origin(target: Target) -> None:
    response = target.browser().post(
        "/sign-out", cookie="a=b", origin=None, headers={"referer": f"{target.base_url}/page"}
    )
    assert response.status_code == 200


def test_sign_in_without_cookies_needs_no_origin_but_a_present_one_must_be_trusted(
    target: Target,
) -> None:
    email = str(sign_up(target.browser())["user"]["email"])  # type: ignore[index]
    browser = target.browser()
    plain = browser.post("/sign-in/email", {"email": email, "password": PASSWORD}, origin=None)
    assert plain.status_code == 200
    evil = target.browser().post(
        "/sign-in/email", {"email": email, "password": PASSWORD}, origin="http://evil.example"
    )
    assert (evil.status_code, evil.json()) == (403, INVALID)


def test_gets_need_no_origin(target: Target) -> None:
    browser = target.browser()
    sign_up(browser)
    assert browser.get("/get-session", origin="http://evil.example").status_code == 200
