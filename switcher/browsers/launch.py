"""Opening a site as an account: a dedicated browser profile per account, then the browser.

A profile of its own per account (kept in the data directory) works while the
person's main browser is running, and side by side with other accounts.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path
from urllib.parse import urlsplit

from switcher.paths import data_dir

EXECUTABLES = {
    "firefox": ("firefox", "firefox-esr"),
    "chromium": ("chromium", "chromium-browser"),
    "chrome": ("google-chrome", "google-chrome-stable"),
    "brave": ("brave-browser", "brave"),
    "edge": ("microsoft-edge", "microsoft-edge-stable"),
    "vivaldi": ("vivaldi", "vivaldi-stable"),
}

# A new Firefox profile otherwise opens welcome and first-run pages.
FIREFOX_PREFS = """\
user_pref("browser.shell.checkDefaultBrowser", false);
user_pref("browser.aboutwelcome.enabled", false);
user_pref("browser.startup.homepage_override.mstone", "ignore");
user_pref("startup.homepage_welcome_url", "");
user_pref("datareporting.policy.dataSubmissionEnabled", false);
"""


def find_executable(browser: str) -> str | None:
    for name in EXECUTABLES.get(browser, ()):
        found = shutil.which(name)
        if found:
            return found
    return None


def installed_browsers() -> list[str]:
    return [browser for browser in EXECUTABLES if find_executable(browser)]


def dedicated_profile(browser: str, server_url: str, user_id: str) -> Path:
    """This account's own profile for ``browser``, created on first use."""
    parts = urlsplit(server_url)
    site = (parts.hostname or "server") + (f"-{parts.port}" if parts.port else "")
    path = data_dir() / "browser-profiles" / browser / f"{site}-{user_id}"
    if not path.exists():
        path.mkdir(parents=True, mode=0o700)
        if browser == "firefox":
            (path / "user.js").write_text(FIREFOX_PREFS)
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
