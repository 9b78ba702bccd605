"""Sites with better-auth's username plugin: an account signs in by its name too."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from switcher.accounts import Accounts, SignInRefusedError
from switcher.secrets import KeyringSecrets
from switcher.vault import Vault
from tests.support.browser import Browser
from tests.support.cli import Cli
from tests.support.memory_keyring import MemoryKeyring
from tests.support.peer import PeerServer
from tests.support.targets import PASSWORD, SECRET, unique_email

pytestmark = pytest.mark.peer


@pytest.fixture(scope="module")
def site() -> Iterator[PeerServer]:
    with PeerServer(secret=SECRET, username=True) as peer:
        yield peer


def _user_with_name(url: str, name: str) -> str:
    """A user who signed up in a browser with a username; their email."""
    email = unique_email(name)
    browser = Browser(url)
    try:
        made = browser.post(
            "/sign-up/email",
            {"email": email, "password": PASSWORD, "name": name.title(), "username": name},
        )
        assert made.status_code == 200, made.text
    finally:
        browser.close()
    return email


def test_an_account_signs_in_by_its_username(
    tmp_path: Path, backend: MemoryKeyring, site: PeerServer
) -> None:
    name = unique_email("u").split("@")[0].replace("-", "_")
    email = _user_with_name(site.base_url, name)
    service = Accounts(Vault(tmp_path / "config", KeyringSecrets()), timeout=10)
    service.add_server(site.base_url, name="site")
    service.use_server("site")
    account = service.add(name, PASSWORD)
    assert account.email == email  # the account is the user, whatever name signed it in
    assert service.active_cookies()
    with pytest.raises(SignInRefusedError) as caught:
        service.add(name, "wrong-password")
    assert caught.value.code == "INVALID_USERNAME_OR_PASSWORD"
    # Signing in by email afterwards is the same account, not a second one.
    service.add(email, PASSWORD)
    assert [a.email for a in service.server().accounts] == [email]


def test_the_command_line_takes_a_username_where_an_email_goes(cli: Cli, site: PeerServer) -> None:
    name = unique_email("c").split("@")[0].replace("-", "_")
    email = _user_with_name(site.base_url, name)
    cli("server", "add", site.base_url, "--name", "site")
    assert cli.add(name, before=("--server", "site")).stdout == f"signed in as {email} (active)\n"
    refused = cli.add(name, "--sign-up", before=("--server", "site"), check=False)
    assert refused.stderr == (
        f"switcher: {name!r} is not an email address, and a new account needs one\n"
    )
    odd = cli("--server", "site", "accounts", "add", "two words", "--password-stdin", check=False)
    assert odd.stderr == "switcher: 'two words' is neither an email address nor a username\n"
