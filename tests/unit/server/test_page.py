"""``/``: the page, and signing in through its plain HTML form (no JavaScript).

A form sign-in is ``POST /sign-in/email`` with another body and answer, so
the tests hold it to that route: the same cookies, origin rule, rate limit.
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest

from switcher.protocol.setcookie import parse_set_cookie
from switcher.server import AuthApp, RateLimit, ServerConfig
from tests.support.targets import PASSWORD, SECRET, unique_email

pytestmark = pytest.mark.anyio

BASE = "http://127.0.0.1:3000"
FORM = "application/x-www-form-urlencoded"
SESSION = "better-auth.session_token"
MULTI = SESSION + "_multi-"


@dataclass
class Site:
    """One app over ASGI, and a browser-like jar of its cookies."""

    app: AuthApp
    client: httpx.AsyncClient
    db: Path
    jar: dict[str, str] = field(default_factory=dict)

    @property
    def cookie(self) -> str:
        return "; ".join(f"{name}={value}" for name, value in self.jar.items())

    def keep(self, response: httpx.Response) -> httpx.Response:
        for line in response.headers.get_list("set-cookie"):
            parsed = parse_set_cookie(line)
            assert parsed is not None, line
            if parsed.deletes:
                self.jar.pop(parsed.name, None)
            else:
                self.jar[parsed.name] = parsed.value
        return response

    async def page(self) -> httpx.Response:
        headers = {"cookie": self.cookie} if self.jar else {}
        return await self.client.get("/", headers=headers)

    async def post_form(
        self,
        data: dict[str, str] | None = None,
        *,
        content: bytes | None = None,
        headers: dict[str, str] | None = None,
        origin: str | None = BASE,
    ) -> httpx.Response:
        sent = {"content-type": FORM}
        if origin is not None:
            sent["origin"] = origin
        if self.jar:
            sent["cookie"] = self.cookie
        sent.update(headers or {})
        if data is not None:
            response = await self.client.post("/", data=data, headers=sent)
        else:
            response = await self.client.post("/", content=content or b"", headers=sent)
        return self.keep(response)

    async def api(self, path: str, body: dict[str, Any]) -> httpx.Response:
        headers = {"origin": BASE}
        if self.jar:
            headers["cookie"] = self.cookie
        return self.keep(await self.client.post("/api/auth" + path, json=body, headers=headers))

    def sessions(self) -> int:
        with sqlite3.connect(self.db) as db:
            count: int = db.execute('select count(*) from "session"').fetchone()[0]
        return count


@asynccontextmanager
async def site(tmp_path: Path, **config: Any) -> AsyncIterator[Site]:
    db = tmp_path / "auth.db"
    options: dict[str, Any] = {"rate_limit": None, **config}
    app = AuthApp(
        ServerConfig(secret=SECRET, base_url=BASE, database_url=f"sqlite:///{db}", **options)
    )
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url=BASE) as client:

        async def forget_cookies(response: httpx.Response) -> None:
            client.cookies.clear()  # each request sends exactly the cookies the test chose

        client.event_hooks["response"] = [forget_cookies]
        yield Site(app, client, db)
    await app.close()


async def new_user(s: Site, name: str = "Alice") -> str:
    """A user signed up with a cookie-less client (so ``s``'s jar stays as it was)."""
    email = unique_email(name.lower())
    answer = await s.client.post(
        "/api/auth/sign-up/email",
        json={"name": name, "email": email, "password": PASSWORD},
        headers={"origin": BASE},
    )
    assert answer.status_code == 200, answer.text
    return email


def headline(html: str) -> str:
    found = re.search(r"<h1>(.*?)</h1>", html)
    assert found is not None, html
    return found[1]


def form_title(html: str) -> str:
    found = re.search(r'<h2 id="sign-in-title">(.*?)</h2>', html)
    assert found is not None, html
    return found[1]


def error_of(html: str) -> str | None:
    found = re.search(r'<p id="sign-in-error" class="error" role="alert">(.*?)</p>', html)
    return found[1] if found else None


def email_value(html: str) -> str:
    found = re.search(r'<input id="email" name="email" type="email" value="([^"]*)"', html)
    assert found is not None, html
    return found[1]


def csp(response: httpx.Response) -> dict[str, list[str]]:
    directives: dict[str, list[str]] = {}
    for part in response.headers["content-security-policy"].split(";"):
        name, *values = part.split()
        directives[name] = values
    return directives


def assert_html(response: httpx.Response, status: int) -> None:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "text/html; charset=utf-8"
    assert response.headers["cache-control"] == "no-store"
    assert response.headers["x-frame-options"] == "DENY"
    assert csp(response) == {
        "default-src": ["'none'"],
        "style-src": ["'unsafe-inline'"],
        "form-action": ["'self'"],
        "base-uri": ["'none'"],
        "frame-ancestors": ["'none'"],
    }
    assert "<script" not in response.text.lower()
    assert "Traceback" not in response.text


def shape(line: str) -> str:
    """A Set-Cookie line with its value (and the token in a multi cookie's name) blanked."""
    parsed = parse_set_cookie(line)
    assert parsed is not None, line
    name = MULTI + "*" if parsed.name.startswith(MULTI) else parsed.name
    return name + "=*" + line[line.index(";") :]


# -- the form ----------------------------------------------------------------------


async def test_signed_out_the_page_offers_to_sign_in(tmp_path: Path) -> None:
    async with site(tmp_path) as s:
        response = await s.page()
        assert_html(response, 200)
        assert response.headers.get_list("set-cookie") == []
        html = response.text
        assert headline(html) == '<span id="active-email">Not signed in</span>'
        assert form_title(html) == "Sign in"
        assert error_of(html) is None
        assert '<form method="post" action="/" accept-charset="utf-8">' in html
        assert (
            '<input id="email" name="email" type="email" value=""'
            ' autocomplete="username" required autofocus>'
        ) in html
        assert (
            '<input id="password" name="password" type="password"'
            ' autocomplete="current-password" required>'
        ) in html
        assert '<label for="email">Email</label>' in html
        assert '<label for="password">Password</label>' in html
        assert '<button type="submit">Sign in</button>' in html


async def test_signed_in_the_page_offers_to_add_another_account(tmp_path: Path) -> None:
    async with site(tmp_path) as s:
        email = await new_user(s)
        assert (await s.api("/sign-in/email", {"email": email, "password": PASSWORD})).is_success
        response = await s.page()
        assert_html(response, 200)
        assert f"&lt;{email}&gt;" in headline(response.text)
        assert form_title(response.text) == "Add another account"
        assert email_value(response.text) == ""  # never pre-filled with the signed-in account


async def test_head_is_still_the_page_and_other_methods_still_404(tmp_path: Path) -> None:
    async with site(tmp_path) as s:
        head = await s.client.head("/")
        assert head.status_code == 200
        assert head.headers["content-length"] == str(len((await s.page()).content))
        for method in ("PUT", "PATCH", "DELETE"):
            other = await s.client.request(method, "/", headers={"origin": BASE})
            assert other.status_code == 404


# -- signing in ---------------------------------------------------------------------


async def test_a_form_sign_in_sets_what_the_api_sets_and_comes_back_to_the_page(
    tmp_path: Path,
) -> None:
    async with site(tmp_path) as s:
        email = await new_user(s)
        before = s.sessions()
        response = await s.post_form({"email": email, "password": PASSWORD})
        assert response.status_code == 303, response.text
        assert response.headers["location"] == "/"
        assert response.headers["cache-control"] == "no-store"
        assert s.sessions() == before + 1
        form_lines = response.headers.get_list("set-cookie")

        api = Site(s.app, s.client, s.db)
        answer = await api.api("/sign-in/email", {"email": email, "password": PASSWORD})
        assert answer.status_code == 200
        api_lines = answer.headers.get_list("set-cookie")
        assert sorted(map(shape, form_lines)) == sorted(map(shape, api_lines))
        assert len(form_lines) == 2  # the session cookie and its device (multi) cookie
        assert sorted(s.jar)[0] == SESSION
        assert len([name for name in s.jar if name.startswith(MULTI)]) == 1

        page = await s.page()
        assert_html(page, 200)
        assert headline(page.text) == (
            f'Signed in as <span id="active-email" class="active">Alice &lt;{email}&gt;</span>'
        )
        assert form_title(page.text) == "Add another account"
        # The session works with the API too: it is the same kind of session.
        session = await s.client.get("/api/auth/get-session", headers={"cookie": s.cookie})
        assert session.json()["user"]["email"] == email


async def test_a_second_account_through_the_form_keeps_the_first(tmp_path: Path) -> None:
    async with site(tmp_path) as s:
        alice, bob = await new_user(s, "Alice"), await new_user(s, "Bob")
        assert (await s.post_form({"email": alice, "password": PASSWORD})).status_code == 303
        assert (await s.post_form({"email": bob, "password": PASSWORD})).status_code == 303
        assert len([name for name in s.jar if name.startswith(MULTI)]) == 2
        page = await s.page()
        assert f"Bob &lt;{bob}&gt;" in headline(page.text)
        listed = re.findall(r"<li>(.*?)</li>", page.text)
        assert len(listed) == 2
        assert any(li.startswith(f"Alice &lt;{alice}&gt; <") for li in listed)
        assert any(li.startswith(f"Bob &lt;{bob}&gt; (active)") for li in listed)
        # Signing in as Alice again replaces her session on this device, as the API does.
        assert (await s.post_form({"email": alice, "password": PASSWORD})).status_code == 303
        assert len([name for name in s.jar if name.startswith(MULTI)]) == 2
        assert f"Alice &lt;{alice}&gt;" in headline((await s.page()).text)


async def test_the_email_is_matched_without_case_as_by_the_api(tmp_path: Path) -> None:
    async with site(tmp_path) as s:
        email = await new_user(s)
        assert (
            await s.post_form({"email": email.upper(), "password": PASSWORD})
        ).status_code == 303
        assert email in headline((await s.page()).text)


async def test_under_a_mount_the_form_and_the_redirect_stay_under_it(tmp_path: Path) -> None:
    from starlette.applications import Starlette
    from starlette.routing import Mount

    async with site(tmp_path) as s:
        email = await new_user(s)
        host = Starlette(routes=[Mount("/identity", app=s.app)])
        transport = httpx.ASGITransport(app=host)
        async with httpx.AsyncClient(transport=transport, base_url=BASE) as client:
            page = await client.get("/identity/")
            assert '<form method="post" action="/identity/"' in page.text
            posted = await client.post(
                "/identity/",
                data={"email": email, "password": PASSWORD},
                headers={"origin": BASE},
            )
            assert posted.status_code == 303
            assert posted.headers["location"] == "/identity/"


# -- refusals ---------------------------------------------------------------------------


async def test_a_wrong_password_shows_the_page_again_with_the_email_kept(tmp_path: Path) -> None:
    async with site(tmp_path) as s:
        email = await new_user(s)
        before = s.sessions()
        wrong = "not-the-password-4711"
        for tried in (email, unique_email("nobody")):
            response = await s.post_form({"email": tried, "password": wrong})
            assert_html(response, 401)
            assert response.headers.get_list("set-cookie") == []
            assert error_of(response.text) == "Wrong email or password"
            assert email_value(response.text) == tried
            assert wrong not in response.text
            assert headline(response.text) == '<span id="active-email">Not signed in</span>'
            # The cursor goes where the next keystroke belongs.
            assert 'autocomplete="current-password" required autofocus>' in response.text
        assert s.sessions() == before


async def test_a_kept_email_is_html_escaped(tmp_path: Path) -> None:
    async with site(tmp_path) as s:
        quoted = "o'brien-" + unique_email()  # a valid address an attribute must escape
        wrong = await s.post_form({"email": quoted, "password": "x"})
        assert_html(wrong, 401)
        assert email_value(wrong.text) == quoted.replace("'", "&#x27;")

        script = '"><script>alert(1)</script>@example.com'
        invalid = await s.post_form({"email": script, "password": "x"})
        assert_html(invalid, 400)  # as the API: not an email address at all
        assert error_of(invalid.text) == "That is not a valid email address"
        assert email_value(invalid.text) == (
            "&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;@example.com"
        )
        assert s.sessions() == 0


async def test_an_active_sign_in_is_kept_after_a_wrong_password(tmp_path: Path) -> None:
    async with site(tmp_path) as s:
        alice, bob = await new_user(s, "Alice"), await new_user(s, "Bob")
        assert (await s.post_form({"email": alice, "password": PASSWORD})).status_code == 303
        jar = dict(s.jar)
        response = await s.post_form({"email": bob, "password": "wrong-password"})
        assert_html(response, 401)
        assert s.jar == jar
        assert f"&lt;{alice}&gt;" in headline(response.text)
        assert form_title(response.text) == "Add another account"


@pytest.mark.parametrize(
    ("headers", "with_cookie", "status"),
    [
        ({"origin": "http://evil.example"}, False, 403),
        ({"origin": "http://127.0.0.1:3001"}, False, 403),
        ({"origin": "null"}, False, 403),
        ({"referer": "http://evil.example/login"}, False, 403),
        ({"sec-fetch-site": "cross-site", "sec-fetch-mode": "navigate"}, False, 403),
        ({"sec-fetch-site": "same-origin"}, False, 403),  # a browser, yet no Origin
        ({}, True, 403),  # a browser with cookies always sends Origin on a POST
        ({"origin": "http://evil.example"}, True, 403),
    ],
)
async def test_a_cross_site_form_post_is_refused(
    tmp_path: Path, headers: dict[str, str], with_cookie: bool, status: int
) -> None:
    async with site(tmp_path) as s:
        victim = await new_user(s, "Victim")
        if with_cookie:
            assert (await s.post_form({"email": victim, "password": PASSWORD})).status_code == 303
        attacker = await new_user(s, "Attacker")
        before, jar = s.sessions(), dict(s.jar)
        response = await s.post_form(
            {"email": attacker, "password": PASSWORD}, headers=headers, origin=None
        )
        assert_html(response, status)
        assert response.headers.get_list("set-cookie") == []
        assert s.jar == jar
        assert s.sessions() == before
        message = error_of(response.text)
        assert message is not None and message.startswith("Refused:")
        assert email_value(response.text) == ""  # the refused form's contents are not echoed


async def test_an_untrusted_origin_is_named_with_the_address_to_use(tmp_path: Path) -> None:
    async with site(tmp_path) as s:
        email = await new_user(s)
        response = await s.post_form(
            {"email": email, "password": PASSWORD}, origin="http://localhost:3000"
        )
        assert_html(response, 403)
        assert error_of(response.text) == (
            "Refused: this sign-in form was sent from http://localhost:3000, which this "
            "server does not trust; open http://127.0.0.1:3000/ instead"
        )


async def test_a_trusted_origin_besides_the_base_url_may_post(tmp_path: Path) -> None:
    async with site(tmp_path, trusted_origins=("http://localhost:3000",)) as s:
        email = await new_user(s)
        response = await s.post_form(
            {"email": email, "password": PASSWORD}, origin="http://localhost:3000"
        )
        assert response.status_code == 303


async def test_without_origin_or_cookies_a_client_may_post_as_to_the_api(tmp_path: Path) -> None:
    # better-auth's rule for credential routes: a non-browser client (curl) sends
    # no Origin; only what a browser sends is checked.
    async with site(tmp_path) as s:
        email = await new_user(s)
        response = await s.post_form({"email": email, "password": PASSWORD}, origin=None)
        assert response.status_code == 303


@pytest.mark.parametrize(
    ("content", "content_type", "status", "message"),
    [
        (b"password=password123", FORM, 400, "Enter your email and password"),
        (b"email=a%40example.com", FORM, 400, "Enter your email and password"),
        (b"email=a%40example.com&password=", FORM, 400, "Enter your email and password"),
        (b"", FORM, 400, "Enter your email and password"),
        (b"%%%", FORM, 400, "Enter your email and password"),
        (b"email=a%40example.com&password=%FF", FORM, 400, "The sign-in form was not UTF-8 text"),
        (b"email=\xe9t\xe9%40example.com&password=x", FORM, 400, "was not UTF-8 text"),
        (b'{"email":"a@example.com","password":"x"}', "application/json", 415, "Send the"),
        (b"email=a%40example.com&password=x", None, 415, "Send the"),
        (b"email=a%40example.com&password=x", "text/plain", 415, "Send the"),
        (b"email=a%40example.com&password=x", "multipart/form-data; boundary=x", 415, "Send"),
        (b"email=a%40example.com&password=x", FORM + "; charset=iso-8859-1", 415, "Send"),
        (b"email=a%40example.com&password=" + b"x" * 70_000, FORM, 413, "too large"),
    ],
)
async def test_bad_input_is_a_clear_4xx_and_changes_nothing(
    tmp_path: Path, content: bytes, content_type: str | None, status: int, message: str
) -> None:
    async with site(tmp_path) as s:
        await new_user(s)
        before = s.sessions()
        headers = {"origin": BASE}
        if content_type is not None:
            headers["content-type"] = content_type
        response = await s.client.post("/", content=content, headers=headers)
        assert_html(response, status)
        assert response.headers.get_list("set-cookie") == []
        error = error_of(response.text)
        assert error is not None and message in error, error
        assert s.sessions() == before


async def test_a_utf8_charset_parameter_is_accepted(tmp_path: Path) -> None:
    async with site(tmp_path) as s:
        email = await new_user(s)
        response = await s.post_form(
            {"email": email, "password": PASSWORD},
            headers={"content-type": FORM + "; charset=UTF-8"},
        )
        assert response.status_code == 303


async def test_extra_fields_are_ignored_callbacks_included(tmp_path: Path) -> None:
    async with site(tmp_path) as s:
        email = await new_user(s)
        response = await s.post_form(
            {
                "email": email,
                "password": PASSWORD,
                "callbackURL": "https://evil.example/",
                "rememberMe": "false",
            }
        )
        assert response.status_code == 303
        assert response.headers["location"] == "/"
        assert not any("dont_remember" in name for name in s.jar)


async def test_a_long_password_is_refused_before_any_hashing(tmp_path: Path) -> None:
    async with site(tmp_path) as s:
        email = await new_user(s)
        response = await s.post_form({"email": email, "password": "x" * 129})
        assert_html(response, 400)
        assert error_of(response.text) == "That password is too long"


async def test_form_sign_ins_share_the_api_sign_in_rate_limit(tmp_path: Path) -> None:
    async with site(tmp_path, rate_limit=RateLimit()) as s:
        email = await new_user(s)
        for _ in range(2):
            assert (await s.post_form({"email": email, "password": "wrong"})).status_code == 401
        answer = await s.api("/sign-in/email", {"email": email, "password": "wrong"})
        assert answer.status_code == 401
        before = s.sessions()
        limited = await s.post_form({"email": email, "password": PASSWORD})
        assert_html(limited, 429)
        assert limited.headers["x-retry-after"] == limited.headers["retry-after"]
        assert 0 < int(limited.headers["retry-after"]) <= 10
        message = error_of(limited.text)
        assert message is not None and message.startswith("Too many sign-in attempts")
        assert limited.headers.get_list("set-cookie") == []
        assert s.sessions() == before
        api = await s.api("/sign-in/email", {"email": email, "password": PASSWORD})
        assert api.status_code == 429
