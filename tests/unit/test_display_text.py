"""Names and emails from a server, shown on one short line."""

from __future__ import annotations

from switcher.display_text import NAME_LIMIT, one_line, server_text, terminal_text, who


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


def test_a_long_email_is_cut_before_the_at_and_keeps_its_domain() -> None:
    from switcher.display_text import short_email

    email = "christopher.alexander.montgomery.smithson.the.third@smithson-holdings.example"
    shown = short_email(email, 40)
    assert len(shown) == 40
    assert shown.endswith("…@smithson-holdings.example")
    assert shown.startswith("christopher.")
    assert short_email("bob@example.com", 40) == "bob@example.com"
    # A domain that leaves no room for the name: cut at the end as any text.
    assert short_email("a@" + "d" * 60 + ".example", 40).endswith("…")
    assert short_email("no at sign " * 10, 40).endswith("…")


def test_terminal_text_keeps_lines_and_tabs_and_shows_every_other_control_as_a_mark() -> None:
    assert terminal_text("a\tb\nc") == "a\tb\nc"
    assert terminal_text("\x1b[2J\x9b1m\x00\x7f\u202eé") == "?[2J?1m???é"


def test_server_text_is_one_marked_line_of_limited_length() -> None:
    assert server_text("bad\r\npassword\x1b[0m") == "bad? password?[0m"
    assert len(server_text("x" * 1000)) == 300
