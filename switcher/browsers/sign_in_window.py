"""A browser window in which a person signs in to a site, watched for its cookies.

switcher opens the site's sign-in page in a profile of its own and reads the
cookies the site sets there while the person signs in, any way the site
allows (OAuth, a passkey, a password with two factors…). One kind of window
per family, each reading cookies the way that is dependable for it:

* Chromium family: the DevTools protocol on a pipe (``Storage.getCookies``):
  every cookie, the moment the browser has it, session cookies included.
* Firefox: its own cookie store, read from a copy (``firefox_read``).
  Firefox writes a cookie there within a second of getting it; WebDriver
  BiDi or Marionette would need a remote-control port, show the striped
  "remote control" address bar and, for BiDi, a WebSocket client. The cost:
  a cookie that ends with the browser session ("remember me" off on the
  site) is never written there, so it is not seen.
"""

from __future__ import annotations

from pathlib import Path
from typing import Protocol

from switcher.protocol.cookie import Cookie


class SignInWindow(Protocol):
    browser: str
    profile: Path  # what the browser was started with (Chromium: the user-data dir)
    # Why the cookies could not be read at the last look, if they could not
    # (said when the sign-in times out); None when they were.
    last_error: str | None

    def cookies(self, host: str) -> list[Cookie]:
        """The cookies a request to ``host`` would carry; raises WindowClosedError when gone."""

    def close(self) -> None:
        """Close the browser (idempotent); the profile is left on disk."""


class WindowClosedError(Exception):
    """The browser was closed (or crashed) before the site set a session."""


def open_window(browser: str, executable: str, profile: Path, url: str) -> SignInWindow:
    """Start ``browser`` on ``profile`` at ``url``; the family decides how it is watched."""
    from switcher.browsers.registry import is_firefox

    if is_firefox(browser):
        from switcher.browsers.firefox_window import FirefoxWindow

        return FirefoxWindow(browser, executable, profile, url)
    from switcher.browsers.chromium_window import ChromiumWindow

    return ChromiumWindow(browser, executable, profile, url)
