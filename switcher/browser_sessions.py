"""An account's session in a browser: exported into a profile, or a site opened as it.

Shared by ``switcher export``/``switcher open`` and the tray's menus: the
service says which cookies, ``switcher.browsers`` writes them and launches.
"""

from __future__ import annotations

from dataclasses import dataclass

from switcher.accounts import Accounts
from switcher.browsers import ExportError, Profile, launch
from switcher.browsers.opener import write_profile, writer
from switcher.browsers.registry import is_firefox, labels


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


def open_as(
    service: Accounts,
    email: str,
    *,
    browser: str | None = None,
    url: str | None = None,
    server_name: str | None = None,
) -> Opened:
    """Raises ``AccountsError`` or ``ExportError`` with a one-line message."""
    chosen = browser or next(iter(launch.installed_browsers()), None)
    if chosen is None:
        raise ExportError(f"no supported browser found ({labels()})")
    executable = launch.find_executable(chosen)
    if executable is None:
        raise ExportError(f"{chosen} is not installed")
    server = service.server(server_name)
    account = service.find(email, server_name)
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
