"""Session dates as a person reads them: "signed in 3 days ago · expires in 4 days".

Pure functions of the moment and of ``now``, which the caller passes in: an
aware datetime in the zone the person lives in, since "yesterday" and
"tomorrow" are calendar days there, not 24-hour periods.
"""

from __future__ import annotations

from datetime import datetime

from switcher.protocol.dates import parse_iso

MINUTE = 60
HOUR = 60 * MINUTE
DAY = 24 * HOUR
SEPARATOR = " · "

# (days at least, unit days, singular, plural) past the first fortnight: counts
# of days stay exact while a session's whole life (a week by default) fits in them.
_LONG_UNITS = (
    (365, 365, "a year", "years"),
    (60, 30, "a month", "months"),
    (14, 7, "a week", "weeks"),
)


def parse(text: str | None) -> datetime | None:
    """An ISO timestamp from the index, or None where it is missing or unreadable."""
    if not text:
        return None
    try:
        return parse_iso(text)
    except ValueError:
        return None


def _span(seconds: float, days: int) -> str:
    """The distance between two moments, without "ago" or "in"; "" below a minute."""
    if seconds < MINUTE:
        return ""
    if seconds < HOUR:
        minutes = int(seconds // MINUTE)
        return "a minute" if minutes == 1 else f"{minutes} minutes"
    if seconds < DAY:
        hours = int(seconds // HOUR)
        return "an hour" if hours == 1 else f"{hours} hours"
    for threshold, unit, singular, plural in _LONG_UNITS:
        if days >= threshold:
            count = days // unit
            return singular if count == 1 else f"{count} {plural}"
    return f"{days} days"


def _calendar_days(moment: datetime, now: datetime) -> int:
    """Calendar days between the two, in ``now``'s zone; at least one.

    A day that is 25 hours long (the end of summer time) can hold 24 hours
    within one date: that is still a day away, not today.
    """
    return max(1, abs((now.date() - moment.astimezone(now.tzinfo).date()).days))


def ago(moment: datetime, now: datetime) -> str:
    """A past moment: "just now", "5 minutes ago", "yesterday", "3 weeks ago"."""
    seconds = (now - moment).total_seconds()
    if seconds < MINUTE:
        return "just now"  # a server's clock a little ahead reads as now, too
    days = _calendar_days(moment, now) if seconds >= DAY else 0
    if days == 1:
        return "yesterday"
    return f"{_span(seconds, days)} ago"


def until(moment: datetime, now: datetime) -> str:
    """A future moment: "in less than a minute", "in 2 hours", "tomorrow", "in 4 days"."""
    seconds = (moment - now).total_seconds()
    if seconds < MINUTE:
        return "in less than a minute"
    days = _calendar_days(moment, now) if seconds >= DAY else 0
    if days == 1:
        return "tomorrow"
    return f"in {_span(seconds, days)}"


def signed_in(moment: datetime, now: datetime) -> str:
    return f"signed in {ago(moment, now)}"


def expiry(moment: datetime, now: datetime) -> str:
    """ "expires in 4 days", or "expired 2 hours ago" once the moment has passed."""
    if moment <= now:
        return f"expired {ago(moment, now)}"
    return f"expires {until(moment, now)}"


def session_line(
    signed_in_at: str | None,
    expires_at: str | None,
    now: datetime,
    *,
    ended: bool = False,
) -> str:
    """ "Signed in 3 days ago · expires in 4 days"; the parts whose date is known.

    ``ended``: the session ended before its expiry (revoked): a future expiry
    no longer applies and is left out. "" when nothing is known.
    """
    parts = []
    start = parse(signed_in_at)
    if start is not None:
        parts.append(signed_in(start, now))
    end = parse(expires_at)
    if end is not None and not (ended and end > now):
        parts.append(expiry(end, now))
    line = SEPARATOR.join(parts)
    return line[:1].upper() + line[1:]
