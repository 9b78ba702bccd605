"""Dates as better-auth writes them: ISO-8601 UTC with milliseconds and ``Z``."""

from __future__ import annotations

from datetime import UTC, datetime


def utc_now() -> datetime:
    """Now, truncated to milliseconds as a JavaScript ``Date`` holds it."""
    now = datetime.now(UTC)
    return now.replace(microsecond=now.microsecond - now.microsecond % 1000)


def to_iso(moment: datetime) -> str:
    """``Date.prototype.toJSON``: ``2026-11-26T22:33:50.970Z``."""
    # isoformat() is implemented in C; strftime() costs several times more
    # and this runs a few times on every request.
    if moment.utcoffset():
        moment = moment.astimezone(UTC)
    return moment.replace(tzinfo=None).isoformat(timespec="milliseconds") + "Z"


def parse_iso(text: str) -> datetime:
    """Parse what ``to_iso`` (or any ISO-8601 writer) produced, as an aware UTC datetime."""
    moment = datetime.fromisoformat(text)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)
