"""A person signs in on the bundled server's page in real Firefox, without JavaScript.

Headless firefox-esr, driven through Marionette's element commands (find,
type, click, as WebDriver does for a person), fills the page's plain HTML
form: a wrong password first, then the right one. The page then says who is
signed in, and Firefox's own profile holds the session cookie, the one
switcher's "sign in with the browser" would read.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import httpx

from switcher.browsers.opener import read_profile
from tests.support.firefox import Served, new_profile
from tests.support.marionette import Marionette, controlled_firefox
from tests.support.targets import PASSWORD, unique_email

SESSION = "better-auth.session_token"


def _element(marionette: Marionette, css: str) -> str:
    found = marionette.command("WebDriver:FindElement", {"using": "css selector", "value": css})
    reference: dict[str, str] = found["value"]
    return next(iter(reference.values()))


def _type(marionette: Marionette, css: str, text: str) -> None:
    element = _element(marionette, css)
    marionette.command("WebDriver:ElementClear", {"id": element})
    marionette.command("WebDriver:ElementSendKeys", {"id": element, "text": text})


def _text(marionette: Marionette, css: str) -> str:
    answer = marionette.command("WebDriver:GetElementText", {"id": _element(marionette, css)})
    return str(answer["value"])


def _value(marionette: Marionette, css: str) -> Any:
    element = _element(marionette, css)
    return marionette.command("WebDriver:GetElementProperty", {"id": element, "name": "value"})[
        "value"
    ]


def _submit(marionette: Marionette, email: str, password: str) -> None:
    _type(marionette, "#email", email)
    _type(marionette, "#password", password)
    # The click waits for the navigation it starts (the form post and its redirect).
    marionette.command("WebDriver:ElementClick", {"id": _element(marionette, "button")})


def _profile_session(profile: Path, timeout: float = 30) -> str | None:
    """The session cookie's value once Firefox has written it to the profile."""
    deadline = time.monotonic() + timeout
    while True:
        for cookie in read_profile("firefox", profile, "127.0.0.1"):
            if cookie.name == SESSION:
                return cookie.value
        if time.monotonic() > deadline:
            return None
        time.sleep(0.2)


def test_a_person_signs_in_on_the_page_in_firefox(
    firefox_bin: str, served: Served, tmp_path: Path
) -> None:
    email = unique_email("firefox")
    with httpx.Client(base_url=served.base_url, timeout=30) as client:
        up = client.post(
            "/api/auth/sign-up/email",
            json={"name": "Fox", "email": email, "password": PASSWORD},
            headers={"origin": served.base_url},
        )
        assert up.status_code == 200, up.text
    profile = new_profile(tmp_path / "ff-profile")
    page = served.base_url + "/"
    with controlled_firefox(firefox_bin, profile, page, served.recorder, "/") as marionette:
        marionette.command("Marionette:SetContext", {"value": "content"})
        marionette.command("WebDriver:Navigate", {"url": page})
        assert _text(marionette, "#active-email") == "Not signed in"
        assert _text(marionette, "#sign-in-title") == "Sign in"

        _submit(marionette, email, "not-the-password")
        assert _text(marionette, "#sign-in-error") == "Wrong email or password"
        assert _value(marionette, "#email") == email
        assert _value(marionette, "#password") == ""
        assert _text(marionette, "#active-email") == "Not signed in"

        _submit(marionette, email, PASSWORD)
        current = marionette.command("WebDriver:GetCurrentURL", {})["value"]
        assert current == page  # 303 back to the page
        assert _text(marionette, "h1") == f"Signed in as Fox <{email}>"
        assert _text(marionette, "#sign-in-title") == "Add another account"
        assert _text(marionette, "li").startswith(f"Fox <{email}> (active)")
        # The page's request after the redirect carried the cookie the form set.
        assert SESSION in served.recorder.cookies_for("/")[-1]
        token = _profile_session(profile)
    assert token is not None, "Firefox's profile holds no session cookie"
    with httpx.Client(base_url=served.base_url, timeout=30) as client:
        session = client.get("/api/auth/get-session", headers={"cookie": f"{SESSION}={token}"})
    assert session.status_code == 200
    assert session.json()["user"]["email"] == email
