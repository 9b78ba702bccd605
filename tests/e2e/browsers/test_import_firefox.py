"""`switcher accounts import --from firefox`: the sessions real Firefox holds, brought in.

Headless firefox-esr signs three accounts in to switcher's server through the
site's own multi-session switcher (fetch from the page, as the site's sign-in
form does), and switcher reads them out of the profile: while Firefox runs
(from a copy of its cookie store), and after, without changing the profile.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from switcher.browsers.opener import read_profile
from tests.support.cli import Cli
from tests.support.firefox import Served, new_profile
from tests.support.firefox_profiles import profile_files
from tests.support.marionette import Marionette, controlled_firefox
from tests.support.secret_service import SecretService
from tests.support.targets import PASSWORD, unique_email

_SIGN_UP = """
const [emails, password] = arguments;
const done = arguments[arguments.length - 1];
(async () => {
  for (const email of emails) {
    const answer = await fetch("/api/auth/sign-up/email", {
      method: "POST",
      headers: {"content-type": "application/json"},
      body: JSON.stringify({email, password, name: email.split("@")[0]}),
    });
    if (!answer.ok) { done(`HTTP ${answer.status}`); return; }
  }
  done("ok");
})();
"""


@pytest.fixture
def cli(own_secret_service: SecretService, tmp_path: Path) -> Cli:
    return Cli.subprocess(tmp_path / "home", own_secret_service.child_env())


def _sign_up_in_page(marionette: Marionette, site: str, emails: list[str]) -> None:
    marionette.command("Marionette:SetContext", {"value": "content"})
    # A page of the site without the root page's CSP (which allows no fetch).
    marionette.command("WebDriver:Navigate", {"url": site + "/sign-in"})
    result = marionette.command(
        "WebDriver:ExecuteAsyncScript", {"script": _SIGN_UP, "args": [emails, PASSWORD]}
    )
    assert result["value"] == "ok", result


def _multi_cookies(profile: Path, timeout: float = 30) -> int:
    """How many multi-session cookies Firefox has written to disk, once it wrote them all."""
    deadline = time.monotonic() + timeout
    while True:
        found = [c for c in read_profile("firefox", profile, "127.0.0.1") if "_multi-" in c.name]
        if len(found) >= 3 or time.monotonic() > deadline:
            return len(found)
        time.sleep(0.2)


def test_three_accounts_in_a_running_firefox_come_in_and_the_profile_is_left_as_it_was(
    firefox_bin: str, served: Served, tmp_path: Path, cli: Cli
) -> None:
    profile = new_profile(tmp_path / "ff-profile")
    emails = [unique_email(f"fx{i}") for i in range(3)]
    url = served.base_url + "/"
    cli("server", "add", served.base_url, "--name", "site")
    cli("server", "use", "site")
    with controlled_firefox(firefox_bin, profile, url, served.recorder, "/") as marionette:
        _sign_up_in_page(marionette, served.base_url, emails)
        assert _multi_cookies(profile) == 3
        # Read while Firefox runs and holds its cookie store.
        ran = cli("accounts", "import", "--from", "firefox", "--profile", str(profile))
    imported = sorted(line.removesuffix(" (active)") for line in ran.stdout.splitlines())
    assert imported == sorted(f"imported {e}" for e in emails)
    listing = cli.listing()["accounts"]
    assert isinstance(listing, list)
    assert sorted(str(a["email"]) for a in listing) == sorted(emails)
    cli("accounts", "use", emails[0])
    # Firefox closed: read again, from the files as they are, which stay as they are.
    before = profile_files(profile)
    again = cli("accounts", "import", "--from", "firefox", "--profile", str(profile))
    assert again.stdout.count("already signed in here:") == 3
    assert profile_files(profile) == before
