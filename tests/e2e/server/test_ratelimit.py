"""The sign-in rate limit end to end: the fourth sign-in in ten seconds, on every server kind."""

from __future__ import annotations

from tests.support.targets import PASSWORD, Serve, unique_email


def test_the_fourth_sign_in_within_ten_seconds_gets_429(serve: Serve) -> None:
    target = serve(rate_limit=True)
    browser = target.browser()
    answers = [
        browser.post("/sign-in/email", {"email": unique_email(), "password": PASSWORD}, origin=None)
        for _ in range(4)
    ]
    assert [a.status_code for a in answers] == [401, 401, 401, 429]
    assert answers[3].json() == {"message": "Too many requests. Please try again later."}
    assert 1 <= int(answers[3].headers["x-retry-after"]) <= 10
