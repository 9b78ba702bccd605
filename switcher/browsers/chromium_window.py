"""The Chromium family's sign-in window: cookies read over the DevTools pipe."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from switcher.browsers import ExportError
from switcher.browsers.devtools_pipe import DevToolsError, DevToolsPipe, PipeClosedError, supported
from switcher.browsers.sign_in_window import WindowClosedError
from switcher.protocol.cookie import Cookie
from switcher.protocol.hosts import stored_cookie_hosts

_SAME_SITE = {"Lax": "Lax", "Strict": "Strict", "None": "None"}


class ChromiumWindow:
    def __init__(self, browser: str, executable: str, profile: Path, url: str) -> None:
        if not supported():
            raise ExportError("signing in with a Chromium-family browser needs Linux or macOS")
        self.browser = browser
        self.profile = profile
        self.last_error: str | None = None  # the pipe answers, or the window is gone
        arguments = [
            executable,
            f"--user-data-dir={profile}",
            "--no-first-run",
            "--no-default-browser-check",
            "--remote-debugging-pipe",
        ]
        if hasattr(os, "geteuid") and os.geteuid() == 0:
            # Chromium refuses to start as root unless its sandbox is turned off.
            arguments.append("--no-sandbox")
        try:
            self._pipe = DevToolsPipe([*arguments, url])
        except OSError as error:
            raise ExportError(f"could not start {executable}: {error.strerror}") from None

    def cookies(self, host: str) -> list[Cookie]:
        try:
            answer = self._pipe.call("Storage.getCookies")
            pages = self._pipe.call("Target.getTargets").get("targetInfos", [])
        except (PipeClosedError, DevToolsError):
            raise WindowClosedError from None
        # A browser driven over a pipe may stay up with its last window closed.
        if not any(isinstance(p, dict) and p.get("type") == "page" for p in pages):
            raise WindowClosedError
        stored = set(stored_cookie_hosts(host))
        raw = answer.get("cookies", [])
        entries = raw if isinstance(raw, list) else []
        return [
            _cookie(entry)
            for entry in entries
            if isinstance(entry, dict) and str(entry.get("domain", "")).lower() in stored
        ]

    def close(self) -> None:
        self._pipe.close()


def _cookie(entry: dict[str, Any]) -> Cookie:
    domain = str(entry.get("domain", ""))
    expires = entry.get("expires")
    session = bool(entry.get("session")) or not isinstance(expires, int | float) or expires < 0
    return Cookie(
        str(entry.get("name", "")),
        str(entry.get("value", "")),
        domain.lstrip("."),
        host_only=not domain.startswith("."),
        path=str(entry.get("path") or "/"),
        secure=bool(entry.get("secure")),
        http_only=bool(entry.get("httpOnly")),
        same_site=_SAME_SITE.get(entry.get("sameSite", "")),
        expires=None if session else float(expires),  # type: ignore[arg-type]
    )
