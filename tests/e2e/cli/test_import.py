"""`switcher accounts import`: sessions brought in from a cookies.txt or a Cookie header.

The cookies.txt is written by curl itself (``-c``), signed in to the real
better-auth 1.7.25 as a person's browser would be: several accounts through
the site's own multi-session switcher, one ``_multi-`` cookie each.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.support.cli import Cli
from tests.support.peer import PeerServer
from tests.support.secret_service import SecretService
from tests.support.targets import PASSWORD, SECRET, unique_email

pytestmark = pytest.mark.peer


@pytest.fixture
def cli(own_secret_service: SecretService, tmp_path: Path) -> Cli:
    """The command line with a keyring of its own: one shared by the module would
    still list the accounts earlier tests brought in for this site, and a new
    index adopts those."""
    return Cli.subprocess(tmp_path, own_secret_service.child_env())


@pytest.fixture(scope="module")
def site() -> Iterator[PeerServer]:
    with PeerServer(secret=SECRET) as peer:
        yield peer


class Curl:
    """curl as a browser: one cookie file it reads and writes (``-b``/``-c``)."""

    def __init__(self, site: PeerServer, jar: Path) -> None:
        if shutil.which("curl") is None:
            pytest.fail("curl is needed (make test installs it)")
        self.site, self.jar = site, jar

    def post(self, path: str, body: dict[str, object]) -> dict[str, object]:
        answer: dict[str, object] = self._run(
            path, "-H", "content-type: application/json", "--data", json.dumps(body)
        )
        return answer

    def get(self, path: str) -> Any:
        return self._run(path)

    def _run(self, path: str, *extra: str) -> Any:
        ran = subprocess.run(
            [
                "curl", "-sS", "--fail-with-body", "-b", str(self.jar), "-c", str(self.jar),
                "-H", f"origin: {self.site.base_url}", *extra,
                f"{self.site.base_url}/api/auth{path}",
            ],
            capture_output=True, text=True, timeout=30, check=True,
        )  # fmt: skip
        return json.loads(ran.stdout)

    def sign_up(self, label: str) -> tuple[str, str]:
        """A new account signed in here; its email and session token."""
        email = unique_email(label)
        answer = self.post("/sign-up/email", {"email": email, "password": PASSWORD, "name": label})
        return email, str(answer["token"])


def _browser_with(site: PeerServer, tmp_path: Path, count: int) -> tuple[Curl, list[str]]:
    curl = Curl(site, tmp_path / "cookies.txt")
    return curl, [curl.sign_up(f"in-browser{i}")[0] for i in range(count)]


def _emails(cli: Cli) -> dict[str, bool]:
    accounts = cli.listing()["accounts"]
    assert isinstance(accounts, list)
    return {str(a["email"]): bool(a["active"]) for a in accounts}


def test_every_account_a_browser_holds_comes_in_from_its_cookies_txt(
    cli: Cli, site: PeerServer, tmp_path: Path
) -> None:
    curl, emails = _browser_with(site, tmp_path, 3)
    cli("server", "add", site.base_url, "--name", "site")
    cli("server", "use", "site")
    ran = cli("accounts", "import", "--from", "cookies-txt", str(curl.jar))
    lines = ran.stdout.splitlines()
    assert sorted(line.removesuffix(" (active)") for line in lines) == sorted(
        f"imported {e}" for e in emails
    )
    assert sum(line.endswith(" (active)") for line in lines) == 1  # none was active: one is now
    assert set(_emails(cli)) == set(emails)
    # They are accounts like any other: switch, revoke, export.
    cli("accounts", "use", emails[1])
    assert _emails(cli)[emails[1]]
    cli("accounts", "revoke", emails[2])
    assert set(_emails(cli)) == {emails[0], emails[1]}
    exported = tmp_path / "out.txt"
    cli("export", "cookies-txt", "--output", str(exported))
    assert "_multi-" in exported.read_text()
    # The browser's own sessions were not signed out by any of it (the one
    # revoked here is the only one gone).
    listed = curl.get("/multi-session/list-device-sessions")
    assert isinstance(listed, list)
    assert sorted(str(s["user"]["email"]) for s in listed) == sorted(emails[:2])
    # Brought in again: already here, nothing changes.
    again = cli("accounts", "import", "--from", "cookies-txt", str(curl.jar))
    assert f"already signed in here: {emails[0]}" in again.stdout
    assert set(_emails(cli)) == {emails[0], emails[1]}


def test_an_ended_session_is_reported_not_kept_and_the_active_account_stays(
    cli: Cli, site: PeerServer, tmp_path: Path
) -> None:
    cli("server", "add", site.base_url, "--name", "site")
    cli("server", "use", "site")
    mine = unique_email("mine")
    cli.add(mine, "--sign-up")
    curl = Curl(site, tmp_path / "cookies.txt")
    kept, _ = curl.sign_up("kept")
    _, gone_token = curl.sign_up("gone")
    snapshot = tmp_path / "snapshot.txt"
    shutil.copy(curl.jar, snapshot)  # the file as exported, before the browser signs one out
    curl.post("/multi-session/revoke", {"sessionToken": gone_token})
    ran = cli("accounts", "import", "--from", "cookies-txt", str(snapshot))
    assert ran.stdout == (
        f"imported {kept}\n1 session not honoured by the site (ended, or another site's on "
        "this host); not imported\n"
    )
    assert _emails(cli) == {mine: True, kept: False}


def test_a_pasted_cookie_header_brings_its_session_in(
    cli: Cli, site: PeerServer, tmp_path: Path
) -> None:
    cli("server", "add", site.base_url, "--name", "site")
    curl = Curl(site, tmp_path / "cookies.txt")
    email, _ = curl.sign_up("pasted")
    session = next(
        line.split("\t") for line in curl.jar.read_text().splitlines() if "session_token\t" in line
    )
    header = f"Cookie: theme=dark; {session[5]}={session[6]}; other=1\n"
    ran = cli("--server", "site", "accounts", "import", "--cookie-stdin", stdin=header)
    assert ran.stdout == f"imported {email} (active)\n"
    assert session[6] not in "".join(cli.outputs)  # the value is never printed


@pytest.mark.parametrize(
    ("args", "stdin", "says"),
    [
        ((), None, "give one source: --from BROWSER, --from cookies-txt FILE, or --cookie-stdin"),
        (("--from", "cookies-txt"), None, "--from cookies-txt needs the FILE to read"),
        (("{missing}",), None, "say what"),
        (("--from", "cookies-txt", "{missing}"), None, "cannot read"),
        (("--cookie-stdin",), "theme=dark; lang=en", "no signed-in session for 127.0.0.1"),
        (("--from", "cookies-txt", "{garbage}"), None, "no signed-in session for 127.0.0.1"),
        (("--from", "cookies-txt", "{elsewhere}"), None, "no signed-in session for 127.0.0.1"),
    ],
)
def test_bad_sources_are_one_clear_line_and_change_nothing(
    cli: Cli,
    site: PeerServer,
    tmp_path: Path,
    args: tuple[str, ...],
    stdin: str | None,
    says: str,
) -> None:
    cli("server", "add", site.base_url, "--name", "site")
    cli("server", "use", "site")
    curl = Curl(site, tmp_path / "real.txt")
    curl.sign_up("elsewhere")
    # The same session, but for another site's host: never read into switcher.
    elsewhere = tmp_path / "elsewhere.txt"
    elsewhere.write_text(curl.jar.read_text().replace("127.0.0.1", "app.example.com"))
    garbage = tmp_path / "garbage.txt"
    garbage.write_text(
        "# Netscape HTTP Cookie File\nnot a cookie line\n\x00\x01\n127.0.0.1\tFALSE\n"
    )
    paths = {"missing": tmp_path / "nope.txt", "garbage": garbage, "elsewhere": elsewhere}
    filled = tuple(a.format(**paths) for a in args)
    ran = cli("accounts", "import", *filled, stdin=stdin, check=False)
    assert ran.returncode == 1, ran
    assert says in ran.stderr
    assert _emails(cli) == {}
