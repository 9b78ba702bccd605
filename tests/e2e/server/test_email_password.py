"""Sign-up and sign-in with email and password, on every server kind (E1-E16 of the transcripts)."""

from __future__ import annotations

from switcher.protocol.dates import parse_iso
from tests.support.browser import set_cookie_lines, set_cookies
from tests.support.targets import PASSWORD, Target, sign_up, unique_email


def _error(code: str, message: str) -> dict[str, str]:
    return {"message": message, "code": code}


def test_sign_up_stores_the_email_lower_cased_and_answers_the_user(target: Target) -> None:
    browser = target.browser()
    email = unique_email("Alice").replace("alice", "ALICE")
    response = browser.post(
        "/sign-up/email", {"name": "Alice", "email": email, "password": PASSWORD}
    )
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"token", "user"}
    user = body["user"]
    assert user["email"] == email.lower()
    assert user["name"] == "Alice"
    assert user["emailVerified"] is False
    assert len(user["id"]) == 32
    assert user["id"].isalnum()
    assert len(body["token"]) == 32
    assert body["token"].isalnum()
    assert user["createdAt"].endswith("Z")
    assert len(user["createdAt"]) == 24


def test_sign_up_accepts_a_form_body(target: Target) -> None:
    browser = target.browser()
    email = unique_email("carol")
    response = browser.post(
        "/sign-up/email", data={"name": "Carol", "email": email, "password": PASSWORD}, origin=None
    )
    assert response.status_code == 200
    assert response.json()["user"]["email"] == email


def test_sign_in_answers_the_session_and_sets_cookies(target: Target) -> None:
    email = str(sign_up(target.browser(), "bob")["user"]["email"])  # type: ignore[index]
    browser = target.browser()
    response = browser.post("/sign-in/email", {"email": email.upper(), "password": PASSWORD})
    assert response.status_code == 200
    body = response.json()
    assert body["redirect"] is False
    assert "url" not in body
    assert body["user"]["email"] == email
    assert browser.get("/get-session").json()["session"]["token"] == body["token"]


def test_wrong_password_and_unknown_email_get_the_same_answer(target: Target) -> None:
    email = str(sign_up(target.browser())["user"]["email"])  # type: ignore[index]
    browser = target.browser()
    wrong = browser.post("/sign-in/email", {"email": email, "password": "wrong-password"})
    unknown = browser.post("/sign-in/email", {"email": unique_email(), "password": PASSWORD})
    expected = _error("INVALID_EMAIL_OR_PASSWORD", "Invalid email or password")
    assert (wrong.status_code, wrong.json()) == (401, expected)
    assert (unknown.status_code, unknown.json()) == (401, expected)
    assert browser.jar == {}


def test_duplicate_sign_up_in_another_case_is_422(target: Target) -> None:
    email = str(sign_up(target.browser())["user"]["email"])  # type: ignore[index]
    response = target.browser().post(
        "/sign-up/email", {"name": "Again", "email": email.upper(), "password": PASSWORD}
    )
    assert response.status_code == 422
    assert response.json() == _error(
        "USER_ALREADY_EXISTS_USE_ANOTHER_EMAIL", "User already exists. Use another email."
    )


def test_password_length_limits(target: Target) -> None:
    browser = target.browser()
    short = browser.post(
        "/sign-up/email", {"name": "S", "email": unique_email(), "password": "1234567"}
    )
    assert (short.status_code, short.json()) == (
        400,
        _error("PASSWORD_TOO_SHORT", "Password too short"),
    )
    long = browser.post(
        "/sign-up/email", {"name": "L", "email": unique_email(), "password": "x" * 129}
    )
    assert (long.status_code, long.json()) == (
        400,
        _error("PASSWORD_TOO_LONG", "Password too long"),
    )
    sign_in = browser.post("/sign-in/email", {"email": unique_email(), "password": "x" * 129})
    assert (sign_in.status_code, sign_in.json()) == (
        400,
        _error("PASSWORD_TOO_LONG", "Password too long"),
    )
    empty = browser.post("/sign-up/email", {"name": "E", "email": unique_email(), "password": ""})
    assert (empty.status_code, empty.json()) == (
        400,
        _error(
            "VALIDATION_ERROR",
            "[body.password] Too small: expected string to have >=1 characters",
        ),
    )


def test_astral_characters_count_twice_toward_the_password_limit(target: Target) -> None:
    browser = target.browser()
    emoji = "\U0001f511"  # one code point, two UTF-16 units
    too_long = browser.post(
        "/sign-up/email", {"name": "A", "email": unique_email(), "password": emoji * 65}
    )
    assert too_long.status_code == 400
    assert too_long.json()["code"] == "PASSWORD_TOO_LONG"
    email = unique_email("astral")
    fits = browser.post("/sign-up/email", {"name": "A", "email": email, "password": emoji * 64})
    assert fits.status_code == 200
    again = target.browser().post("/sign-in/email", {"email": email, "password": emoji * 64})
    assert again.status_code == 200


def test_invalid_email_is_a_validation_error_on_sign_up_and_invalid_email_on_sign_in(
    target: Target,
) -> None:
    browser = target.browser()
    up = browser.post(
        "/sign-up/email", {"name": "X", "email": "not-an-email", "password": PASSWORD}
    )
    assert (up.status_code, up.json()) == (
        400,
        _error("VALIDATION_ERROR", "[body.email] Invalid email address"),
    )
    down = browser.post("/sign-in/email", {"email": "nope", "password": PASSWORD})
    assert (down.status_code, down.json()) == (400, _error("INVALID_EMAIL", "Invalid email"))


def test_missing_and_mistyped_fields_are_named(target: Target) -> None:
    browser = target.browser()
    missing = browser.post("/sign-in/email", {"email": "alice@example.com"})
    assert (missing.status_code, missing.json()) == (
        400,
        _error(
            "VALIDATION_ERROR",
            "[body.password] Invalid input: expected string, received undefined",
        ),
    )
    typed = browser.post("/sign-in/email", {"email": 5, "password": True})
    assert typed.status_code == 400
    assert typed.json() == _error(
        "VALIDATION_ERROR",
        "[body.email] Invalid input: expected string, received number; "
        "[body.password] Invalid input: expected string, received boolean",
    )


def test_remember_me_false_makes_a_browser_session_cookie(target: Target) -> None:
    email = str(sign_up(target.browser())["user"]["email"])  # type: ignore[index]
    browser = target.browser()
    response = browser.post(
        "/sign-in/email", {"email": email, "password": PASSWORD, "rememberMe": False}
    )
    assert response.status_code == 200
    token = response.json()["token"]
    signed = target.sign(token)
    assert set_cookie_lines(response) == [
        f"better-auth.session_token={signed}; Path=/; HttpOnly; SameSite=Lax",
        f"better-auth.dont_remember={target.sign('true')}; Path=/; HttpOnly; SameSite=Lax",
        f"better-auth.session_token_multi-{token.lower()}={signed}; "
        "Max-Age=604800; Path=/; HttpOnly; SameSite=Lax",
    ]
    session = browser.get("/get-session").json()["session"]
    # A one-day session instead of seven.
    lifetime = parse_iso(session["expiresAt"]) - parse_iso(session["createdAt"])
    assert round(lifetime.total_seconds()) == 86400
    assert set_cookies(browser.last) == []  # type: ignore[arg-type]


def test_a_trusted_callback_url_redirects(target: Target) -> None:
    email = str(sign_up(target.browser())["user"]["email"])  # type: ignore[index]
    response = target.browser().post(
        "/sign-in/email", {"email": email, "password": PASSWORD, "callbackURL": "/dashboard"}
    )
    assert response.status_code == 200
    assert response.headers["location"] == "/dashboard"
    body = response.json()
    assert (body["redirect"], body["url"]) == (True, "/dashboard")


def test_an_untrusted_callback_url_is_refused_before_signing_in(target: Target) -> None:
    email = str(sign_up(target.browser())["user"]["email"])  # type: ignore[index]
    browser = target.browser()
    response = browser.post(
        "/sign-in/email",
        {"email": email, "password": PASSWORD, "callbackURL": "https://evil.example/x"},
    )
    assert response.status_code == 403
    assert response.json() == _error("INVALID_CALLBACK_URL", "Invalid callbackURL")
    assert browser.jar == {}
