"""An SSO-only site: real headless Chromium signs in through better-auth's genericOAuth.

(And the sessions real Chromium and Firefox keep from it come into switcher
with ``accounts import``: the import path against the real better-auth.)

The peer (better-auth 1.7.25) runs with ``--generic-oauth`` against the test
provider of ``tests/support/oauth_provider.py`` and with ``--no-password``.
Chromium opens the site's sign-in page, whose script asks better-auth for the
provider's authorization URL (POST /sign-in/social) and goes there; the
provider approves at once and sends the browser back to
/api/auth/callback/test-sso, where better-auth exchanges the code (with the
PKCE verifier), reads /userinfo, sets the session cookie and redirects to the
site's /signed-in page, which shows "Signed in as <email>".

How Chromium is driven: ``run_chromium``'s ``--dump-dom`` with
``--virtual-time-budget`` does not survive the page navigating away (Chromium
156 never dumps and never exits once the sign-in page sets location.href:
the flow completes, the run times out), and without a budget it dumps the
first page before its fetch answers. So ``browse()`` runs Chromium without
``--dump-dom`` but with ``--remote-debugging-port=0``, polls DevTools'
plain-HTTP /json/list for the page's URL and title (the /signed-in page puts
its verdict in the title) and then stops Chromium with SIGINT, a clean
shutdown that writes the cookie DB. SIGTERM does not: the cookies reach the
Cookies file only on Chromium's 30-second commit or a clean exit. The DOM
itself is then checked with ``run_chromium`` on /signed-in in the same
profile (no navigation there, so the budget works), which also proves the
session cookie on disk is a working one.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import secrets
import signal
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from switcher.browsers import CookieReadError
from switcher.browsers.opener import read_profile
from tests.support.browser import Browser
from tests.support.chromium import FLAGS, chromium_binary, cookie_rows, run_chromium
from tests.support.cli import Cli
from tests.support.firefox import new_profile
from tests.support.oauth_provider import CLIENT_ID, CLIENT_SECRET, Provider
from tests.support.peer import PeerServer
from tests.support.processes import terminate_group
from tests.support.secret_service import SecretService
from tests.support.targets import PASSWORD, unique_email

BROWSE_TIMEOUT = 60.0
# What the pages end on: the /signed-in verdicts, the sign-in page's failure.
FINAL_TITLES = ("Signed in as ", "Not signed in", "Session check failed", "Sign-in failed")
SESSION_COOKIE = "better-auth.session_token"


@pytest.fixture(autouse=True)
def provider_as_started(provider: Provider) -> Iterator[None]:
    yield
    provider.denying = False
    provider.userinfo_id = True


def _page(user_data_dir: Path) -> dict[str, str] | None:
    """The first tab's ``url`` and ``title``, from DevTools' /json/list (None before it answers)."""
    try:
        port = int((user_data_dir / "DevToolsActivePort").read_text().split()[0])
        no_proxy = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        with no_proxy.open(f"http://127.0.0.1:{port}/json/list", timeout=5) as answer:
            targets = json.load(answer)
    except (OSError, ValueError, IndexError):
        return None
    pages = [t for t in targets if t.get("type") == "page"]
    return {"url": pages[0]["url"], "title": pages[0]["title"]} if pages else None


def _settled(page: dict[str, str]) -> bool:
    return page["title"].startswith(FINAL_TITLES) or "/api/auth/error" in page["url"]


def browse(user_data_dir: Path, url: str) -> dict[str, str]:
    """Open ``url`` in headless Chromium until the page settles; its final URL and title.

    Chromium then exits cleanly (SIGINT), so the profile's Cookies DB holds
    what the browser was given.
    """
    (user_data_dir / "DevToolsActivePort").unlink(missing_ok=True)  # a previous run's
    user_data_dir.mkdir(parents=True, exist_ok=True)
    cmd = [chromium_binary(), *FLAGS, "--password-store=basic", f"--user-data-dir={user_data_dir}"]
    cmd += ["--remote-debugging-port=0", url]
    with (user_data_dir.parent / "chromium.log").open("ab") as log:
        proc = subprocess.Popen(
            cmd, stdin=subprocess.DEVNULL, stdout=log, stderr=log, start_new_session=True
        )
    page = None
    try:
        deadline = time.monotonic() + BROWSE_TIMEOUT
        while page is None or not _settled(page):
            if proc.poll() is not None or time.monotonic() > deadline:
                raise AssertionError(f"chromium (exit {proc.returncode}) left the page at {page}")
            time.sleep(0.1)
            page = _page(user_data_dir)
        proc.send_signal(signal.SIGINT)
        proc.wait(timeout=30)
    finally:
        terminate_group(proc)
    return page


def _sessions_in(user_data_dir: Path) -> list[str]:
    """The names of the session cookies the profile holds for the site."""
    rows = cookie_rows(user_data_dir / "Default" / "Cookies")
    return [r["name"] for r in rows if r["host_key"] == "127.0.0.1" and SESSION_COOKIE in r["name"]]


def _signed_in_dom(site: PeerServer, user_data_dir: Path) -> str:
    run = run_chromium(
        user_data_dir, f"{site.base_url}/signed-in", extra=("--virtual-time-budget=10000",)
    )
    assert "<h1>Welcome</h1>" in run.stdout, (run.stdout[-2000:], run.stderr[-2000:])
    return run.stdout


@pytest.mark.peer
def test_chromium_signs_in_through_the_provider_and_keeps_the_session(
    oauth_site: PeerServer, provider: Provider, tmp_path: Path
) -> None:
    email = provider.approve_as(unique_email("sso"), "SSO Person").email
    before = len(provider.requests)
    page = browse(tmp_path / "ud", f"{oauth_site.base_url}/")
    assert page == {"url": f"{oauth_site.base_url}/signed-in", "title": f"Signed in as {email}"}
    rows = cookie_rows(tmp_path / "ud" / "Default" / "Cookies")
    session = [r for r in rows if r["host_key"] == "127.0.0.1" and r["name"] == SESSION_COOKIE]
    assert len(session) == 1 and session[0]["is_httponly"] == 1
    assert not any(r["name"] == "better-auth.state" for r in rows)  # spent on the callback
    assert f"Signed in as {email}" in _signed_in_dom(oauth_site, tmp_path / "ud")
    # What better-auth did at the provider: PKCE, the secret in the form body, userinfo once.
    seen = provider.requests[before:]
    assert [(r.method, r.path, r.status) for r in seen] == [
        ("GET", "/authorize", 302),
        ("POST", "/token", 200),
        ("GET", "/userinfo", 200),
    ]
    authorize, token = seen[0].params, seen[1].params
    assert authorize["code_challenge_method"] == "S256"
    assert authorize["redirect_uri"] == f"{oauth_site.base_url}/api/auth/callback/test-sso"
    assert authorize["scope"] == "openid email profile"
    assert seen[1].client_auth == "post" and token["client_id"] == CLIENT_ID
    assert token["code_verifier"] and token["redirect_uri"] == authorize["redirect_uri"]


@pytest.mark.peer
def test_a_second_identity_signs_in_beside_the_first(
    oauth_site: PeerServer, provider: Provider, tmp_path: Path
) -> None:
    first = provider.approve_as(unique_email("sso-a")).email
    assert browse(tmp_path / "ud", f"{oauth_site.base_url}/")["title"] == f"Signed in as {first}"
    second = provider.approve_as(unique_email("sso-b")).email
    assert browse(tmp_path / "ud", f"{oauth_site.base_url}/")["title"] == f"Signed in as {second}"
    dom = _signed_in_dom(oauth_site, tmp_path / "ud")
    assert f"Signed in as {second}" in dom
    assert f"<li>{first}</li>" in dom and f"<li>{second}</li>" in dom  # multi-session: both
    names = _sessions_in(tmp_path / "ud")
    assert names.count(SESSION_COOKIE) == 1
    assert sum(n.startswith(f"{SESSION_COOKIE}_multi-") for n in names) == 2


@pytest.mark.peer
def test_oauth_sessions_real_chromium_and_firefox_wrote_come_into_switcher(
    oauth_site: PeerServer,
    provider: Provider,
    tmp_path: Path,
    own_secret_service: SecretService,
    firefox_bin: str,
) -> None:
    """Import, against the real better-auth: two accounts from Chromium, one from Firefox."""
    cli = Cli.subprocess(tmp_path / "home", own_secret_service.child_env())
    cli("server", "add", oauth_site.base_url, "--name", "sso")
    cli("server", "use", "sso")
    pair = [unique_email("imp-a"), unique_email("imp-b")]
    for email in pair:
        provider.approve_as(email)
        assert browse(tmp_path / "ud", f"{oauth_site.base_url}/")["title"].endswith(email)
    chromium = str(tmp_path / "ud" / "Default")
    ran = cli("accounts", "import", "--from", "chromium", "--profile", chromium)
    assert sorted(line.removesuffix(" (active)") for line in ran.stdout.splitlines()) == [
        f"imported {email}" for email in sorted(pair)
    ]
    fox = unique_email("imp-fox")
    provider.approve_as(fox)
    profile = _firefox_signed_in(firefox_bin, tmp_path / "ff", f"{oauth_site.base_url}/")
    assert cli("accounts", "import", "--from", "firefox", "--profile", str(profile)).stdout == (
        f"imported {fox}\n"
    )
    # One of Chromium's sessions ended since (revoked here, so on the site too).
    cli("accounts", "revoke", pair[0])
    again = cli("accounts", "import", "--from", "chromium", "--profile", chromium, check=False)
    assert again.stdout == (
        f"already signed in here: {pair[1]}\n1 session not honoured by the site (ended, or "
        "another site's on this host); not imported\n"
    )
    listing = json.loads(cli("accounts", "list", "--json").stdout)["accounts"]
    assert sorted(a["email"] for a in listing) == sorted([pair[1], fox])


def _firefox_signed_in(binary: str, path: Path, url: str) -> Path:
    """A profile real headless Firefox signed in to at ``url`` (it writes the cookie itself)."""
    profile = new_profile(path)
    env = {**os.environ, "MOZ_HEADLESS": "1"}
    with subprocess.Popen(
        [binary, "--profile", str(profile), "--no-remote", url],
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    ) as firefox:
        try:
            deadline = time.monotonic() + BROWSE_TIMEOUT
            while not _firefox_has_session(profile):
                assert time.monotonic() < deadline, "Firefox never got the session cookie"
                time.sleep(0.2)
        finally:
            terminate_group(firefox)
    return profile


def _firefox_has_session(profile: Path) -> bool:
    try:
        cookies = read_profile("firefox", profile, "127.0.0.1")
    except CookieReadError:
        return False  # not written yet
    return any(c.name == SESSION_COOKIE for c in cookies)


@pytest.mark.peer
def test_a_denied_authorization_ends_on_better_auths_error_page(
    oauth_site: PeerServer, provider: Provider, tmp_path: Path
) -> None:
    provider.denying = True
    page = browse(tmp_path / "ud", f"{oauth_site.base_url}/")
    assert page["url"] == f"{oauth_site.base_url}/api/auth/error?error=access_denied"
    assert _sessions_in(tmp_path / "ud") == []


@pytest.mark.peer
def test_userinfo_without_an_id_fails_the_sign_in(
    oauth_site: PeerServer, provider: Provider, tmp_path: Path
) -> None:
    # Without a discovery document genericOAuth keys the account on "id", not "sub".
    provider.userinfo_id = False
    provider.approve_as(unique_email("no-id"))
    page = browse(tmp_path / "ud", f"{oauth_site.base_url}/")
    assert page["url"] == f"{oauth_site.base_url}/api/auth/error?error=unable_to_get_user_info"
    assert _sessions_in(tmp_path / "ud") == []


@pytest.mark.peer
def test_the_site_has_no_email_and_password_sign_in(
    oauth_site: PeerServer, provider: Provider
) -> None:
    browser = Browser(oauth_site.base_url)
    try:
        email = unique_email("pw")
        refused = browser.post("/sign-in/email", json={"email": email, "password": PASSWORD})
        assert refused.status_code == 400
        assert refused.json()["code"] == "EMAIL_PASSWORD_DISABLED"
        body = {"email": email, "password": PASSWORD, "name": "P"}
        assert browser.post("/sign-up/email", json=body).status_code == 400
        assert not browser.jar
        social = browser.post("/sign-in/social", json={"provider": "test-sso", "callbackURL": "/"})
        assert social.status_code == 200 and social.json()["redirect"] is True
        assert social.json()["url"].startswith(f"{provider.url}/authorize?")
    finally:
        browser.close()


def test_the_provider_checks_client_codes_and_pkce(provider: Provider) -> None:
    verifier = secrets.token_urlsafe(48)
    digest = hashlib.sha256(verifier.encode()).digest()
    challenge = base64.urlsafe_b64encode(digest).rstrip(b"=").decode()
    callback = "http://127.0.0.1:9/callback"
    with httpx.Client(base_url=provider.url, trust_env=False) as client:

        def code() -> str:
            query = {"client_id": CLIENT_ID, "redirect_uri": callback, "response_type": "code"}
            query |= {"state": "s", "code_challenge": challenge, "code_challenge_method": "S256"}
            answer = client.get("/authorize", params=query)
            assert answer.status_code == 302 and "state=s" in answer.headers["location"]
            return str(httpx.URL(answer.headers["location"]).params["code"])

        def token(**changes: str) -> httpx.Response:
            form = {"grant_type": "authorization_code", "redirect_uri": callback}
            form |= {"client_id": CLIENT_ID, "client_secret": CLIENT_SECRET}
            return client.post("/token", data={"code_verifier": verifier, **form, **changes})

        assert token(code=code(), client_secret="wrong").json() == {"error": "invalid_client"}
        assert token(code=code(), code_verifier="w" * 64).json() == {"error": "invalid_grant"}
        once = code()
        granted = token(code=once).json()
        assert granted["token_type"] == "Bearer"
        assert token(code=once).json() == {"error": "invalid_grant"}  # single use
        me = client.get("/userinfo", headers={"authorization": f"Bearer {granted['access_token']}"})
        assert me.json()["email"] == provider.identity.email
        assert client.get("/authorize", params={"client_id": "x"}).status_code == 400
