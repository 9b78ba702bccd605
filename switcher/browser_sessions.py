"""An account's session in a browser: exported into a profile, or a site opened as it.

Shared by ``switcher export``/``switcher open``/``accounts import`` and the
tray's menus: the service says which cookies, ``switcher.browsers`` writes
(or reads) them and launches.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import urlsplit

from switcher.accounts import Accounts, AccountsError, Imported
from switcher.browsers import Profile, launch
from switcher.browsers.opener import read_profile, write_profile, writer
from switcher.browsers.registry import is_firefox
from switcher.client.jar import CookieJar
from switcher.protocol.cookie import Cookie
from switcher.protocol.cookies import is_session_cookie
from switcher.protocol.hosts import is_loopback, userinfo_host
from switcher.vault import Server


class OtherSiteError(AccountsError):
    """The page asked for is not on the server's site: its session would not go along."""

    def __init__(self, message: str, owner: str | None = None) -> None:
        super().__init__(message)
        self.owner = owner  # the configured server whose host the page is on, if any


@dataclass(frozen=True)
class Opened:
    browser: str
    url: str
    email: str
    pid: int


def export_to(
    service: Accounts,
    profile: Profile,
    email: str | None = None,
    server_name: str | None = None,
) -> int:
    """Write the account's (default: the active one's) session into ``profile``."""
    cookies = service.device_cookies(email, server_name)
    write_profile(profile.browser, profile.path, cookies)
    return len(cookies)


def import_from(service: Accounts, profile: Profile, server_name: str | None = None) -> Imported:
    """The sessions ``profile`` holds for the server's site, brought in (it is only read)."""
    server = service.server(server_name)
    host = urlsplit(server.url).hostname or ""
    cookies = read_profile(profile.browser, profile.path, host)
    return service.import_sessions(cookies, server.name)


def open_as(
    service: Accounts,
    email: str,
    *,
    browser: str | None = None,
    url: str | None = None,
    server_name: str | None = None,
) -> Opened:
    """Raises ``AccountsError`` or ``ExportError`` with a one-line message.

    Without ``browser``: the one the account already has a profile in (it
    signed in there, or was opened there before), else the first installed.
    ``url`` must be a page the account's session cookie is sent to
    (``OtherSiteError`` otherwise, before any profile is written or browser started).
    """
    server = service.server(server_name)
    account = service.find(email, server_name)
    cookies = service.device_cookies(email, server_name)
    if url is not None:
        url = page_on_site(url, server, cookies, service.vault.index.servers.values())
    if browser is None:
        browser = next(
            (
                b
                for b in launch.installed_browsers()
                if launch.profile_path(b, server.url, account.user_id).is_dir()
            ),
            None,
        )
    chosen, executable = launch.choose(browser)
    profile = launch.dedicated_profile(chosen, server.url, account.user_id)
    # For the Chromium family the dedicated profile is a whole user-data dir,
    # whose one profile is "Default".
    inner = profile if is_firefox(chosen) else profile / "Default"
    # An open window of this profile already holds the session; otherwise
    # write it first.
    if not writer(chosen).is_running(inner):
        inner.mkdir(exist_ok=True)
        write_profile(chosen, inner, cookies)
    target = url or server.url + "/"
    pid = launch.launch(launch.command(chosen, executable, profile, target))
    return Opened(chosen, target, account.email, pid)


def page_on_site(
    url: str, server: Server, cookies: list[Cookie], others: Iterable[Server] = ()
) -> str:
    """``url`` (stripped) if a browser would send it the session in ``cookies``.

    "The server's site" is what the cookie itself allows, as a browser
    decides it, so the rule is right for every server's cookie settings: for
    better-auth's default host-only cookie the server's host exactly, on any
    port (cookies ignore ports: a dev front-end on localhost:5173 beside the
    auth server on localhost:3000 is signed in too) and any path under the
    cookie's; for a site with crossSubDomainCookies (a Domain cookie), that
    domain and its subdomains; a Secure cookie only over https (or loopback).
    Anywhere else the browser would show the page signed out, without a word.
    ``others``: the configured servers, to name the one the page belongs to.
    """
    text = url.strip()
    host = userinfo_host(text)
    if host is not None:  # never repeated, nor handed to a browser: it may be a password
        raise AccountsError(
            f"a web page's URL holds no user name or password: leave out the part before {host}"
        )
    parts = urlsplit(text)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        hint = ""
        if "://" not in text and text:
            scheme = "http" if is_loopback(text.split("/")[0].split(":")[0]) else "https"
            hint = f" (did you mean {scheme}://{text}?)"
        raise AccountsError(f"not a web page's URL: {url!r}{hint}")
    session = [c for c in cookies if is_session_cookie(c.name)] or cookies
    if CookieJar(session).header_for(text):
        return text
    host = parts.hostname
    owner = next(
        (s.name for s in others if s.name != server.name and urlsplit(s.url).hostname == host),
        None,
    )
    raise OtherSiteError(
        f"{text} is not on the site of server {server.name!r} ({server.url}), "
        "the only site its sessions work on",
        owner,
    )
