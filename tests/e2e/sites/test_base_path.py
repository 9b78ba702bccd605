"""Sites that mount better-auth somewhere other than /api/auth (its basePath)."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from switcher.accounts import Accounts, AccountsError
from switcher.doctor.server_checks import check_server
from switcher.gui.controller import Controller
from switcher.secrets import KeyringSecrets
from switcher.vault import Vault
from tests.support.cli import Cli
from tests.support.memory_keyring import MemoryKeyring
from tests.support.peer import PeerServer
from tests.support.qt import OFFSCREEN_NOTES, wait_job
from tests.support.targets import PASSWORD, SECRET, unique_email

pytestmark = [pytest.mark.peer, pytest.mark.qt_log_ignore(*OFFSCREEN_NOTES)]


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
    assert added.stdout.startswith(f"added site ({peer.base_url}{mounted})\n")
    email = unique_email("found")
    cli.add(email, "--sign-up", before=("--server", "site"))
    assert f"site\t{peer.base_url}{mounted}\t1 signed in" in cli("server", "list").stdout
    # Given as the full auth URL, the same site is recognised as already there.
    again = cli("server", "add", peer.base_url + mounted, "--base-path", mounted, check=False)
    assert "is already configured, as 'site'" in again.stderr
    report = json.loads(cli("doctor", "--json", check=False).stdout)
    (check,) = [c for c in report["checks"] if c["name"] == "server:site"]
    assert check["status"] == "ok", check


def test_the_command_line_finds_where_the_site_mounts_better_auth(
    cli: Cli, site: tuple[PeerServer, str]
) -> None:
    peer, mounted = site
    # The site's URL: switcher asks the common mounts and keeps the one that answers.
    added = cli("server", "add", peer.base_url, "--name", "site")
    assert added.stdout.startswith(f"added site ({peer.base_url}{mounted})\n")
    cli("server", "remove", "site")
    # The full auth URL, as a site's docs give it: the same.
    added = cli("server", "add", peer.base_url + mounted + "/", "--name", "site")
    assert added.stdout.startswith(f"added site ({peer.base_url}{mounted})\n")
    cli.add(unique_email("asked"), "--sign-up", before=("--server", "site"))


@pytest.mark.parametrize(
    ("given", "extra"),
    [("{url}/nothing", ()), ("{url}", ("--base-path", "/wrong"))],
)
def test_a_url_where_nothing_answers_fails_when_it_is_added(
    cli: Cli, site: tuple[PeerServer, str], given: str, extra: tuple[str, ...]
) -> None:
    peer, _ = site
    url = given.format(url=peer.base_url)
    ran = cli("server", "add", url, "--name", "site", *extra, check=False)
    assert ran.returncode == 1
    assert ran.stderr.startswith(f"switcher: no better-auth server answers at {url} (asked ")
    assert "--base-path" in ran.stderr
    assert "site" not in cli("server", "list").stdout


def test_the_trays_add_server_finds_the_base_path_too(
    qtbot: QtBot, make_controller: Callable[..., Controller], site: tuple[PeerServer, str]
) -> None:
    peer, mounted = site
    controller = make_controller()
    ok, message = wait_job(qtbot, controller, controller.add_server(peer.base_url, "found"))
    assert ok, message
    found = controller.service.server("found")
    assert (found.url, found.base_path) == (peer.base_url, mounted)
    ok, message = wait_job(qtbot, controller, controller.add_server(peer.base_url + "/x", "x"))
    assert not ok
    assert message.startswith(f"no better-auth server answers at {peer.base_url}/x")
