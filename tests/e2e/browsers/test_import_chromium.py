"""`switcher accounts import --from chromium`: the sessions real Chromium holds, brought in.

Headless Chromium opens a page of the site whose script signs three
accounts in through the site's own multi-session switcher (as a site's
sign-in form does with fetch); Chromium writes the cookies itself, encrypted
with its basic (v10) or Secret Service (v11) key, and switcher reads them out
of the profile without changing it.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from switcher.browsers.opener import read_profile
from tests.support.chromium import cookie_rows, run_chromium
from tests.support.cli import Cli
from tests.support.firefox_profiles import profile_files
from tests.support.secret_service import SecretService, bus_environment
from tests.support.sign_up_page import WithSignUpPage, page_url
from tests.support.switcher_server import running_switcher
from tests.support.targets import served_config, unique_email


@pytest.fixture
def site(tmp_path: Path) -> Iterator[str]:
    with running_switcher(served_config(tmp_path), wrap=WithSignUpPage) as app:
        yield app.config.base_url


@pytest.fixture
def cli(own_secret_service: SecretService, tmp_path: Path) -> Cli:
    return Cli.subprocess(tmp_path / "home", own_secret_service.child_env())


def _signed_up_in_chromium(
    site: str, data: Path, emails: list[str], store: str, env: dict[str, str] | None
) -> Path:
    url = page_url(site, emails)
    run = run_chromium(
        data, url, password_store=store, env=env, extra=("--virtual-time-budget=10000",)
    )
    assert f"signed up {len(emails)}" in run.stdout, (run.stdout[-2000:], run.stderr[-2000:])
    return data / "Default"


@pytest.mark.parametrize("store", ["basic", "gnome-libsecret"])
def test_three_accounts_chromium_signed_in_come_in_and_the_profile_is_left_as_it_was(
    site: str, tmp_path: Path, cli: Cli, own_secret_service: SecretService, store: str
) -> None:
    emails = [unique_email(f"cr{i}") for i in range(3)]
    env = own_secret_service.child_env() if store == "gnome-libsecret" else None
    profile = _signed_up_in_chromium(site, tmp_path / "ud", emails, store, env)
    rows = cookie_rows(profile / "Cookies")
    prefixes = {bytes(r["encrypted_value"])[:3] for r in rows if "_multi-" in r["name"]}
    assert prefixes == ({b"v10"} if store == "basic" else {b"v11"})  # Chromium's own encryption
    assert not any(r["value"] for r in rows)  # no plaintext: really encrypted
    cli("server", "add", site, "--name", "site")
    cli("server", "use", "site")
    before = profile_files(profile)
    ran = cli("accounts", "import", "--from", "chromium", "--profile", str(profile))
    imported = sorted(line.removesuffix(" (active)") for line in ran.stdout.splitlines())
    assert imported == sorted(f"imported {e}" for e in emails)
    assert profile_files(profile) == before
    cli("accounts", "use", emails[2])
    # The library reads the same, with the key from this test's own keyring.
    with bus_environment(own_secret_service):
        names = {c.name for c in read_profile("chromium", profile, "127.0.0.1")}
    assert sum("_multi-" in n for n in names) == 3
