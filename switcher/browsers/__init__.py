"""Putting an account's session into real browser profiles (and cookies.txt).

Every writer follows the same safety rules, because a wrong row makes
Chromium delete every cookie of the site: refuse while the browser runs,
back the files up, write in one transaction, read back what was written,
refuse unknown schema versions, restore the backup on any failure.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

__all__ = [
    "ExportError",
    "Profile",
]


@dataclass(frozen=True)
class Profile:
    browser: str  # "firefox", "chromium", "chrome", "brave", "edge", "vivaldi"
    name: str  # as the browser shows it
    path: Path  # the profile directory
    is_default: bool = False


class ExportError(Exception):
    """The export did not happen; the profile is as it was. The message says what to do."""


class CookieReadError(Exception):
    """Cookies could not be read from where a person pointed (a file, a profile)."""


class BrowserRunningError(ExportError):
    """The browser has the profile open."""
