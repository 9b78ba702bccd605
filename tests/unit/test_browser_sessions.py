"""Which pages ``switcher open`` opens as an account: those its session cookie is sent to."""

from __future__ import annotations

import pytest

from switcher.accounts import AccountsError
from switcher.browser_sessions import OtherSiteError, page_on_site
from switcher.protocol.cookie import Cookie
from switcher.vault import Server

SESSION = "better-auth.session_token"


def _session(domain: str, *, host_only: bool = True, secure: bool = False) -> list[Cookie]:
    # With a multi-session cookie beside it, as device_cookies returns them.
    return [
        Cookie(SESSION, "token.sig", domain, host_only=host_only, secure=secure),
        Cookie(f"{SESSION}_multi-abc", "token.sig", domain, host_only=host_only, secure=secure),
    ]


def test_host_only_cookie_the_servers_host_on_any_port_and_path() -> None:
    server = Server("work", "https://app.example.com")
    cookies = _session("app.example.com", secure=True)
    for url in (
        "https://app.example.com",
        "https://app.example.com/team/settings?tab=2#top",
        "https://APP.example.com:8443/",  # hosts are case-blind; cookies ignore ports
        "  https://app.example.com/  ",
    ):
        assert page_on_site(url, server, cookies) == url.strip()
    for url in (
        "https://example.com/",  # the parent: a host-only cookie is not sent there
        "https://admin.app.example.com/",
        "https://app.example.com.evil.test/",
        "http://app.example.com/",  # a Secure cookie never goes over plain http
    ):
        with pytest.raises(OtherSiteError) as refused:
            page_on_site(url, server, cookies)
        assert f"is not on the site of server 'work' ({server.url})" in str(refused.value)


def test_the_bundled_server_on_loopback() -> None:
    server = Server("local", "http://127.0.0.1:3000")
    cookies = _session("127.0.0.1")
    assert page_on_site("http://127.0.0.1:3000/x", server, cookies)
    assert page_on_site("http://127.0.0.1:5173/", server, cookies)  # a dev front-end
    for url in ("https://app.example.com", "http://localhost:3000/", "http://127.0.0.2:3000/"):
        with pytest.raises(OtherSiteError, match=r"\(http://127\.0\.0\.1:3000\)"):
            page_on_site(url, server, cookies)


def test_cross_subdomain_cookies_reach_every_subdomain() -> None:
    """better-auth's crossSubDomainCookies: Domain=example.com, so the site's other hosts too."""
    server = Server("work", "https://auth.example.com")
    cookies = _session("example.com", host_only=False, secure=True)
    for url in ("https://app.example.com/", "https://example.com/", "https://a.b.example.com/"):
        assert page_on_site(url, server, cookies) == url
    with pytest.raises(OtherSiteError):
        page_on_site("https://notexample.com/", server, cookies)


def test_the_server_a_page_belongs_to_is_named() -> None:
    local = Server("local", "http://127.0.0.1:3000")
    others = [local, Server("work", "https://app.example.com"), Server("x", "https://x.test")]
    with pytest.raises(OtherSiteError) as refused:
        page_on_site("https://app.example.com/team", local, _session("127.0.0.1"), others)
    assert refused.value.owner == "work"
    with pytest.raises(OtherSiteError) as unknown:
        page_on_site("https://elsewhere.test/", local, _session("127.0.0.1"), others)
    assert unknown.value.owner is None


@pytest.mark.parametrize(
    ("url", "hint"),
    [
        ("app.example.com/team", "(did you mean https://app.example.com/team?)"),
        ("localhost:3000/x", "(did you mean http://localhost:3000/x?)"),
        ("ftp://app.example.com/", ""),
        ("file:///etc/passwd", ""),
        ("", ""),
    ],
)
def test_not_a_web_page(url: str, hint: str) -> None:
    server = Server("work", "https://app.example.com")
    with pytest.raises(AccountsError, match="not a web page's URL") as refused:
        page_on_site(url, server, _session("app.example.com"))
    assert not isinstance(refused.value, OtherSiteError)
    if hint:
        assert str(refused.value).endswith(hint)
    else:
        assert "did you mean" not in str(refused.value)


@pytest.mark.parametrize(
    "url", ["https://u:s3cret-pw@127.0.0.1:3000/", "u:s3cret-pw@127.0.0.1:3000/x"]
)
def test_a_page_with_a_user_or_password_is_refused_never_repeated_nor_opened(url: str) -> None:
    """A browser given it would send the password to the site; a terminal would show it."""
    local = Server("local", "http://127.0.0.1:3000")
    with pytest.raises(AccountsError) as refused:
        page_on_site(url, local, _session("127.0.0.1"))
    assert "s3cret" not in str(refused.value) and "u:" not in str(refused.value)
    assert "no user name or password" in str(refused.value)
