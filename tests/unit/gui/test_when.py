"""Session dates in words: relative to a ``now`` passed in, calendar days in its zone."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from switcher.gui import when
from switcher.protocol.dates import to_iso

# Mid-afternoon, so that hours either side stay on the same date.
NOW = datetime(2026, 11, 30, 15, 0, tzinfo=timezone(timedelta(hours=1)))


@pytest.mark.parametrize(
    ("before", "words"),
    [
        (timedelta(0), "just now"),
        (timedelta(seconds=59), "just now"),
        (timedelta(seconds=60), "a minute ago"),
        (timedelta(minutes=1, seconds=59), "a minute ago"),
        (timedelta(minutes=2), "2 minutes ago"),
        (timedelta(minutes=59, seconds=59), "59 minutes ago"),
        (timedelta(hours=1), "an hour ago"),
        (timedelta(hours=2, minutes=59), "2 hours ago"),
        (timedelta(hours=14), "14 hours ago"),
        (timedelta(hours=23, minutes=59), "23 hours ago"),
        (timedelta(days=1), "yesterday"),
        (timedelta(days=2), "2 days ago"),
        (timedelta(days=3), "3 days ago"),
        (timedelta(days=13), "13 days ago"),
        (timedelta(days=14), "2 weeks ago"),
        (timedelta(days=20), "2 weeks ago"),
        (timedelta(days=21), "3 weeks ago"),
        (timedelta(days=59), "8 weeks ago"),
        (timedelta(days=60), "2 months ago"),
        (timedelta(days=364), "12 months ago"),
        (timedelta(days=365), "a year ago"),
        (timedelta(days=800), "2 years ago"),
    ],
)
def test_the_past_in_words(before: timedelta, words: str) -> None:
    assert when.ago(NOW - before, NOW) == words


@pytest.mark.parametrize(
    ("after", "words"),
    [
        (timedelta(seconds=1), "in less than a minute"),
        (timedelta(seconds=59), "in less than a minute"),
        (timedelta(minutes=1), "in a minute"),
        (timedelta(minutes=45), "in 45 minutes"),
        (timedelta(hours=1), "in an hour"),
        (timedelta(hours=5, minutes=59), "in 5 hours"),
        (timedelta(days=1), "tomorrow"),
        (timedelta(days=4, hours=1), "in 4 days"),
        (timedelta(days=7), "in 7 days"),
        (timedelta(days=30), "in 4 weeks"),
        (timedelta(days=90), "in 3 months"),
        (timedelta(days=400), "in a year"),
    ],
)
def test_the_future_in_words(after: timedelta, words: str) -> None:
    assert when.until(NOW + after, NOW) == words


def test_days_are_calendar_days_where_the_person_is() -> None:
    late = datetime(2026, 11, 30, 23, 30, tzinfo=UTC)
    # Nearly two days earlier, but on the previous date.
    assert when.ago(late - timedelta(hours=47), late) == "yesterday"
    early = datetime(2026, 11, 30, 0, 30, tzinfo=UTC)
    # Only 25 hours earlier, but two dates back.
    assert when.ago(early - timedelta(hours=25), early) == "2 days ago"
    # The same two moments in Tokyo (9 hours ahead) are on consecutive dates there.
    tokyo = early.astimezone(ZoneInfo("Asia/Tokyo"))
    assert when.ago(tokyo - timedelta(hours=25), tokyo) == "yesterday"
    # Tomorrow is the next date; 25 hours from late evening is the day after.
    assert when.until(late + timedelta(hours=24, minutes=10), late) == "tomorrow"
    assert when.until(late + timedelta(hours=25), late) == "in 2 days"


def test_a_long_day_at_the_end_of_summer_time_is_still_a_day() -> None:
    berlin = ZoneInfo("Europe/Berlin")
    # 25 October 2026 has 25 hours in Berlin: 24 hours after 00:30 is 23:30 the same date.
    start = datetime(2026, 10, 25, 0, 30, tzinfo=berlin)
    assert when.ago(start, start + timedelta(hours=24)) == "yesterday"


def test_expiry_reads_forward_until_it_passes() -> None:
    assert when.expiry(NOW + timedelta(days=4, hours=1), NOW) == "expires in 4 days"
    assert when.expiry(NOW - timedelta(hours=2), NOW) == "expired 2 hours ago"
    assert when.expiry(NOW, NOW) == "expired just now"
    assert when.signed_in(NOW - timedelta(days=3), NOW) == "signed in 3 days ago"


def test_a_session_line_says_what_is_known() -> None:
    signed = to_iso(NOW - timedelta(days=3))
    expires = to_iso(NOW + timedelta(days=4))
    assert when.session_line(signed, expires, NOW) == "Signed in 3 days ago · expires in 4 days"
    assert when.session_line(signed, None, NOW) == "Signed in 3 days ago"
    assert when.session_line(None, expires, NOW) == "Expires in 4 days"
    assert when.session_line(None, None, NOW) == ""
    assert when.session_line("not a date", "", NOW) == ""
    expired = to_iso(NOW - timedelta(hours=2))
    assert when.session_line(signed, expired, NOW) == "Signed in 3 days ago · expired 2 hours ago"


def test_an_ended_session_has_no_future_expiry() -> None:
    signed = to_iso(NOW - timedelta(days=3))
    later = to_iso(NOW + timedelta(days=4))
    assert when.session_line(signed, later, NOW, ended=True) == "Signed in 3 days ago"
    earlier = to_iso(NOW - timedelta(days=1))
    assert when.session_line(signed, earlier, NOW, ended=True) == (
        "Signed in 3 days ago · expired yesterday"
    )


def test_a_server_clock_ahead_signs_in_just_now() -> None:
    ahead = to_iso(NOW + timedelta(minutes=3))
    assert when.session_line(ahead, None, NOW) == "Signed in just now"


def test_timestamps_parse_as_the_index_holds_them() -> None:
    assert when.parse("2026-11-30T10:00:00.000Z") == datetime(2026, 11, 30, 10, tzinfo=UTC)
    assert when.parse(None) is None
    assert when.parse("") is None
    assert when.parse("yesterday-ish") is None
