"""Running groups of checks side by side, each within a time bound.

A group that raises becomes a failed ``Check``; one still running at the
deadline is reported as failed and left behind on its daemon thread.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence

from switcher.doctor.report import BUG_HINT, Check

GRACE = 5.0  # beyond the longest timeout, for the work around the timed calls


def crashed(name: str, error: BaseException) -> Check:
    return Check(
        name, "fail", f"the check itself failed ({type(error).__name__}: {error})", hint=BUG_HINT
    )


def run_bounded(
    groups: Sequence[tuple[str, Callable[[], list[Check]]]], limit: float
) -> list[Check]:
    """Run each group on a daemon thread; results in the given order, within ``limit`` seconds.

    Daemon threads: one that hangs past the deadline must not keep the
    process alive at exit, which a ThreadPoolExecutor's workers would.
    """
    boxes: list[list[Check]] = [[] for _ in groups]

    def run(index: int, name: str, call: Callable[[], list[Check]]) -> None:
        try:
            boxes[index] = call()
        except Exception as error:
            boxes[index] = [crashed(name, error)]

    threads = []
    for index, (name, call) in enumerate(groups):
        thread = threading.Thread(
            target=run, args=(index, name, call), name=f"doctor-{name}", daemon=True
        )
        thread.start()
        threads.append(thread)
    deadline = time.monotonic() + limit
    results: list[Check] = []
    for index, ((name, _), thread) in enumerate(zip(groups, threads, strict=True)):
        thread.join(max(0.0, deadline - time.monotonic()))
        if thread.is_alive():
            results.append(
                Check(
                    name,
                    "fail",
                    f"the check did not finish within {limit:.0f} s",
                    hint="something it needs hangs (see the other checks); " + BUG_HINT,
                )
            )
        else:
            results.extend(boxes[index])  # read after join: the thread replaced the entry
    return results
