"""A check that hangs or crashes is a failure, in bounded time."""

from __future__ import annotations

import threading
import time

from switcher.doctor import (
    BUG_HINT,
    Check,
    run_bounded,
)


def test_a_hung_or_crashing_check_is_a_failure_in_bounded_time() -> None:
    release = threading.Event()

    def hangs() -> list[Check]:
        release.wait()
        return [Check("hangs", "ok", "never seen")]

    def crashes() -> list[Check]:
        raise RuntimeError("boom")

    def works() -> list[Check]:
        return [Check("works", "ok", "fine"), Check("works too", "info", "also fine")]

    started = time.monotonic()
    try:
        checks = run_bounded([("hangs", hangs), ("crashes", crashes), ("works", works)], 0.5)
    finally:
        release.set()
    assert time.monotonic() - started < 2
    assert [(c.name, c.status) for c in checks] == [
        ("hangs", "fail"),
        ("crashes", "fail"),
        ("works", "ok"),
        ("works too", "info"),
    ]
    assert "did not finish within" in checks[0].summary
    assert "RuntimeError: boom" in checks[1].summary
    assert checks[1].hint == BUG_HINT
