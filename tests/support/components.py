"""What a test does when a real component (Node peer, PostgreSQL) is unavailable.

Locally a missing component skips the test with a hint on how to get it; in CI
(``CI=true``) the same situation fails the test, so a broken install step can
never turn into a quietly green run of skipped tests.
"""

from __future__ import annotations

import os
from typing import NoReturn

import pytest


def in_ci() -> bool:
    """True when the environment variable ``CI`` is ``true`` (any case)."""
    return os.environ.get("CI", "").strip().lower() == "true"


def missing(component: str, install_hint: str) -> NoReturn:
    """Skip (locally) or fail (in CI) because ``component`` can't be used.

    ``install_hint`` says how to get it, e.g. ``"make test installs it"`` or
    ``"apt-get install postgresql"``; it may carry diagnostic detail too.
    """
    message = f"{component} is not available: {install_hint}"
    if in_ci():
        pytest.fail(f"{message} (CI=true, so this fails instead of skipping)", pytrace=False)
    pytest.skip(message)
