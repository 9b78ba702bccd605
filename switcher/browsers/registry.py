"""Every browser switcher knows, one entry each: adding a browser is adding an entry.

Pure data, no browser code: the command line's grammar reads the names from
here without loading any of it. Each entry says how people call the browser,
which family's code reads and writes its profiles, where it is installed,
where its profiles live, and (Chromium family) where its cookie key is kept.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum


class Family(Enum):
    FIREFOX = "firefox"  # switcher.browsers.firefox: profiles.ini, cookies.sqlite
    CHROMIUM = "chromium"  # switcher.browsers.chromium: Local State, Cookies, encrypted values


@dataclass(frozen=True)
class BrowserSpec:
    id: str  # what commands, settings and profiles call it: "edge"
    label: str  # what people call it: "Microsoft Edge"
    family: Family
    executables: tuple[str, ...]  # names on PATH (Linux, BSD)
    mac_apps: tuple[str, ...] = ()  # under /Applications or ~/Applications
    windows_apps: tuple[str, ...] = ()  # under Program Files or LocalAppData
    # Chromium family: the user-data dirs. On Linux "{config}/..." is under
    # $XDG_CONFIG_HOME, anything else under ~; macOS under ~/Library/Application
    # Support, Windows under %LOCALAPPDATA%. (Firefox finds its profiles
    # through profiles.ini in its own fixed places.)
    linux_dirs: tuple[str, ...] = ()
    mac_dir: str = ""
    windows_dir: str = ""
    # Chromium family: its "Safe Storage" password, (application, label) in
    # the Secret Service, most specific first, and (service, account) in the
    # macOS Keychain. Never another browser's: a wrong key makes Chromium
    # delete the site's cookies.
    keyring_items: tuple[tuple[str, str], ...] = ()
    keychain_item: tuple[str, str] | None = None


BROWSERS: tuple[BrowserSpec, ...] = (
    BrowserSpec(
        "firefox",
        "Firefox",
        Family.FIREFOX,
        ("firefox", "firefox-esr"),
        mac_apps=("Firefox.app/Contents/MacOS/firefox",),
        windows_apps=("Mozilla Firefox/firefox.exe",),
    ),
    BrowserSpec(
        "chromium",
        "Chromium",
        Family.CHROMIUM,
        ("chromium", "chromium-browser"),
        mac_apps=("Chromium.app/Contents/MacOS/Chromium",),
        windows_apps=("Chromium/Application/chrome.exe",),
        linux_dirs=(
            "{config}/chromium",
            "snap/chromium/common/chromium",
            ".var/app/org.chromium.Chromium/config/chromium",
        ),
        mac_dir="Chromium",
        windows_dir="Chromium/User Data",
        keyring_items=(("chromium", "Chromium Safe Storage"),),
        keychain_item=("Chromium Safe Storage", "Chromium"),
    ),
    BrowserSpec(
        "chrome",
        "Google Chrome",
        Family.CHROMIUM,
        ("google-chrome", "google-chrome-stable"),
        mac_apps=("Google Chrome.app/Contents/MacOS/Google Chrome",),
        windows_apps=("Google/Chrome/Application/chrome.exe",),
        linux_dirs=(
            "{config}/google-chrome",
            "{config}/google-chrome-beta",
            "{config}/google-chrome-unstable",
            ".var/app/com.google.Chrome/config/google-chrome",
        ),
        mac_dir="Google/Chrome",
        windows_dir="Google/Chrome/User Data",
        keyring_items=(("chrome", "Chrome Safe Storage"),),
        keychain_item=("Chrome Safe Storage", "Chrome"),
    ),
    BrowserSpec(
        "brave",
        "Brave",
        Family.CHROMIUM,
        ("brave-browser", "brave"),
        mac_apps=("Brave Browser.app/Contents/MacOS/Brave Browser",),
        windows_apps=("BraveSoftware/Brave-Browser/Application/brave.exe",),
        linux_dirs=(
            "{config}/BraveSoftware/Brave-Browser",
            ".var/app/com.brave.Browser/config/BraveSoftware/Brave-Browser",
            "snap/brave/current/.config/BraveSoftware/Brave-Browser",
        ),
        mac_dir="BraveSoftware/Brave-Browser",
        windows_dir="BraveSoftware/Brave-Browser/User Data",
        # Brave builds use their own item, or share Chrome's.
        keyring_items=(("brave", "Brave Safe Storage"), ("chrome", "Chrome Safe Storage")),
        keychain_item=("Brave Safe Storage", "Brave"),
    ),
    BrowserSpec(
        "edge",
        "Microsoft Edge",
        Family.CHROMIUM,
        ("microsoft-edge", "microsoft-edge-stable"),
        mac_apps=("Microsoft Edge.app/Contents/MacOS/Microsoft Edge",),
        windows_apps=("Microsoft/Edge/Application/msedge.exe",),
        linux_dirs=("{config}/microsoft-edge", ".var/app/com.microsoft.Edge/config/microsoft-edge"),
        mac_dir="Microsoft Edge",
        windows_dir="Microsoft/Edge/User Data",
        keyring_items=(
            ("microsoft-edge", "Microsoft Edge Safe Storage"),
            ("chromium", "Chromium Safe Storage"),
        ),
        keychain_item=("Microsoft Edge Safe Storage", "Microsoft Edge"),
    ),
    BrowserSpec(
        "vivaldi",
        "Vivaldi",
        Family.CHROMIUM,
        ("vivaldi", "vivaldi-stable"),
        mac_apps=("Vivaldi.app/Contents/MacOS/Vivaldi",),
        windows_apps=("Vivaldi/Application/vivaldi.exe",),
        linux_dirs=("{config}/vivaldi",),
        mac_dir="Vivaldi",
        windows_dir="Vivaldi/User Data",
        keyring_items=(("vivaldi", "Vivaldi Safe Storage"), ("chrome", "Chrome Safe Storage")),
        keychain_item=("Vivaldi Safe Storage", "Vivaldi"),
    ),
)

# How the Chromium family's cookie values can be stored (``switcher export --encryption``).
CHROMIUM_ENCRYPTIONS = ("auto", "v10", "v11", "keychain", "dpapi", "plaintext")


def spec(browser: str) -> BrowserSpec | None:
    """The entry of ``browser`` (its id), or None for a browser switcher does not know."""
    return next((s for s in BROWSERS if s.id == browser), None)


def ids(family: Family | None = None) -> tuple[str, ...]:
    """Every browser's id (of one family), in the registry's order."""
    return tuple(s.id for s in BROWSERS if family is None or s.family == family)


def label(browser: str) -> str:
    """What people call ``browser``."""
    found = spec(browser)
    return found.label if found is not None else browser


def labels() -> str:
    """Every browser switcher knows, for a sentence: "Firefox, …, Edge and Vivaldi"."""
    names = [s.label for s in BROWSERS]
    return f"{', '.join(names[:-1])} and {names[-1]}" if len(names) > 1 else "".join(names)


def is_firefox(browser: str) -> bool:
    found = spec(browser)
    return found is not None and found.family == Family.FIREFOX


# The families whose profiles switcher reads sessions from (accounts import):
# each has a ``switcher.browsers.<family>_read`` module.
READABLE = (Family.FIREFOX, Family.CHROMIUM)


def readable_ids() -> tuple[str, ...]:
    """The browsers whose profiles ``accounts import`` can read."""
    return tuple(s.id for s in BROWSERS if s.family in READABLE)
