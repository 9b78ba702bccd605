"""An account's session in a browser: exported into a profile, or a site opened as it.

Shared by ``switcher export``/``switcher open``/``accounts import`` and the
tray's menus: the service says which cookies, ``switcher.browsers`` writes
(or reads) them and launches.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

from switcher.accounts import Accounts, Imported
from switcher.browsers import Profile, launch
from switcher.browsers.opener import read_profile, write_profile, writer
from switcher.browsers.registry import is_firefox


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
    """
    server = service.server(server_name)
    account = service.find(email, server_name)
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
    cookies = service.device_cookies(email, server_name)
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
