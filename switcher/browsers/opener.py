"""Open a site as an account: write its session into the account's own profile, launch.

Shared by ``switcher open`` and the tray's "Open in browser as".
"""

from __future__ import annotations

import importlib
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

from switcher.accounts import Accounts, AccountsError
from switcher.browsers import FIREFOX, ExportCookie, ExportError, Profile, launch
from switcher.browsers.source import export_cookies
from switcher.paths import data_dir

log = logging.getLogger("switcher.browsers")


@dataclass(frozen=True)
class Opened:
    browser: str
    url: str
    email: str
    pid: int


def writer(browser: str) -> ModuleType:
    """The export module for a browser (Firefox, or the Chromium family)."""
    return importlib.import_module(
        "switcher.browsers." + ("firefox" if browser in FIREFOX else "chromium")
    )


def all_profiles() -> list[Profile]:
    """Every Firefox and Chromium-family profile found on this machine."""
    found: list[Profile] = []
    for family in ("firefox", "chromium"):
        found += writer(family).find_profiles()
    return found


def write_profile(
    browser: str,
    path: Path,
    cookies: Sequence[ExportCookie],
    container: str | None = None,
    encryption: str = "auto",
) -> None:
    """Write ``cookies`` into one profile of ``browser``, its backups in the data directory."""
    backups = data_dir() / "backups" / browser
    backups.mkdir(parents=True, exist_ok=True)
    module = writer(browser)
    if browser in FIREFOX:
        module.export(path, cookies, container=container, backup_dir=backups)
    else:
        module.export(path, cookies, backup_dir=backups, browser=browser, encryption=encryption)
    # Hosts and counts only: cookie names carry session tokens (the multi-session ones).
    log.info(
        "exported %d cookies for %s to %s profile %s%s",
        len(cookies),
        ", ".join(sorted({c.host for c in cookies})),
        browser,
        path,
        f" (container {container})" if container else "",
    )


def export_to(
    service: Accounts,
    profile: Profile,
    email: str | None = None,
    server_name: str | None = None,
) -> int:
    """Write the account's (default: the active one's) session into ``profile``."""
    cookies = export_cookies(service.device_cookies(email, server_name))
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
        raise ExportError(
            "no supported browser found (Firefox, Chromium, Chrome, Brave, Edge, Vivaldi)"
        )
    executable = launch.find_executable(chosen)
    if executable is None:
        raise ExportError(f"{chosen} is not installed")
    server = service.server(server_name)
    account = server.find(email)
    if account is None:
        raise AccountsError(f"no account {email} on {server.name}")
    cookies = export_cookies(service.device_cookies(email, server_name))
    profile = launch.dedicated_profile(chosen, server.url, account.user_id)
    # An open window of this profile already holds the session; otherwise
    # write it first.
    if not writer(chosen).is_running(profile):
        if chosen in FIREFOX:
            write_profile(chosen, profile, cookies)
        else:
            # The dedicated profile is a whole user-data dir; its profile is "Default".
            (profile / "Default").mkdir(exist_ok=True)
            write_profile(chosen, profile / "Default", cookies)
    target = url or server.url + "/"
    pid = launch.launch(launch.command(chosen, executable, profile, target))
    return Opened(chosen, target, account.email, pid)
