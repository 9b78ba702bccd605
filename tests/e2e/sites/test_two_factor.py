"""Sites with better-auth's twoFactor plugin: a code after the password.

Against the real better-auth 1.7.25 with TOTP and codes by email turned on.
The codes are computed here from the secret the site gave when two-factor
was enabled, as an authenticator app computes them.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest

from switcher.accounts import Accounts, AccountsError, SignInRefusedError, TwoFactorRequired
from switcher.client.client import AuthClient
from switcher.client.jar import CookieJar
from switcher.protocol.cookie import Cookie
from switcher.sign_in_steps import Factor, TwoFactorChallenge
from tests.support.memory_keyring import MemoryKeyring
from tests.support.peer import PeerServer
from tests.support.sites import active_email, site_service
from tests.support.targets import PASSWORD, SECRET, unique_email
from tests.support.two_factor import TwoFactorUser, mailed, user_with_totp

pytestmark = pytest.mark.peer


@pytest.fixture(scope="module")
def site(mail_log: Path) -> Iterator[PeerServer]:
    with PeerServer(secret=SECRET, two_factor=True, mail_log=str(mail_log)) as peer:
        yield peer


@pytest.fixture(scope="module")
def hasty_site() -> Iterator[PeerServer]:
    """A site that gives a sign-in 2 s to bring its second factor."""
    with PeerServer(secret=SECRET, two_factor=True, two_factor_cookie_max_age=2) as peer:
        yield peer


def _challenge(service: Accounts, email: str) -> TwoFactorChallenge:
    with pytest.raises(TwoFactorRequired) as asked:
        service.add(email, PASSWORD)
    return asked.value.challenge


def _plain_account(service: Accounts) -> str:
    """A second account without two-factor, signed in first: it must survive every failure."""
    email = unique_email("plain")
    service.add(email, PASSWORD, sign_up=True)
    return email


def test_a_code_from_the_app_finishes_the_sign_in(
    tmp_path: Path, backend: MemoryKeyring, site: PeerServer
) -> None:
    user = user_with_totp(site.base_url, unique_email("totp"))
    service = site_service(tmp_path, site.base_url)
    plain = _plain_account(service)
    challenge = _challenge(service, user.email)
    assert challenge.factors == (Factor.TOTP, Factor.EMAIL_CODE, Factor.BACKUP_CODE)
    # Nothing is saved until the code is given: the plain account is still the active one.
    assert active_email(service.server()) == plain
    account = service.add_second_factor(challenge, Factor.TOTP, user.code())
    assert account.email == user.email
    server = service.refresh()
    assert server.active == account.user_id
    assert sorted(a.email for a in server.accounts if a.status == "valid") == sorted(
        [plain, user.email]
    )
    # The switch works both ways: each account's stored session is the live one.
    service.use(plain)
    service.use(user.email)


def test_a_wrong_code_is_refused_and_the_right_one_then_works(
    tmp_path: Path, backend: MemoryKeyring, site: PeerServer
) -> None:
    user = user_with_totp(site.base_url, unique_email("wrong"))
    service = site_service(tmp_path, site.base_url)
    plain = _plain_account(service)
    challenge = _challenge(service, user.email)
    with pytest.raises(SignInRefusedError) as refused:
        service.add_second_factor(challenge, Factor.TOTP, user.wrong_code())
    assert refused.value.code == "INVALID_CODE"
    assert str(refused.value) == "that code is not right, or no longer current: try again"
    assert [a.email for a in service.refresh().accounts] == [plain]
    assert service.server().accounts[0].status == "valid"
    service.add_second_factor(challenge, Factor.TOTP, user.code())
    assert {a.email for a in service.refresh().accounts} == {plain, user.email}


def test_a_code_by_email_finishes_the_sign_in(
    tmp_path: Path, backend: MemoryKeyring, site: PeerServer, mail_log: Path
) -> None:
    user = user_with_totp(site.base_url, unique_email("mailed"))
    service = site_service(tmp_path, site.base_url)
    challenge = _challenge(service, user.email)
    service.send_second_factor_code(challenge)
    code = mailed(mail_log, "two-factor-otp", user.email)["otp"]
    account = service.add_second_factor(challenge, Factor.EMAIL_CODE, f" {code[:3]} {code[3:]} ")
    assert account.email == user.email


def test_a_backup_code_works_once(tmp_path: Path, backend: MemoryKeyring, site: PeerServer) -> None:
    user = user_with_totp(site.base_url, unique_email("backup"))
    service = site_service(tmp_path, site.base_url)
    service.add_second_factor(
        _challenge(service, user.email), Factor.BACKUP_CODE, user.backup_codes[0]
    )
    service.revoke(user.email)
    again = _challenge(service, user.email)
    with pytest.raises(SignInRefusedError) as refused:
        service.add_second_factor(again, Factor.BACKUP_CODE, user.backup_codes[0])
    assert refused.value.code == "INVALID_BACKUP_CODE"
    assert "each one works once" in str(refused.value)
    service.add_second_factor(again, Factor.BACKUP_CODE, user.backup_codes[1])


def test_a_trusted_device_signs_in_without_a_code(
    tmp_path: Path, backend: MemoryKeyring, site: PeerServer
) -> None:
    user = user_with_totp(site.base_url, unique_email("trusted"))
    service = site_service(tmp_path, site.base_url)
    first = _challenge(service, user.email)
    service.add_second_factor(first, Factor.TOTP, user.code(), trust_device=True)
    # The trust cookie is kept with the account (in the keyring), never sent along or exported.
    assert not any(c.name.endswith("trust_device") for c in service.device_cookies())
    server = service.server()
    stored = service.vault.cookies(server, server.accounts[0])
    assert any(c.name.endswith(".trust_device") for c in stored)
    # Signing in again: the password alone, twice (the site renews the trust each time).
    service.add(user.email, PASSWORD)
    service.add(user.email, PASSWORD)
    assert service.refresh().accounts[0].status == "valid"


def test_an_untrusted_device_is_asked_every_time(
    tmp_path: Path, backend: MemoryKeyring, site: PeerServer
) -> None:
    user = user_with_totp(site.base_url, unique_email("untrusted"))
    service = site_service(tmp_path, site.base_url)
    service.add_second_factor(_challenge(service, user.email), Factor.TOTP, user.code())
    _challenge(service, user.email)


def test_too_many_wrong_codes_end_the_challenge(
    tmp_path: Path, backend: MemoryKeyring, site: PeerServer
) -> None:
    user: TwoFactorUser = user_with_totp(site.base_url, unique_email("many"))
    service = site_service(tmp_path, site.base_url)
    plain = _plain_account(service)
    challenge = _challenge(service, user.email)
    codes = []
    for _ in range(6):
        try:
            service.add_second_factor(challenge, Factor.TOTP, user.wrong_code())
        except SignInRefusedError as refused:
            codes.append(refused.code)
    assert codes[-1] in ("TOO_MANY_ATTEMPTS_REQUEST_NEW_CODE", "INVALID_TWO_FACTOR_COOKIE")
    with pytest.raises(SignInRefusedError) as ended:
        service.add_second_factor(challenge, Factor.TOTP, user.code())
    assert "sign in again" in str(ended.value)
    assert [a.email for a in service.refresh().accounts] == [plain]


def test_a_challenge_that_waited_too_long_says_to_sign_in_again(
    tmp_path: Path, backend: MemoryKeyring, hasty_site: PeerServer
) -> None:
    user = user_with_totp(hasty_site.base_url, unique_email("slow"))
    service = site_service(tmp_path, hasty_site.base_url)
    plain = _plain_account(service)
    challenge = _challenge(service, user.email)
    time.sleep(2.5)
    with pytest.raises(SignInRefusedError) as refused:
        service.add_second_factor(challenge, Factor.TOTP, user.code())
    assert refused.value.code == "INVALID_TWO_FACTOR_COOKIE"
    assert str(refused.value).endswith("sign in again")
    assert [a.email for a in service.refresh().accounts] == [plain]


def test_an_empty_code_is_refused_before_asking(
    tmp_path: Path, backend: MemoryKeyring, site: PeerServer
) -> None:
    user = user_with_totp(site.base_url, unique_email("empty"))
    service = site_service(tmp_path, site.base_url)
    challenge = _challenge(service, user.email)
    with pytest.raises(AccountsError, match="the code is empty"):
        service.add_second_factor(challenge, Factor.TOTP, "  ")
    service.add_second_factor(challenge, Factor.TOTP, user.code())


def test_the_last_free_place_on_a_device_is_enough_for_a_two_factor_account(
    tmp_path: Path, backend: MemoryKeyring
) -> None:
    # The password step's answer sets a _multi- cookie for the session the site
    # then deletes; sent along with the code, it would take the last place.
    with PeerServer(secret=SECRET, two_factor=True, max_sessions=2) as small:
        user = user_with_totp(small.base_url, unique_email("last"))
        service = site_service(tmp_path, small.base_url)
        plain = _plain_account(service)
        account = service.add_second_factor(
            _challenge(service, user.email), Factor.TOTP, user.code()
        )
        assert {a.email for a in service.refresh().accounts} == {plain, account.email}


def _session_lives(site: PeerServer, cookie: Cookie) -> bool:
    """Whether the site still honours a stored session cookie (asked alone)."""
    jar = CookieJar()
    jar.set(replace(cookie, name=cookie.name.split("_multi-")[0], expires=None))
    with AuthClient(site.base_url, jar) as client:
        return client.get_session() is not None


def test_a_sign_in_again_left_at_the_code_keeps_the_session_already_here(
    tmp_path: Path, backend: MemoryKeyring, site: PeerServer
) -> None:
    user = user_with_totp(site.base_url, unique_email("again"))
    service = site_service(tmp_path, site.base_url)
    service.add_second_factor(_challenge(service, user.email), Factor.TOTP, user.code())
    plain = _plain_account(service)  # active now
    server = service.server()
    (stored,) = [
        c for c in service.vault.cookies(server, service.find(user.email)) if "_multi-" in c.name
    ]
    # Signing in again, given up at the code (Ctrl+D, Cancel): nothing may change.
    _challenge(service, user.email)
    assert _session_lives(site, stored)
    refreshed = service.refresh()
    assert {a.email: a.status for a in refreshed.accounts} == {user.email: "valid", plain: "valid"}
    assert service.use(user.email).status == "valid"
    # Finished, the new session replaces the old one, which ends on the site.
    service.add_second_factor(_challenge(service, user.email), Factor.TOTP, user.code())
    assert not _session_lives(site, stored)
    assert service.use(user.email).status == "valid"
    assert len(service.refresh().accounts) == 2


def test_a_sign_in_again_by_username_left_at_the_code_keeps_the_session_already_here(
    tmp_path: Path, backend: MemoryKeyring
) -> None:
    with PeerServer(secret=SECRET, two_factor=True, username=True) as named:
        name = unique_email("u").split("@")[0].replace("-", "_")
        user = user_with_totp(named.base_url, unique_email("named"), username=name)
        service = site_service(tmp_path, named.base_url)
        service.add_second_factor(_challenge(service, name), Factor.TOTP, user.code())
        plain = _plain_account(service)
        server = service.server()
        (stored,) = [
            c
            for c in service.vault.cookies(server, service.find(user.email))
            if "_multi-" in c.name
        ]
        _challenge(service, name)  # given up at the code
        assert _session_lives(named, stored)
        statuses = {a.email: a.status for a in service.refresh().accounts}
        assert statuses == {user.email: "valid", plain: "valid"}
        # Finished by name, the new session replaces the old one, which ends.
        service.add_second_factor(_challenge(service, name), Factor.TOTP, user.code())
        assert not _session_lives(named, stored)
        assert {a.email: a.status for a in service.refresh().accounts} == statuses
        assert service.use(plain).status == "valid"
