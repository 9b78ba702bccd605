"""``AuthClient`` against every server kind: switcher on SQLite and PostgreSQL, and better-auth.

The behaviour tests take ``target`` and must give the same results on switcher
(SQLite, PostgreSQL) and on the real better-auth 1.7.25. The fault tests use
``tests.support.fault_server``: canned raw HTTP answers, or silence.
"""

from __future__ import annotations

import time
from collections.abc import Iterator

import httpx
import pytest

from switcher.client import (
    AuthClient,
    AuthError,
    DeviceSession,
    SignedIn,
)
from switcher.client.client import session_cookie_names
from tests.support.targets import PASSWORD, Serve, Target, unique_email

SESSION = "better-auth.session_token"


SECURE_SESSION = "__Secure-better-auth.session_token"


@pytest.fixture
def client(target: Target) -> Iterator[AuthClient]:
    with AuthClient(target.base_url) as auth:
        yield auth


def _multi(token: str, prefix: str = "") -> str:
    return f"{prefix}{SESSION}_multi-{token.lower()}"


def _sign_up(client: AuthClient, label: str) -> SignedIn:
    return client.sign_up(unique_email(label), PASSWORD, label.title())


# -- the happy paths, on every server kind -----------------------------------------------


def test_sign_up_returns_the_signed_in_user_and_fills_the_jar(
    target: Target, client: AuthClient
) -> None:
    email = unique_email("alice")
    signed = client.sign_up(email, PASSWORD, "Alice")
    assert isinstance(signed, SignedIn)
    assert signed.email == email
    assert signed.name == "Alice"
    assert signed.user_id
    assert len(signed.token) >= 32
    signed_token = target.sign(signed.token)
    assert [(c.name, c.value) for c in client.jar] == [
        (SESSION, signed_token),
        (_multi(signed.token), signed_token),
    ]
    assert session_cookie_names(client.jar) == [SESSION]
    session = client.jar.get(SESSION)
    assert session is not None
    assert session.host_only
    assert session.path == "/"
    assert session.http_only
    assert session.expires is not None
    assert session.expires > time.time() + 24 * 3600


def test_get_session_answers_the_signed_in_device_session(client: AuthClient) -> None:
    assert client.get_session() is None
    alice = _sign_up(client, "alice")
    session = client.get_session()
    assert isinstance(session, DeviceSession)
    assert (session.user_id, session.email, session.name) == (alice.user_id, alice.email, "Alice")
    assert session.token == alice.token
    assert session.session_id
    assert session.expires_at
    assert session.created_at
    assert session.user_agent == "switcher"


def test_sign_in_on_another_device_is_a_new_session_for_the_same_user(target: Target) -> None:
    with AuthClient(target.base_url) as phone, AuthClient(target.base_url) as laptop:
        alice = _sign_up(phone, "alice")
        again = laptop.sign_in(alice.email, PASSWORD)
        assert again.user_id == alice.user_id
        assert again.token != alice.token
        assert session_cookie_names(laptop.jar) == [SESSION]
        laptop_session = laptop.get_session()
        phone_session = phone.get_session()
        assert laptop_session is not None
        assert phone_session is not None
        assert laptop_session.token == again.token
        assert phone_session.token == alice.token


def test_a_second_sign_up_lists_both_device_sessions_in_order(client: AuthClient) -> None:
    alice = _sign_up(client, "alice")
    bob = _sign_up(client, "bob")
    listed = client.list_device_sessions()
    assert [s.email for s in listed] == [alice.email, bob.email]
    assert [s.token for s in listed] == [alice.token, bob.token]
    assert [s.user_id for s in listed] == [alice.user_id, bob.user_id]
    active = client.get_session()
    assert active is not None
    assert active.email == bob.email
    assert [c.name for c in client.jar] == [SESSION, _multi(alice.token), _multi(bob.token)]


def test_set_active_switches_the_active_account(target: Target, client: AuthClient) -> None:
    alice = _sign_up(client, "alice")
    bob = _sign_up(client, "bob")
    switched = client.set_active(alice.token)
    assert (switched.email, switched.token) == (alice.email, alice.token)
    active = client.get_session()
    assert active is not None
    assert active.email == alice.email
    session = client.jar.get(SESSION)
    assert session is not None
    assert session.value == target.sign(alice.token)
    # the list keeps creation order whoever is active
    assert [s.email for s in client.list_device_sessions()] == [alice.email, bob.email]
    back = client.set_active(bob.token)
    assert back.email == bob.email
    active = client.get_session()
    assert active is not None
    assert active.email == bob.email


def test_revoking_the_active_session_leaves_the_other_active(client: AuthClient) -> None:
    alice = _sign_up(client, "alice")
    bob = _sign_up(client, "bob")
    client.revoke(bob.token)
    active = client.get_session()
    assert active is not None
    assert active.email == alice.email
    assert [s.email for s in client.list_device_sessions()] == [alice.email]
    assert client.jar.get(_multi(bob.token)) is None
    assert client.jar.get(_multi(alice.token)) is not None


def test_sign_out_ends_the_session_and_empties_the_jar_of_session_cookies(
    client: AuthClient,
) -> None:
    _sign_up(client, "alice")
    _sign_up(client, "bob")
    assert len(session_cookie_names(client.jar)) == 1
    client.sign_out()
    assert client.get_session() is None
    assert session_cookie_names(client.jar) == []
    assert [c.name for c in client.jar if "session_token" in c.name] == []


def test_a_wrong_password_is_an_auth_error_and_changes_nothing(target: Target) -> None:
    with AuthClient(target.base_url) as first, AuthClient(target.base_url) as other:
        alice = _sign_up(first, "alice")
        before = list(first.jar)
        with pytest.raises(AuthError) as caught:
            first.sign_in(alice.email, "wrong-password")
        assert caught.value.status == 401
        assert caught.value.code == "INVALID_EMAIL_OR_PASSWORD"
        assert caught.value.message == "Invalid email or password"
        assert str(caught.value) == "Invalid email or password"
        assert list(first.jar) == before
        with pytest.raises(AuthError) as unknown:
            other.sign_in(unique_email("nobody"), PASSWORD)
        assert (unknown.value.status, unknown.value.code) == (401, "INVALID_EMAIL_OR_PASSWORD")
        assert list(other.jar) == []
        # the right password still works afterwards
        assert other.sign_in(alice.email, PASSWORD).user_id == alice.user_id


def test_set_active_with_an_unknown_token_is_an_auth_error(client: AuthClient) -> None:
    alice = _sign_up(client, "alice")
    before = list(client.jar)
    with pytest.raises(AuthError) as caught:
        client.set_active("doesNotExist")
    assert (caught.value.status, caught.value.code) == (401, "INVALID_SESSION_TOKEN")
    assert list(client.jar) == before
    active = client.get_session()
    assert active is not None
    assert active.token == alice.token


def test_the_origin_header_lets_cookie_bearing_posts_through(
    target: Target, client: AuthClient
) -> None:
    alice = _sign_up(client, "alice")
    cookie_header = client.jar.header_for(client.api + "/multi-session/set-active")
    assert cookie_header
    # Control: the same cookie-bearing POST without Origin is refused by every server kind.
    with httpx.Client() as raw:
        bare = raw.post(
            client.api + "/multi-session/set-active",
            json={"sessionToken": alice.token},
            headers={"cookie": cookie_header},
        )
    assert bare.status_code == 403
    assert bare.json()["code"] == "MISSING_OR_NULL_ORIGIN"
    # The client's own cookie-bearing POSTs go through.
    assert client.set_active(alice.token).token == alice.token
    bob = _sign_up(client, "bob")
    client.revoke(bob.token)
    client.sign_out()
    assert client.get_session() is None


def test_remember_false_gives_a_session_cookie_that_ends_with_the_browser(
    client: AuthClient,
) -> None:
    alice = _sign_up(client, "alice")
    client.sign_out()
    client.sign_in(alice.email, PASSWORD, remember=False)
    session = client.jar.get(SESSION)
    assert session is not None
    assert session.expires is None
    active = client.get_session()
    assert active is not None
    assert active.email == alice.email


def test_secure_cookies_work_over_the_loopback_http_url(serve: Serve) -> None:
    target = serve(secure_cookies=True)
    assert target.base_url.startswith("http://127.0.0.1:")
    with AuthClient(target.base_url) as client:
        alice = _sign_up(client, "alice")
        bob = _sign_up(client, "bob")
        assert session_cookie_names(client.jar) == [SECURE_SESSION]
        assert [c.name for c in client.jar] == [
            SECURE_SESSION,
            _multi(alice.token, "__Secure-"),
            _multi(bob.token, "__Secure-"),
        ]
        assert all(c.secure for c in client.jar)
        assert [s.email for s in client.list_device_sessions()] == [alice.email, bob.email]
        assert client.set_active(alice.token).email == alice.email
        active = client.get_session()
        assert active is not None
        assert active.email == alice.email
        client.revoke(alice.token)
        active = client.get_session()
        assert active is not None
        assert active.email == bob.email
        client.sign_out()
        assert client.get_session() is None
        assert session_cookie_names(client.jar) == []
