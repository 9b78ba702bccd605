"""Browser profiles of every family, and writing cookies into one of them."""

from __future__ import annotations

import importlib
import logging
from collections.abc import Sequence
from pathlib import Path
from types import ModuleType

from switcher.browsers import CookieReadError, ExportError, Profile
from switcher.browsers.registry import READABLE, Family, spec
from switcher.paths import data_dir, private_dir
from switcher.protocol.cookie import Cookie

log = logging.getLogger("switcher.browsers")


def writer(browser: str) -> ModuleType:
    """The code of ``browser``'s family (``firefox`` or ``chromium``), which reads and writes it."""
    found = spec(browser)
    if found is None:
        raise ExportError(f"switcher does not know the browser {browser!r}")
    return family_module(found.family)


def family_module(family: Family) -> ModuleType:
    return importlib.import_module(f"switcher.browsers.{family.value}")


def all_profiles() -> list[Profile]:
    """Every profile of every browser in the registry found on this machine."""
    found: list[Profile] = []
    for family in Family:
        found += family_module(family).find_profiles()
    return found


def write_profile(
    browser: str,
    path: Path,
    cookies: Sequence[Cookie],
    container: str | None = None,
    encryption: str = "auto",
) -> None:
    """Write ``cookies`` into one profile of ``browser``, its backups in the data directory."""
    backups = data_dir() / "backups" / browser
    private_dir(backups)
    writer(browser).export(
        path,
        cookies,
        backup_dir=backups,
        browser=browser,
        container=container,
        encryption=encryption,
    )
    # Hosts and counts only: cookie names carry session tokens (the multi-session ones).
    log.info(
        "exported %d cookies for %s to %s profile %s%s",
        len(cookies),
        ", ".join(sorted({c.domain for c in cookies})),
        browser,
        path,
        f" (container {container})" if container else "",
    )


def read_profile(browser: str, path: Path, host: str) -> list[Cookie]:
    """The cookies ``host`` would be sent, read from one profile of ``browser`` (never written)."""
    found = spec(browser)
    if found is None or found.family not in READABLE:
        raise CookieReadError(f"switcher cannot read {browser} profiles yet")
    module = importlib.import_module(f"switcher.browsers.{found.family.value}_read")
    cookies: list[Cookie] = module.read_cookies(path, host, browser)
    # Hosts and counts only, as for exports: cookie names carry session tokens.
    log.info("read %d cookies for %s from %s profile %s", len(cookies), host, browser, path)
    return cookies
