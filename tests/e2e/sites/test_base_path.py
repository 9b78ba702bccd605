"""Sites that mount better-auth somewhere other than /api/auth (its basePath)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from switcher.accounts import Accounts, AccountsError
from switcher.doctor.server_checks import check_server
from switcher.secrets import KeyringSecrets
from switcher.vault import Vault
from tests.support.cli import Cli
from tests.support.memory_keyring import MemoryKeyring
from tests.support.peer import PeerServer
from tests.support.targets import PASSWORD, SECRET, unique_email

pytestmark = pytest.mark.peer


@pytest.fixture(scope="module", params=["/auth", "/api/v1/auth"])
def site(request: pytest.FixtureRequest) -> Iterator[tuple[PeerServer, str]]:
    with PeerServer(secret=SECRET, base_path=request.param) as peer:
        yield peer, str(request.param)


def test_a_site_added_without_its_base_path_is_explained(
    tmp_path: Path, backend: MemoryKeyring, site: tuple[PeerServer, str]
) -> None:
    peer, mounted = site
    service = Accounts(Vault(tmp_path / "config", KeyringSecrets()), timeout=10)
    service.add_server(peer.base_url, name="site")
    service.use_server("site")
    with pytest.raises(AccountsError) as caught:
        service.add(unique_email("lost"), PASSWORD, sign_up=True, name="L")
    assert "has no better-auth endpoint at /api/auth/sign-up/email" in str(caught.value)
    assert "switcher doctor looks for it" in str(caught.value)
    # The doctor finds where the site does answer, and says how to add it.
    check = check_server(service.server(), timeout=5)
    assert check.status == "fail"
    assert check.hint is not None
    assert f"better-auth answers at {peer.base_url}{mounted}" in check.hint
    assert check.hint.endswith(f"--name site --base-path {mounted}")


def test_a_site_added_with_its_base_path_signs_in(cli: Cli, site: tuple[PeerServer, str]) -> None:
    peer, mounted = site
    added = cli("server", "add", peer.base_url, "--name", "site", "--base-path", mounted)
    assert added.stdout == f"added site ({peer.base_url}{mounted})\n"
    email = unique_email("found")
    cli.add(email, "--sign-up", before=("--server", "site"))
    assert f"site\t{peer.base_url}{mounted}\t1 signed in" in cli("server", "list").stdout
    # Given as the full auth URL, the same site is recognised as already there.
    again = cli("server", "add", peer.base_url + mounted, "--base-path", mounted, check=False)
    assert "is already configured, as 'site'" in again.stderr
    report = json.loads(cli("doctor", "--json", check=False).stdout)
    (check,) = [c for c in report["checks"] if c["name"] == "server:site"]
    assert check["status"] == "ok", check
