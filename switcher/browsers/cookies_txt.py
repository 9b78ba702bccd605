"""Netscape ``cookies.txt`` for curl, wget, yt-dlp and Python's MozillaCookieJar: both ways."""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from switcher.browsers import CookieReadError, ExportError
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


# Larger than any browser's cookie store for one person: a file past it is
# not a cookies.txt (or not one to read whole into memory).
MAX_FILE_BYTES = 64 * 1024 * 1024
HTTP_ONLY_PREFIX = "#HttpOnly_"


@dataclass(frozen=True)
class ReadFile:
    cookies: list[Cookie]
    skipped: int  # lines that are neither cookies, comments nor blank


def read(path: Path) -> ReadFile:
    """The cookies in a Netscape cookies.txt (curl's ``-c``, browser add-ons, yt-dlp)."""
    try:
        if path.stat().st_size > MAX_FILE_BYTES:
            raise CookieReadError(f"{path} is larger than a cookies.txt can be")
        text = path.read_bytes().decode("utf-8", "replace")
    except OSError as error:
        raise CookieReadError(f"cannot read {path}: {error.strerror}") from None
    return parse(text)


def parse(text: str) -> ReadFile:
    cookies, skipped = [], 0
    for raw in text.splitlines():
        line = raw.strip("\r\n")
        http_only = line.startswith(HTTP_ONLY_PREFIX)
        if http_only:
            line = line[len(HTTP_ONLY_PREFIX) :]
        elif not line.strip() or line.startswith("#"):
            continue
        cookie = _cookie(line.split("\t"), http_only)
        if cookie is None:
            skipped += 1
        else:
            cookies.append(cookie)
    return ReadFile(cookies, skipped)


def _cookie(fields: list[str], http_only: bool) -> Cookie | None:
    if len(fields) != 7:
        return None
    domain, subdomains, path, secure, expires, name, value = fields
    if not domain or not name or not expires.strip().isdigit():
        return None
    seconds = int(expires)
    return Cookie(
        name,
        value,
        domain.lstrip(".").lower(),
        host_only=subdomains.upper() != "TRUE" and not domain.startswith("."),
        path=path or "/",
        secure=secure.upper() == "TRUE",
        http_only=http_only,
        expires=None if seconds == 0 else float(seconds),
    )
