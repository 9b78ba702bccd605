"""Text from a server (names, emails) made safe to show on one line of a list or a menu.

A server decides what a user's name is: a newline would split a line of
``accounts list``, a tab means "shortcut follows" in a Qt menu entry, and a
name thousands of characters long would widen the menu past the screen.
"""

from __future__ import annotations

import unicodedata

NAME_LIMIT = 32
EMAIL_LIMIT = 64


def one_line(text: str, limit: int = EMAIL_LIMIT) -> str:
    """``text`` with control and format characters as spaces, cut to ``limit`` with an ellipsis."""
    cleaned = "".join(
        " " if unicodedata.category(char) in ("Cc", "Cf", "Zl", "Zp") else char for char in text
    )
    cleaned = " ".join(cleaned.split())
    return cleaned if len(cleaned) <= limit else cleaned[: limit - 1].rstrip() + "…"


def short_email(email: str, limit: int = EMAIL_LIMIT) -> str:
    """``email`` on one line of at most ``limit`` characters, cut in the part before "@":
    the domain says whose account it is (work or home), so it stays whole when it can."""
    line = one_line(email, len(email) + 1)
    local, at, domain = line.rpartition("@")
    # At least ten characters of the name before the "@" stay, or it is cut at the end.
    if len(line) <= limit or not at or len(domain) > limit - 12:
        return one_line(line, limit)
    keep = limit - len(domain) - 2  # the "…" and the "@"
    return f"{local[:keep]}…@{domain}"


def who(name: str, email: str) -> str:
    """``Name <email>``, or the email alone, each made one short line."""
    shown = short_email(email, EMAIL_LIMIT)
    return f"{one_line(name, NAME_LIMIT)} <{shown}>" if name.strip() else shown


SERVER_TEXT_LIMIT = 300

# Bidirectional overrides and isolates: they would make a line read in another order.
_BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def terminal_text(text: str) -> str:
    """``text`` with every control character but line breaks and tabs shown as "?".

    What reaches a terminal or a notification: an escape sequence in a
    server's message (ESC, or the one-byte CSI of C1) would clear the screen,
    retitle the window or fake a prompt, and a bidirectional override would
    reorder what a person reads.
    """
    return "".join(
        "?"
        if (unicodedata.category(char) == "Cc" and char not in "\n\t") or char in _BIDI_CONTROLS
        else char
        for char in text
    )


def server_text(text: str, limit: int = SERVER_TEXT_LIMIT) -> str:
    """A message a server chose (an error's ``message``), fit to quote on one line."""
    return one_line(terminal_text(text), limit)
