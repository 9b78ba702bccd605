"""Netscape ``cookies.txt`` for curl, wget, yt-dlp and Python's MozillaCookieJar."""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

from switcher.browsers import ExportError
from switcher.protocol.cookie import Cookie

HEADER = (
    "# Netscape HTTP Cookie File\n"
    "# Written by switcher. It holds signed-in sessions: keep it private.\n"
)


def render(cookies: Sequence[Cookie]) -> str:
    lines = [HEADER]
    for cookie in cookies:
        domain = cookie.domain if cookie.host_only else "." + cookie.domain.lstrip(".")
        # Whole seconds only (readers reject fractions). A session cookie is 0,
        # as curl and yt-dlp read it: curl skips a line whose field is empty.
        # (Python's MozillaCookieJar needs ignore_expires=True for those.)
        expires = "0" if cookie.expires is None else str(int(cookie.expires))
        fields = [
            domain,
            "FALSE" if cookie.host_only else "TRUE",
            cookie.path,
            "TRUE" if cookie.secure else "FALSE",
            expires,
            cookie.name,
            cookie.value,
        ]
        prefix = "#HttpOnly_" if cookie.http_only else ""
        lines.append(prefix + "\t".join(fields) + "\n")
    return "".join(lines)


def write(path: Path, cookies: Sequence[Cookie]) -> None:
    """Write atomically, owner-only: the file is as good as a password."""
    text = render(cookies)
    temp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temp, path)
    except OSError as error:
        temp.unlink(missing_ok=True)
        raise ExportError(f"cannot write {path}: {error.strerror}") from None
