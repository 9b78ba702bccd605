"""``GET /``: the page that tells a person which account this browser is signed in as.

switcher's own addition (better-auth has no such page), so it runs on switcher's
kinds only: SQLite and PostgreSQL.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.support.browser import Browser
from tests.support.targets import SWITCHER, SWITCHER_POSTGRES, Options, Servers, Target, sign_up

SCRIPT_NAME = "<script>alert(1)</script>"


@pytest.fixture(params=[SWITCHER, SWITCHER_POSTGRES])
def kind(request: pytest.FixtureRequest) -> str:
    return str(request.param)


def _close_browsers(target: Target) -> None:
    for browser in target.browsers:
        browser.close()
    target.browsers.clear()


@pytest.fixture
def target(servers: Servers, kind: str) -> Iterator[Target]:
    target = servers.get(kind, Options())
    yield target
    _close_browsers(target)


def page(browser: Browser, method: str = "GET", cookie: str | None = None) -> httpx.Response:
    """``/`` with exactly the browser's cookies (or ``cookie``) and nothing else."""
    header = browser.cookie_header if cookie is None else cookie
    browser.client.cookies.clear()
    return browser.client.request(method, "/", headers={"cookie": header} if header else {})


def items(html: str) -> list[str]:
    return re.findall(r"<li>(.*?)</li>", html)


def headline(html: str) -> str:
    found = re.search(r"<h1>(.*?)</h1>", html)
    assert found is not None, html
    return found[1]


def csp(response: httpx.Response) -> dict[str, list[str]]:
    directives: dict[str, list[str]] = {}
    for part in response.headers["content-security-policy"].split(";"):
        name, *values = part.split()
        directives[name.lower()] = values
    return directives


def assert_page_headers(response: httpx.Response) -> None:
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/html; charset=utf-8"
    assert response.headers.get_list("set-cookie") == []
    assert response.headers["cache-control"] == "no-store"
    assert response.headers["x-frame-options"] == "DENY"
    policy = csp(response)
    assert policy["default-src"] == ["'none'"]
    # Nothing may run: no script source at all, and nothing loosened but inline
    # styles and the sign-in form's post to this very site.
    assert "script-src" not in policy or policy["script-src"] == ["'none'"]
    loosened = {name for name, values in policy.items() if "'none'" not in values}
    assert loosened <= {"style-src", "form-action"}, policy
    assert policy["form-action"] == ["'self'"]
    assert "'unsafe-eval'" not in response.headers["content-security-policy"]


def test_signed_out(target: Target) -> None:
    response = page(target.browser())
    assert_page_headers(response)
    assert headline(response.text) == '<span id="active-email">Not signed in</span>'
    assert "No accounts on this device" in response.text
    assert items(response.text) == []


def test_two_accounts_the_active_one_marked(target: Target) -> None:
    browser = target.browser()
    alice = sign_up(browser, "alice")
    bob = sign_up(browser, "bob")
    emails = {str(a["user"]["email"]): str(a["token"]) for a in (alice, bob)}  # type: ignore[index]
    alice_email, bob_email = emails

    def shown() -> tuple[str, list[str]]:
        response = page(browser)
        assert_page_headers(response)
        assert "No accounts on this device" not in response.text
        return headline(response.text), items(response.text)

    top, listed = shown()
    assert (
        top == f'Signed in as <span id="active-email" class="active">Bob &lt;{bob_email}&gt;</span>'
    )
    assert len(listed) == 2
    assert {email for email in emails if any(f"&lt;{email}&gt;" in li for li in listed)} == set(
        emails
    )
    assert [li for li in listed if "(active)" in li] == [
        li for li in listed if f"Bob &lt;{bob_email}&gt; (active)" in li
    ]
    assert sum("(active)" in li for li in listed) == 1

    switched = browser.post("/multi-session/set-active", {"sessionToken": emails[alice_email]})
    assert switched.status_code == 200, switched.text
    top, listed = shown()
    assert f"Alice &lt;{alice_email}&gt;" in top
    assert bob_email not in top
    active = [li for li in listed if "(active)" in li]
    assert len(active) == 1
    assert active[0].startswith(f"Alice &lt;{alice_email}&gt; (active)")
    assert len(listed) == 2


def test_names_are_html_escaped(target: Target) -> None:
    browser = target.browser()
    email = str(sign_up(browser, "mallory", name=SCRIPT_NAME)["user"]["email"])  # type: ignore[index]
    response = page(browser)
    assert_page_headers(response)
    assert "<script" not in response.text.lower()
    escaped = "&lt;script&gt;alert(1)&lt;/script&gt;"
    assert f"{escaped} &lt;{email}&gt;" in headline(response.text)
    assert [
        li.startswith(f"{escaped} &lt;{email}&gt; (active)") for li in items(response.text)
    ] == [True]


def test_the_page_never_sets_or_clears_cookies(target: Target) -> None:
    browser = target.browser()
    sign_up(browser)
    stale = browser.cookie_header
    assert_page_headers(page(browser))  # signed in
    assert browser.post("/sign-out").status_code == 200
    # get-session clears a cookie whose session is gone; the page only reads.
    cleared = browser.get("/get-session", cookie=stale)
    assert cleared.headers.get_list("set-cookie") != []
    shown = page(browser, cookie=stale)
    assert_page_headers(shown)
    assert "Not signed in" in shown.text
    forged = page(browser, cookie="better-auth.session_token=forged.value; other=1")
    assert_page_headers(forged)
    assert "Not signed in" in forged.text


def test_head_is_the_page_without_a_body(target: Target) -> None:
    browser = target.browser()
    get = page(browser)
    head = page(browser, "HEAD")
    assert_page_headers(head)
    assert head.content == b""
    assert head.headers["content-length"] == get.headers["content-length"] == str(len(get.content))


# POST is the sign-in form's (tests/unit/server/test_page.py, test_page_sign_in_firefox.py).
@pytest.mark.parametrize("method", ["PUT", "PATCH", "DELETE", "OPTIONS"])
def test_other_methods_on_the_page_are_404(target: Target, method: str) -> None:
    browser = target.browser()
    sign_up(browser)
    response = browser.client.request(
        method,
        "/",
        headers={"cookie": browser.cookie_header, "origin": browser.origin},
        json={"name": "x"},
    )
    assert response.status_code == 404
    assert response.headers.get_list("set-cookie") == []
    assert "Signed in as" not in response.text


def test_an_unusable_database_is_a_json_503_not_a_crash(tmp_path: Path) -> None:
    import asyncio

    from switcher.server import AuthApp, ServerConfig

    app = AuthApp(
        ServerConfig(
            secret="x" * 40,
            base_url="http://127.0.0.1:1",
            database_url="sqlite:////proc/nope/auth.db",
        )
    )

    async def get(path: str) -> httpx.Response:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1:1") as client:
            return await client.get(path)

    for path in ("/", "/api/auth/get-session"):
        response = asyncio.run(get(path))
        assert response.status_code == 503
        assert response.json()["code"] == "DATABASE_ERROR"


def test_a_huge_cookie_header_is_refused_on_the_page_too(servers: Servers) -> None:
    target = servers.get(SWITCHER, Options())
    with httpx.Client(base_url=target.base_url, timeout=30) as client:
        huge = "; ".join(f"c{i}=v{i}" for i in range(3000))
        response = client.get("/", headers={"cookie": huge})
    assert response.status_code == 431
