"""Firefox's sign-in window: cookies read from a copy of the profile's own store.

Why the store and not a remote-control protocol: see ``sign_in_window``.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
from pathlib import Path

from switcher.browsers import CookieReadError, ExportError
from switcher.browsers.firefox import COOKIES
from switcher.browsers.firefox_read import read_cookies
from switcher.browsers.sign_in_window import WindowClosedError
from switcher.protocol.cookie import Cookie

CLOSE_GRACE = 5.0  # seconds for Firefox to shut down after SIGTERM


class FirefoxWindow:
    def __init__(self, browser: str, executable: str, profile: Path, url: str) -> None:
        self.browser = browser
        self.profile = profile
        self.last_error: str | None = None
        try:
            # --no-remote: its own instance, never a window of a Firefox already running.
            self._process = subprocess.Popen(  # noqa: S603 (a browser found by shutil.which)
                [executable, "--profile", str(profile), "--no-remote", url],
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                start_new_session=True,
            )
        except OSError as error:
            raise ExportError(f"could not start {executable}: {error.strerror}") from None

    def cookies(self, host: str) -> list[Cookie]:
        if self._process.poll() is not None:
            raise WindowClosedError
        if not (self.profile / COOKIES).is_file():
            return []  # Firefox creates its store with the first cookie
        try:
            found = read_cookies(self.profile, host)
        except CookieReadError as error:
            # Caught mid-write, or a store this switcher cannot read: said on timeout.
            self.last_error = str(error)
            return []
        self.last_error = None
        return found

    def close(self) -> None:
        if self._process.poll() is None:
            self._stop(graceful=True)  # SIGTERM: Firefox shuts down cleanly
            try:
                self._process.wait(CLOSE_GRACE)
            except subprocess.TimeoutExpired:
                self._stop(graceful=False)
                self._process.wait()

    def _stop(self, graceful: bool) -> None:
        """Firefox and its content processes (its own session, on POSIX)."""
        with contextlib.suppress(ProcessLookupError, PermissionError):
            if not hasattr(os, "killpg"):  # Windows: the main process ends the rest
                if graceful:
                    self._process.terminate()
                else:
                    self._process.kill()
                return
            os.killpg(self._process.pid, signal.SIGTERM if graceful else signal.SIGKILL)
