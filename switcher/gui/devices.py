"""Where a session was signed in, from its user agent: "Firefox on Linux".

The raw header is jargon ("Mozilla/5.0 (X11; Linux x86_64; rv:128.0) …"), and
switcher's own ("switcher", see ``AuthClient``) says nothing to a person.
Only common browsers and systems are named; anything else shows its
product name, so an unknown client is never mistaken for a known one.
"""

from __future__ import annotations

import re

from switcher.display_text import one_line

# What AuthClient sends unless told otherwise; a version may follow ("switcher/1.0").
OWN_PRODUCT = "switcher"
THIS_COMPUTER = "switcher on this computer"
PRODUCT_LIMIT = 32

# Order matters: each browser's header also names the engines it descends
# from (Edge and Opera say "Chrome" and "Safari"; Chrome says "Safari").
_BROWSERS = (
    ("Edg/", "Edge"),
    ("EdgA/", "Edge"),
    ("EdgiOS/", "Edge"),
    ("OPR/", "Opera"),
    ("Opera", "Opera"),
    ("Vivaldi/", "Vivaldi"),
    ("SamsungBrowser/", "Samsung Internet"),
    ("FxiOS/", "Firefox"),
    ("Firefox/", "Firefox"),
    ("CriOS/", "Chrome"),
    ("Chromium/", "Chromium"),
    ("Chrome/", "Chrome"),
)

# Command-line and programming clients, by their product token (lower case).
_TOOLS = {
    "curl": "curl",
    "wget": "Wget",
    "python-httpx": "Python (httpx)",
    "python-requests": "Python (requests)",
    "node": "Node.js",
    "node-fetch": "Node.js",
    "undici": "Node.js",
    "bun": "Bun",
    "deno": "Deno",
    "okhttp": "OkHttp",
    "postmanruntime": "Postman",
}

# Android and ChromeOS headers say "Linux" too; iPads and iPhones say "Mac OS X".
_SYSTEMS = (
    ("Windows", "Windows"),
    ("iPhone", "iPhone"),
    ("iPad", "iPad"),
    ("Android", "Android"),
    ("CrOS", "ChromeOS"),
    ("Macintosh", "macOS"),
    ("Mac OS X", "macOS"),
    ("FreeBSD", "FreeBSD"),
    ("OpenBSD", "OpenBSD"),
    ("Linux", "Linux"),
    ("X11", "Linux"),
)

_PRODUCT = re.compile(r"[^\s/;()]+")


def _product(user_agent: str) -> str:
    """The header's first product name, as "curl" in "curl/8.5.0"."""
    found = _PRODUCT.search(user_agent)
    return found.group() if found else ""


def is_own(user_agent: str) -> bool:
    """Whether switcher itself signed this session in."""
    return _product(user_agent).lower() == OWN_PRODUCT


def _browser(user_agent: str) -> str | None:
    named = next((name for token, name in _BROWSERS if token in user_agent), None)
    # Safari names itself only by "Version/"; every WebKit browser says "Safari/".
    if named is None and "Version/" in user_agent and "Safari/" in user_agent:
        return "Safari"
    return named


def describe(user_agent: str | None) -> str | None:
    """ "Firefox on Linux", "Safari on iPhone", "switcher on this computer", "curl";
    None when the session carries no user agent at all."""
    if user_agent is None or not user_agent.strip():
        return None
    if is_own(user_agent):
        return THIS_COMPUTER
    product = _product(user_agent)
    tool = _TOOLS.get(product.lower())
    if tool is not None:
        return tool
    browser = _browser(user_agent)
    system = next((name for token, name in _SYSTEMS if token in user_agent), None)
    if browser and system:
        return f"{browser} on {system}"
    if browser:
        return browser
    if system:
        return f"a browser on {system}"
    return one_line(product or user_agent, PRODUCT_LIMIT)
