"""Sites that email a sign-in link (magicLink) or a one-time code (emailOTP).

Against the real better-auth 1.7.25 with both plugins on; what the site
"emails" is read from its mail log, as a person would read their inbox.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from switcher.accounts import Accounts, AccountsError, SignInRefusedError
from switcher.sign_in_steps import SignInMethod
from tests.support.memory_keyring import MemoryKeyring
from tests.support.peer import PeerServer
from tests.support.sites import active_email, site_service
from tests.support.targets import PASSWORD, SECRET, unique_email
from tests.support.two_factor import mailed

pytestmark = pytest.mark.peer


@pytest.fixture(scope="module")
def site(mail_log: Path) -> Iterator[PeerServer]:
    with PeerServer(secret=SECRET, magic_link=True, email_otp=True, mail_log=str(mail_log)) as peer:
        yield peer


@pytest.fixture(scope="module")
def plain_site() -> Iterator[PeerServer]:
    with PeerServer(secret=SECRET) as peer:
        yield peer


def _with_plain_account(tmp_path: Path, url: str) -> tuple[Accounts, str]:
    service = site_service(tmp_path, url)
    plain = unique_email("plain")
    service.add(plain, PASSWORD, sign_up=True)
    return service, plain


def test_a_pasted_magic_link_signs_the_account_in(
    tmp_path: Path, backend: MemoryKeyring, site: PeerServer, mail_log: Path
) -> None:
    service, plain = _with_plain_account(tmp_path, site.base_url)
    email = unique_email("link")  # a new user: the link signs them up too
    service.send_magic_link(email)
    link = mailed(mail_log, "magic-link", email)["url"]
    assert "callbackURL=" in link  # as emailed: switcher asks for JSON, not the redirect
    account = service.add_by_magic_link(email, f"  <{link}>\n")
    assert account.email == email
    server = service.refresh()
    assert server.active == account.user_id
    assert {a.email for a in server.accounts if a.status == "valid"} == {plain, email}
    service.use(plain)
    service.use(email)


def test_a_used_link_is_refused_and_nothing_else_changes(
    tmp_path: Path, backend: MemoryKeyring, site: PeerServer, mail_log: Path
) -> None:
    service, plain = _with_plain_account(tmp_path, site.base_url)
    email = unique_email("once")
    service.send_magic_link(email)
    link = mailed(mail_log, "magic-link", email)["url"]
    service.add_by_magic_link(email, link)
    service.use(plain)
    with pytest.raises(SignInRefusedError) as refused:
        service.add_by_magic_link(email, link)
    assert refused.value.code == "INVALID_TOKEN"
    assert "ask for a new one" in str(refused.value)
    server = service.refresh()
    assert active_email(server) == plain
    assert all(a.status == "valid" for a in server.accounts)


def test_a_link_for_another_email_is_refused_and_its_session_ended(
    tmp_path: Path, backend: MemoryKeyring, site: PeerServer, mail_log: Path
) -> None:
    service, plain = _with_plain_account(tmp_path, site.base_url)
    asked, other = unique_email("asked"), unique_email("other")
    service.send_magic_link(other)
    link = mailed(mail_log, "magic-link", other)["url"]
    with pytest.raises(AccountsError, match=f"that link signs in {other}, not {asked}"):
        service.add_by_magic_link(asked, link)
    server = service.refresh()
    assert [a.email for a in server.accounts] == [plain]
    assert server.accounts[0].status == "valid"
    assert active_email(server) == plain


@pytest.mark.parametrize(
    ("pasted", "says"),
    [
        ("", "that is not a link"),
        ("123456", "that is not a link"),
        (
            "https://example.org/api/auth/magic-link/verify?token=x",
            "that link is for https://example.org",
        ),
        # Another site on the same host: its port tells them apart.
        (
            "http://127.0.0.1:1/api/auth/magic-link/verify?token=x",
            "that link is for http://127.0.0.1:1",
        ),
        (
            "http://localhost:1/api/auth/magic-link/verify?token=x",
            "that link is for http://localhost:1",
        ),
        ("{url}/api/auth/sign-in/email", "not a sign-in link"),
        ("{url}/api/auth/magic-link/verify?callbackURL=/", "that link has no token"),
    ],
)
def test_pasted_text_that_is_not_this_sites_link_is_refused_before_asking(
    tmp_path: Path, backend: MemoryKeyring, site: PeerServer, pasted: str, says: str
) -> None:
    service, plain = _with_plain_account(tmp_path, site.base_url)
    with pytest.raises(AccountsError, match=says):
        service.add_by_magic_link(unique_email("x"), pasted.format(url=site.base_url))
    assert [a.email for a in service.server().accounts] == [plain]


def test_a_code_by_email_signs_the_account_in(
    tmp_path: Path, backend: MemoryKeyring, site: PeerServer, mail_log: Path
) -> None:
    service, plain = _with_plain_account(tmp_path, site.base_url)
    email = unique_email("code")
    service.send_email_code(email)
    code = mailed(mail_log, "email-otp", email)["otp"]
    with pytest.raises(SignInRefusedError) as refused:
        service.add_by_email_code(email, "000000" if code != "000000" else "111111")
    assert refused.value.code == "INVALID_OTP"
    account = service.add_by_email_code(email, code)
    assert account.email == email
    assert {a.email for a in service.refresh().accounts if a.status == "valid"} == {plain, email}


def test_the_methods_a_site_offers_are_found_by_asking(
    tmp_path: Path, backend: MemoryKeyring, site: PeerServer, plain_site: PeerServer
) -> None:
    assert site_service(tmp_path / "a", site.base_url).sign_in_methods() == {
        SignInMethod.MAGIC_LINK,
        SignInMethod.EMAIL_CODE,
    }
    assert site_service(tmp_path / "b", plain_site.base_url).sign_in_methods() == frozenset()


def test_a_site_without_the_plugin_says_so(
    tmp_path: Path, backend: MemoryKeyring, plain_site: PeerServer
) -> None:
    service = site_service(tmp_path, plain_site.base_url)
    with pytest.raises(SignInRefusedError, match="does not sign in by magic link"):
        service.send_magic_link(unique_email("x"))
    with pytest.raises(SignInRefusedError, match="does not sign in by emailed code"):
        service.send_email_code(unique_email("x"))


def test_a_link_for_an_account_already_here_leaves_that_account_signed_in(
    tmp_path: Path, backend: MemoryKeyring, site: PeerServer, mail_log: Path
) -> None:
    service, plain = _with_plain_account(tmp_path, site.base_url)
    other = unique_email("here")
    # Signed in here by a link (a password account whose email is not verified
    # yet would lose its sessions to any link: better-auth's own rule).
    service.send_magic_link(other)
    service.add_by_magic_link(other, mailed(mail_log, "magic-link", other)["url"])
    asked = unique_email("asked")
    service.send_magic_link(other)
    link = mailed(mail_log, "magic-link", other)["url"]
    with pytest.raises(AccountsError, match=f"that link signs in {other}, not {asked}"):
        service.add_by_magic_link(asked, link)
    server = service.refresh()
    assert {a.email: a.status for a in server.accounts} == {plain: "valid", other: "valid"}
    assert service.use(other).status == "valid"
