"""Names and emails from a server, shown on one short line."""

from __future__ import annotations

from switcher.display_text import NAME_LIMIT, one_line, who


def test_control_characters_become_spaces() -> None:
    assert one_line("Evil\nName\ttab\r\x00end") == "Evil Name tab end"
    assert one_line("right\u202eto-left") == "right to-left"  # a bidi override is not shown


def test_long_text_is_cut_with_an_ellipsis() -> None:
    shown = one_line("x" * 5000, 48)
    assert len(shown) == 48
    assert shown.endswith("…")
    assert one_line("short", 48) == "short"


def test_who_is_name_and_email_or_the_email_alone() -> None:
    assert who("Alice", "alice@example.com") == "Alice <alice@example.com>"
    assert who("", "alice@example.com") == "alice@example.com"
    assert who("  ", "alice@example.com") == "alice@example.com"
    assert len(who("N" * 1000, "a@example.com")) == NAME_LIMIT + len(" <a@example.com>")
