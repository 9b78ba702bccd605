"""Opening a site as an account: a dedicated browser profile per account, then the browser.

A profile of its own per account (kept in the data directory) works while the
person's main browser is running, and side by side with other accounts.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path
from urllib.parse import urlsplit

from switcher.browsers import ExportError
from switcher.browsers.registry import ids, is_firefox, label, labels, spec
from switcher.paths import data_dir

# A new Firefox profile otherwise opens welcome and first-run pages.
FIREFOX_PREFS = """\
user_pref("browser.shell.checkDefaultBrowser", false);
user_pref("browser.aboutwelcome.enabled", false);
user_pref("browser.startup.homepage_override.mstone", "ignore");
user_pref("startup.homepage_welcome_url", "");
user_pref("datareporting.policy.dataSubmissionEnabled", false);
"""


def install_locations(
    browser: str,
    platform: str | None = None,
    environ: Mapping[str, str] | None = None,
    home: Path | None = None,
) -> list[Path]:
    """Where ``browser``'s executable is installed on macOS and Windows (none on Linux)."""
    entry = spec(browser)
    if entry is None:
        return []
    platform = platform or sys.platform
    environ = os.environ if environ is None else environ
    home = home or Path.home()
    if platform == "darwin":
        roots = [Path("/Applications"), home / "Applications"]
        return [root / app for root in roots for app in entry.mac_apps]
    if platform == "win32":
        # Per-machine installs under Program Files, per-user ones under LocalAppData.
        names = ("ProgramFiles", "ProgramFiles(x86)", "LOCALAPPDATA")
        roots = [Path(environ[name]) for name in names if environ.get(name)]
        return [root / exe for root in roots for exe in entry.windows_apps]
    return []


def find_executable(
    browser: str,
    platform: str | None = None,
    environ: Mapping[str, str] | None = None,
    home: Path | None = None,
) -> str | None:
    """``browser``'s executable: on PATH, else where its installer puts it."""
    entry = spec(browser)
    for name in entry.executables if entry is not None else ():
        found = shutil.which(name)
        if found:
            return found
    for path in install_locations(browser, platform, environ, home):
        if path.is_file():
            return str(path)
    return None


def installed_browsers() -> list[str]:
    return [browser for browser in ids() if find_executable(browser)]


def choose(browser: str | None) -> tuple[str, str]:
    """``browser`` (default: the first installed) and its executable; ``ExportError`` if none."""
    chosen = browser or next(iter(installed_browsers()), None)
    if chosen is None:
        raise ExportError(f"no supported browser found ({labels()})")
    executable = find_executable(chosen)
    if executable is None:
        raise ExportError(f"{label(chosen)} is not installed")
    return chosen, executable


def profiles_dir(browser: str) -> Path:
    """Where switcher keeps its own profiles of ``browser`` (accounts', sign-ins')."""
    return data_dir() / "browser-profiles" / browser


def profile_path(browser: str, server_url: str, user_id: str) -> Path:
    """Where this account's own profile for ``browser`` is (whether or not it exists yet)."""
    parts = urlsplit(server_url)
    site = (parts.hostname or "server") + (f"-{parts.port}" if parts.port else "")
    return profiles_dir(browser) / f"{site}-{user_id}"


def create_profile(path: Path, browser: str) -> None:
    """An empty owner-only profile at ``path`` that opens without first-run pages."""
    path.mkdir(parents=True, mode=0o700)
    if is_firefox(browser):
        (path / "user.js").write_text(FIREFOX_PREFS)


def dedicated_profile(browser: str, server_url: str, user_id: str) -> Path:
    """This account's own profile for ``browser``, created on first use."""
    path = profile_path(browser, server_url, user_id)
    if not path.exists():
        create_profile(path, browser)
    return path


def command(browser: str, executable: str, profile: Path, url: str) -> list[str]:
    if browser == "firefox":
        return [executable, "--profile", str(profile), url]
    arguments = [executable, f"--user-data-dir={profile}", "--no-first-run"]
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        # Chromium refuses to start as root unless its sandbox is turned off.
        arguments.append("--no-sandbox")
    return [*arguments, url]


def launch(arguments: list[str]) -> int:
    """Start the browser on its own (it outlives switcher); its process id."""
    # The executable is a known browser name resolved by shutil.which.
    process = subprocess.Popen(  # noqa: S603
        arguments,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
        env=os.environ.copy(),
    )
    return process.pid
