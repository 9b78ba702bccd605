"""Signing an account in through a real browser: any way the site allows.

switcher opens the site's sign-in page in a fresh browser profile of its own,
the person signs in there (OAuth, a passkey, a magic link, two factors…),
and the session is taken the moment the site sets it: each session cookie
the site would be sent, not there when the window opened, is confirmed with
get-session and kept exactly as a password sign-in keeps its own, and the
account becomes active. The window is then closed, like an OAuth pop-up, and
the profile becomes the account's own (the one ``switcher open`` uses), so
the session there and in switcher is the same one. Cancelled, timed out or
closed by the person: the profile is deleted and nothing is kept.

Shared by ``switcher accounts add --browser`` and the tray.
"""

from __future__ import annotations

import logging
import shutil
import socket
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from switcher.accounts import Accounts, AccountsError, ServerNotFoundError
from switcher.browsers import ExportError, launch
from switcher.browsers.registry import is_firefox, label
from switcher.browsers.sign_in_window import SignInWindow, WindowClosedError, open_window
from switcher.bundled import LOCAL, LOCAL_URL
from switcher.paths import private_dir
from switcher.protocol.hosts import is_ip_address
from switcher.session_import import sessions_for
from switcher.vault import Account

log = logging.getLogger("switcher.browser_sign_in")

SIGN_IN_PREFIX = "sign-in-"  # a profile of a sign-in in progress, not an account's yet
DEFAULT_TIMEOUT = 600.0  # seconds: time to go through a provider's pages, and a second factor
# How often the window's cookies are read: the Chromium family answers over
# its pipe in about a millisecond; a fresh Firefox profile's store is small to
# copy, and Firefox itself takes about half a second to write a new cookie.
POLL_SECONDS = 0.1


class BrowserSignInError(AccountsError):
    """The browser sign-in ended without an account; nothing was kept."""


@dataclass(frozen=True)
class SignedInWithBrowser:
    account: Account
    browser: str
    profile: Path  # the account's own profile now (kept for ``switcher open``)


def choose_browser(browser: str | None) -> tuple[str, str]:
    """The browser to sign in with (default: the first installed) and its executable."""
    try:
        return launch.choose(browser)
    except ExportError as error:
        raise BrowserSignInError(str(error)) from None


def sign_in_with_browser(
    service: Accounts,
    browser: str | None = None,
    server_name: str | None = None,
    *,
    timeout: float = DEFAULT_TIMEOUT,
    cancelled: threading.Event | None = None,
    opened: Callable[[str, str], None] | None = None,
) -> SignedInWithBrowser:
    """Wait until the person has signed in in the window; the account, active.

    ``opened(browser, url)`` is called once the window is open. Raises
    ``BrowserSignInError`` (closed, cancelled, timed out: nothing kept) or
    ``AccountsError`` (the site failed to confirm a session).
    """
    server = service.server(server_name)
    url = service.sign_in_url(server.name)
    host = (urlsplit(server.url).hostname or "").lower()
    chosen, executable = choose_browser(browser)
    if server.name != LOCAL:
        # Asked first, as a password sign-in would: a site that is down fails
        # now, not after the whole timeout in front of a browser's error page.
        try:
            service.check_answers(server.name)
        except ServerNotFoundError as error:
            raise BrowserSignInError(f"{error}; no browser was opened") from None
    profile = _fresh_profile(chosen)
    kept = False
    local: _LocalFace | None = None
    try:
        if server.name == LOCAL:
            local = _LocalFace()
            local.keep_served()
        try:
            window = open_window(chosen, executable, profile, url)
        except ExportError as error:
            raise BrowserSignInError(str(error)) from None
        try:
            if opened is not None:
                opened(chosen, url)
            account = _watch(service, server.name, window, host, timeout, cancelled, local, url)
        finally:
            window.close()
        kept_at = _keep_profile(chosen, profile, server.url, account.user_id)
        kept = True
        return SignedInWithBrowser(account, chosen, kept_at)
    finally:
        if local is not None:
            local.stop()
        if not kept:
            shutil.rmtree(profile, ignore_errors=True)


class _LocalFace:
    """The bundled server on 127.0.0.1 for the browser, served here when nobody else does.

    The app serves it while it runs, and so does ``switcher serve``; a
    command on its own serves it for the sign-in (the same database and
    secret: the session the browser gets is one switcher reads in process).
    If whoever served it stops (the app quit), this process takes over, so
    the person's next click in the window reaches a server.
    """

    RECHECK = 2.0  # seconds between looks at whether anyone still serves it

    def __init__(self) -> None:
        from switcher.bundled_server import bundled_server

        self.server = bundled_server()
        self.ours = False
        self.elsewhere = ""  # for a timeout's message: another program had the port
        self._next_look = 0.0

    def keep_served(self) -> None:
        if self.ours or self.server.http_url is not None or time.monotonic() < self._next_look:
            return  # ours already (this command's, or the app's own in this process)
        self._next_look = time.monotonic() + self.RECHECK
        # The app or switcher serve, most likely, when something answers there.
        self.ours = not _answers(LOCAL_URL) and self.server.serve_http()
        self.elsewhere = (
            ""
            if self.ours
            else f"{LOCAL_URL} was served by another program: if that is not switcher, "
            "stop it and try again"
        )

    def stop(self) -> None:
        if self.ours:
            self.server.stop_http()


def _answers(url: str) -> bool:
    """Whether something accepts connections at ``url``'s host and port."""
    parts = urlsplit(url)
    try:
        with socket.create_connection((parts.hostname or "", parts.port or 80), timeout=1):
            return True
    except OSError:
        return False


def _watch(
    service: Accounts,
    server_name: str,
    window: SignInWindow,
    host: str,
    timeout: float,
    cancelled: threading.Event | None,
    local: _LocalFace | None,
    page: str,
) -> Account:
    server = service.server(server_name)
    poll = POLL_SECONDS
    deadline = time.monotonic() + timeout
    seen: set[str] = set()  # tokens asked about already (each is asked once)
    while True:
        if cancelled is not None and cancelled.is_set():
            raise BrowserSignInError("sign-in cancelled; nothing was kept")
        if local is not None:
            local.keep_served()
        try:
            cookies = window.cookies(host)
        except WindowClosedError:
            raise BrowserSignInError(
                f"{label(window.browser)} was closed before you signed in; nothing was kept"
            ) from None
        for session in sessions_for(server.url, cookies, time.time()):
            if session.token in seen:
                continue
            seen.add(session.token)
            account = service.add_signed_in(session, server_name)
            if account is not None:
                log.info("signed in %s on %s with %s", account.email, server_name, window.browser)
                return account
        if time.monotonic() >= deadline:
            why = window.last_error or (local.elsewhere if local else "") or _elsewhere(page, host)
            because = f" ({why})" if why else ""
            raise BrowserSignInError(
                f"no sign-in within {timeout:.0f} s; nothing was kept{because}"
            )
        if cancelled is not None:
            cancelled.wait(poll)
        else:
            time.sleep(poll)


def _elsewhere(page: str, host: str) -> str:
    """Why a sign-in on ``page`` may never give ``host`` a cookie: another site's page."""
    page_host = (urlsplit(page).hostname or "").lower()
    if page_host == host:
        return ""
    # Sibling hosts of one site (app. and api.example.com) may share a domain
    # cookie; an address, localhost or another domain cannot.
    named = not (is_ip_address(host) or is_ip_address(page_host) or "." not in host)
    if named and host.split(".")[-2:] == page_host.split(".")[-2:]:
        return ""
    return (
        f"the sign-in page is on {page_host}, the server on {host}: cookies the page's site "
        "sets do not reach the server; add the server with --sign-in-url on its own host"
    )


def _fresh_profile(browser: str) -> Path:
    """An empty profile of switcher's own, for one sign-in."""
    root = launch.profiles_dir(browser)
    private_dir(root)
    _clear_leftovers(browser, root)
    path = root / f"{SIGN_IN_PREFIX}{uuid.uuid4().hex[:12]}"
    launch.create_profile(path, browser)
    return path


def _clear_leftovers(browser: str, root: Path) -> None:
    """Delete the profiles of sign-ins whose process died (an app quit mid-sign-in)."""
    from switcher.browsers.opener import writer

    for leftover in root.glob(f"{SIGN_IN_PREFIX}*"):
        inner = leftover if is_firefox(browser) else leftover / "Default"
        if not writer(browser).is_running(inner):
            shutil.rmtree(leftover, ignore_errors=True)


def _keep_profile(browser: str, profile: Path, server_url: str, user_id: str) -> Path:
    """The signed-in profile becomes the account's own, unless it has one already."""
    own = launch.profile_path(browser, server_url, user_id)
    if own.exists():
        # Its own profile may be open in a window; ``switcher open`` writes the
        # new session into it before the next launch.
        shutil.rmtree(profile, ignore_errors=True)
        return own
    profile.rename(own)
    return own
