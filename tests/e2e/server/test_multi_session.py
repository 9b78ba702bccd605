"""The multi-session plugin, on every server kind (better-auth's own test scenarios and more).

Scenario ids (S2, X1, M1, …) refer to ../shared/reference/better-auth-transcripts.md.
"""

from __future__ import annotations

from tests.support.browser import set_cookie_lines, set_cookies
from tests.support.targets import PASSWORD, Serve, Target, sign_up

ATTRS = "Max-Age=604800; Path=/; HttpOnly; SameSite=Lax"


EXPIRED = "Max-Age=0; Path=/; HttpOnly; SameSite=Lax"


def _email(body: dict[str, object]) -> str:
    return str(body["user"]["email"])  # type: ignore[index]


def _token(body: dict[str, object]) -> str:
    return str(body["token"])


def test_sign_in_sets_a_signed_multi_cookie_named_by_the_lower_cased_token(target: Target) -> None:
    browser = target.browser()
    body = sign_up(browser, "alice")
    token = _token(body)
    signed = target.sign(token)
    assert set_cookie_lines(browser.last) == [  # type: ignore[arg-type]
        f"better-auth.session_token={signed}; {ATTRS}",
        f"better-auth.session_token_multi-{token.lower()}={signed}; {ATTRS}",
    ]


def test_the_second_account_becomes_active_and_both_are_listed_in_cookie_order(
    target: Target,
) -> None:
    browser = target.browser()
    alice, bob = sign_up(browser, "alice"), sign_up(browser, "bob")
    session = browser.get("/get-session").json()
    assert session["user"]["email"] == _email(bob)
    listed = browser.get("/multi-session/list-device-sessions").json()
    assert [entry["user"]["email"] for entry in listed] == [_email(alice), _email(bob)]
    assert [entry["session"]["token"] for entry in listed] == [_token(alice), _token(bob)]


def test_set_active_needs_only_the_multi_cookie(target: Target) -> None:
    browser = target.browser()
    alice = sign_up(browser, "alice")
    sign_up(browser, "bob")
    del browser.jar["better-auth.session_token"]
    response = browser.post("/multi-session/set-active", {"sessionToken": _token(alice)})
    assert response.status_code == 200
    assert response.json()["user"]["email"] == _email(alice)
    assert browser.get("/get-session").json()["user"]["email"] == _email(alice)


def test_set_active_switches_and_only_resets_the_session_cookie(target: Target) -> None:
    browser = target.browser()
    alice = sign_up(browser, "alice")
    sign_up(browser, "bob")
    response = browser.post("/multi-session/set-active", {"sessionToken": _token(alice)})
    assert response.status_code == 200
    assert response.json()["session"]["token"] == _token(alice)
    assert set_cookie_lines(response) == [
        f"better-auth.session_token={target.sign(_token(alice))}; {ATTRS}"
    ]
    assert browser.get("/get-session").json()["user"]["email"] == _email(alice)


def test_set_active_with_an_unknown_token_is_401(target: Target) -> None:
    browser = target.browser()
    sign_up(browser)
    response = browser.post("/multi-session/set-active", {"sessionToken": "doesNotExist"})
    assert response.status_code == 401
    assert response.json() == {"message": "Invalid session token", "code": "INVALID_SESSION_TOKEN"}


def test_set_active_looks_the_cookie_up_by_the_lower_cased_token(target: Target) -> None:
    browser = target.browser()
    token = _token(sign_up(browser))
    signed = target.sign(token)
    # X1: a cookie whose name keeps the token's case is not found.
    upper = browser.post(
        "/multi-session/set-active",
        {"sessionToken": token},
        cookie=f"better-auth.session_token_multi-{token}={signed}",
    )
    assert upper.status_code == 401
    # X2/X3: the right name with only that cookie, and a lower-cased body token.
    lower = browser.post(
        "/multi-session/set-active",
        {"sessionToken": token.lower()},
        cookie=f"better-auth.session_token_multi-{token.lower()}={signed}",
    )
    assert lower.status_code == 200
    assert lower.json()["session"]["token"] == token


def test_revoking_the_active_session_switches_to_the_next_device_session(target: Target) -> None:
    browser = target.browser()
    alice, bob = sign_up(browser, "alice"), sign_up(browser, "bob")
    browser.post("/multi-session/set-active", {"sessionToken": _token(alice)})
    response = browser.post("/multi-session/revoke", {"sessionToken": _token(alice)})
    assert response.status_code == 200
    assert response.json() == {"status": True}
    assert set_cookie_lines(response) == [
        f"better-auth.session_token_multi-{_token(alice).lower()}=; {EXPIRED}",
        f"better-auth.session_token={target.sign(_token(bob))}; {ATTRS}",
    ]
    assert browser.get("/get-session").json()["user"]["email"] == _email(bob)
    listed = browser.get("/multi-session/list-device-sessions").json()
    assert [entry["user"]["email"] for entry in listed] == [_email(bob)]


def test_revoking_another_session_keeps_the_active_one(target: Target) -> None:
    browser = target.browser()
    alice, bob = sign_up(browser, "alice"), sign_up(browser, "bob")
    response = browser.post("/multi-session/revoke", {"sessionToken": _token(alice)})
    assert response.status_code == 200
    assert set_cookie_lines(response) == [
        f"better-auth.session_token_multi-{_token(alice).lower()}=; {EXPIRED}"
    ]
    assert browser.get("/get-session").json()["user"]["email"] == _email(bob)


def test_revoking_the_last_session_clears_the_session_cookies(target: Target) -> None:
    browser = target.browser()
    alice = sign_up(browser, "alice")
    response = browser.post("/multi-session/revoke", {"sessionToken": _token(alice)})
    assert response.status_code == 200
    assert [c.name for c in set_cookies(response)] == [
        f"better-auth.session_token_multi-{_token(alice).lower()}",
        "better-auth.session_token",
        "better-auth.session_data",
        "better-auth.dont_remember",
    ]
    assert all(c.deletes for c in set_cookies(response))
    assert browser.jar == {}
    assert browser.get("/get-session").json() is None


def test_revoke_needs_an_active_session(target: Target) -> None:
    browser = target.browser()
    response = browser.post("/multi-session/revoke", {"sessionToken": "x"}, origin=None)
    assert response.status_code == 401
    assert response.json() == {"message": "Unauthorized", "code": "UNAUTHORIZED"}


def test_a_validly_signed_cookie_under_another_sessions_name_cannot_revoke_it(
    target: Target,
) -> None:
    victim_browser, attacker = target.browser(), target.browser()
    victim = sign_up(victim_browser, "victim")
    own = sign_up(attacker, "attacker")
    # The attacker's own signed cookie, renamed after the victim's token.
    forged_name = f"better-auth.session_token_multi-{_token(victim).lower()}"
    attacker.jar[forged_name] = target.sign(_token(own))
    response = attacker.post("/multi-session/revoke", {"sessionToken": _token(victim)})
    assert response.status_code == 200  # it revoked the attacker's own session
    assert victim_browser.get("/get-session").json()["session"]["token"] == _token(victim)


def test_sign_out_ends_every_device_session(target: Target) -> None:
    browser = target.browser()
    sign_up(browser, "alice")
    sign_up(browser, "bob")
    before = dict(browser.jar)
    response = browser.post("/sign-out", {})
    assert response.status_code == 200
    assert response.json() == {"success": True}
    names = [c.name for c in set_cookies(response)]
    assert names[:3] == [
        "better-auth.session_token",
        "better-auth.session_data",
        "better-auth.dont_remember",
    ]
    assert sorted(names[3:]) == sorted(n for n in before if "_multi-" in n)
    assert all(c.deletes for c in set_cookies(response))
    assert browser.jar == {}
    assert browser.get("/multi-session/list-device-sessions").json() == []
    # The sessions are gone on the server too, not just in this jar.
    stale = "; ".join(f"{name}={value}" for name, value in before.items())
    assert browser.get("/multi-session/list-device-sessions", cookie=stale).json() == []
    assert browser.get("/get-session", cookie=stale).json() is None


def test_the_same_user_signing_in_again_replaces_the_older_session(target: Target) -> None:
    browser = target.browser()
    first = sign_up(browser, "alice")
    email = _email(first)
    response = browser.post("/sign-in/email", {"email": email, "password": PASSWORD})
    assert response.status_code == 200
    second = response.json()["token"]
    lines = set_cookie_lines(response)
    assert lines == [
        f"better-auth.session_token={target.sign(second)}; {ATTRS}",
        f"better-auth.session_token_multi-{_token(first).lower()}=; {EXPIRED}",
        f"better-auth.session_token_multi-{second.lower()}={target.sign(second)}; {ATTRS}",
    ]
    listed = browser.get("/multi-session/list-device-sessions").json()
    assert [entry["session"]["token"] for entry in listed] == [second]
    # The older session was revoked, not merely forgotten by this browser.
    old = f"better-auth.session_token={target.sign(_token(first))}"
    assert browser.get("/get-session", cookie=old).json() is None


def test_a_forged_multi_cookie_on_sign_out_does_not_end_the_victims_session(
    target: Target,
) -> None:
    victim_browser, attacker = target.browser(), target.browser()
    victim = _token(sign_up(victim_browser, "victim"))
    sign_up(attacker, "attacker")
    attacker.jar[f"better-auth.session_token_multi-{victim.lower()}"] = f"{victim}.fake-signature"
    response = attacker.post("/sign-out", {})
    assert response.status_code == 200
    assert attacker.get("/get-session").json() is None
    assert victim_browser.get("/get-session").json()["session"]["token"] == victim


def test_list_ignores_bad_signatures_and_accepts_any_name_with_the_marker(target: Target) -> None:
    browser = target.browser()
    token = _token(sign_up(browser))
    signed = target.sign(token)
    bad = f"{token}.{'A' * 43}="
    name = f"better-auth.session_token_multi-{token.lower()}"
    assert browser.get("/multi-session/list-device-sessions", cookie=f"{name}={bad}").json() == []
    listed = browser.get("/multi-session/list-device-sessions", cookie=f"anything_multi-x={signed}")
    assert [entry["session"]["token"] for entry in listed.json()] == [token]
    assert browser.get("/multi-session/list-device-sessions", cookie=None).json() == []


def test_only_maximum_sessions_get_a_device_cookie(serve: Serve) -> None:
    target = serve(max_sessions=3)
    browser = target.browser()
    users = [sign_up(browser, f"u{i}") for i in range(5)]
    multi = [name for name in browser.jar if "_multi-" in name]
    assert len(multi) == 3
    listed = browser.get("/multi-session/list-device-sessions").json()
    assert [entry["user"]["email"] for entry in listed] == [_email(u) for u in users[:3]]
    # M1/M2: the newest session is active yet not listed (better-auth's behaviour).
    assert browser.get("/get-session").json()["user"]["email"] == _email(users[4])


def test_a_replaced_session_frees_its_place_within_the_maximum(serve: Serve) -> None:
    target = serve(max_sessions=2)
    browser = target.browser()
    alice, bob = sign_up(browser, "alice"), sign_up(browser, "bob")
    response = browser.post("/sign-in/email", {"email": _email(alice), "password": PASSWORD})
    assert response.status_code == 200
    listed = browser.get("/multi-session/list-device-sessions").json()
    assert [entry["user"]["email"] for entry in listed] == [_email(bob), _email(alice)]


def test_secure_cookies_carry_the_prefix_and_keep_it_on_sign_out(serve: Serve) -> None:
    target = serve(secure_cookies=True)
    browser = target.browser()
    token = _token(sign_up(browser, "sec"))
    signed = target.sign(token)
    secure = "Max-Age=604800; Path=/; HttpOnly; Secure; SameSite=Lax"
    assert set_cookie_lines(browser.last) == [  # type: ignore[arg-type]
        f"__Secure-better-auth.session_token={signed}; {secure}",
        f"__Secure-better-auth.session_token_multi-{token.lower()}={signed}; {secure}",
    ]
    sign_up(browser, "sec2")
    assert len(browser.get("/multi-session/list-device-sessions").json()) == 2
    response = browser.post("/sign-out", {})
    lines = set_cookie_lines(response)
    assert (
        f"__Secure-better-auth.session_token_multi-{token.lower()}=; "
        "Max-Age=0; Path=/; HttpOnly; Secure; SameSite=Lax" in lines
    )
    assert browser.jar == {}


def test_a_new_account_is_listed_after_another_is_revoked_even_beyond_the_maximum(
    serve: Serve,
) -> None:
    target = serve(max_sessions=2)
    browser = target.browser()
    first = sign_up(browser, "u1")
    sign_up(browser, "u2")
    third = sign_up(browser, "u3")  # over the maximum: active, unlisted
    assert f"better-auth.session_token_multi-{_token(third).lower()}" not in browser.jar
    browser.post("/multi-session/revoke", {"sessionToken": _token(first)})
    # Signing in again as u3 now fits: its device cookie is set.
    again = browser.post("/sign-in/email", {"email": _email(third), "password": PASSWORD})
    assert again.status_code == 200
    emails = [e["user"]["email"] for e in browser.get("/multi-session/list-device-sessions").json()]
    assert _email(third) in emails
