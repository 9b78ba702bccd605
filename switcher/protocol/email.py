"""Which email addresses better-auth accepts: one rule for the server, the CLI and the app."""

from __future__ import annotations

import re

# zod 4's email pattern, which both sign-up's schema and sign-in's route use.
_EMAIL = re.compile(
    r"^(?!\.)(?!.*\.\.)([A-Za-z0-9_'+\-\.]*)[A-Za-z0-9_+-]@([A-Za-z0-9][A-Za-z0-9\-]*\.)+[A-Za-z]{2,}\Z"
)


def is_email(text: str) -> bool:
    return bool(_EMAIL.match(text))


def is_username(text: str) -> bool:
    """What may be a name for the username plugin's sign-in: no ``@``, no spaces.

    The site checks the rest (its length and characters are its own settings).
    """
    return bool(text) and "@" not in text and not any(c.isspace() for c in text)
