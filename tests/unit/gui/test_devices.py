"""Where a session was signed in, from its user agent, in words."""

from __future__ import annotations

import pytest

from switcher.client.client import AuthClient
from switcher.gui.devices import THIS_COMPUTER, describe

FIREFOX_LINUX = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"
FIREFOX_UBUNTU = "Mozilla/5.0 (X11; Ubuntu; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0"
CHROME_WINDOWS = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/126.0.0.0 Safari/537.36"
)
CHROME_MAC = (
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/126.0.0.0 Safari/537.36"
)
CHROME_ANDROID = (
    "Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/126.0.0.0 Mobile Safari/537.36"
)
CHROME_OS = (
    "Mozilla/5.0 (X11; CrOS x86_64 14541.0.0) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/126.0.0.0 Safari/537.36"
)
SAFARI_MAC = (
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "Version/17.5 Safari/605.1.15"
)
SAFARI_IPHONE = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1"
)
CHROME_IPAD = (
    "Mozilla/5.0 (iPad; CPU OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "CriOS/126.0.6478.54 Mobile/15E148 Safari/604.1"
)
FIREFOX_IPHONE = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) FxiOS/127.0 Mobile/15E148 Safari/605.1.15"
)
EDGE_WINDOWS = CHROME_WINDOWS + " Edg/126.0.2592.56"
OPERA_WINDOWS = CHROME_WINDOWS + " OPR/111.0.0.0"
VIVALDI_LINUX = (
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/126.0.0.0 Safari/537.36 Vivaldi/6.8"
)
SAMSUNG = (
    "Mozilla/5.0 (Linux; Android 14; SM-S918B) AppleWebKit/537.36 (KHTML, like Gecko) "
    "SamsungBrowser/25.0 Chrome/121.0.0.0 Mobile Safari/537.36"
)
CHROMIUM_LINUX = (
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chromium/126.0.0.0 Chrome/126.0.0.0 Safari/537.36"
)
FIREFOX_FREEBSD = "Mozilla/5.0 (X11; FreeBSD amd64; rv:128.0) Gecko/20100101 Firefox/128.0"


@pytest.mark.parametrize(
    ("user_agent", "words"),
    [
        (FIREFOX_LINUX, "Firefox on Linux"),
        (FIREFOX_UBUNTU, "Firefox on Linux"),
        (CHROME_WINDOWS, "Chrome on Windows"),
        (CHROME_MAC, "Chrome on macOS"),
        (CHROME_ANDROID, "Chrome on Android"),
        (CHROME_OS, "Chrome on ChromeOS"),
        (SAFARI_MAC, "Safari on macOS"),
        (SAFARI_IPHONE, "Safari on iPhone"),
        (CHROME_IPAD, "Chrome on iPad"),
        (FIREFOX_IPHONE, "Firefox on iPhone"),
        (EDGE_WINDOWS, "Edge on Windows"),
        (OPERA_WINDOWS, "Opera on Windows"),
        (VIVALDI_LINUX, "Vivaldi on Linux"),
        (SAMSUNG, "Samsung Internet on Android"),
        (CHROMIUM_LINUX, "Chromium on Linux"),
        (FIREFOX_FREEBSD, "Firefox on FreeBSD"),
    ],
)
def test_common_browsers_are_named_with_their_system(user_agent: str, words: str) -> None:
    assert describe(user_agent) == words


def test_switchers_own_sessions_are_this_computer() -> None:
    # What the client really sends, not a copy of it that could drift.
    sent = AuthClient("http://127.0.0.1:9").user_agent
    assert describe(sent) == THIS_COMPUTER == "switcher on this computer"
    assert describe("switcher/0.1.0 (Linux)") == THIS_COMPUTER
    assert describe("Switcher") == THIS_COMPUTER
    assert describe("switcheroo/1.0") == "switcheroo"


@pytest.mark.parametrize(
    ("user_agent", "words"),
    [
        ("curl/8.5.0", "curl"),
        ("Wget/1.21.4", "Wget"),
        ("python-httpx/0.27.0", "Python (httpx)"),
        ("python-requests/2.32.3", "Python (requests)"),
        ("node", "Node.js"),
        ("undici", "Node.js"),
        ("PostmanRuntime/7.39.0", "Postman"),
    ],
)
def test_tools_are_named_by_their_product(user_agent: str, words: str) -> None:
    assert describe(user_agent) == words


def test_what_is_not_known_shows_its_product_name_only() -> None:
    assert describe("AcmeSync/3.2 (build 77; +https://acme.example)") == "AcmeSync"
    assert describe("Mozilla/5.0 (X11; Linux x86_64)") == "a browser on Linux"
    assert describe("Mozilla/5.0 (compatible) Firefox/128.0") == "Firefox"
    long_name = "A" * 200 + "/1.0"
    assert describe(long_name) == "A" * 31 + "…"
    assert describe("Bad\nName/1.0") == "Bad"


def test_no_user_agent_is_no_device() -> None:
    assert describe(None) is None
    assert describe("") is None
    assert describe("   ") is None
