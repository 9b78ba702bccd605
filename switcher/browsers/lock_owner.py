"""Whether the process named in a browser's profile lock may still be running: one rule for all.

Firefox's ``lock`` link reads ``IP:+PID`` and Chromium's ``SingletonLock``
reads ``hostname-PID``. A lock is stale only when it is proven stale: its
owner is a process of this host that no longer exists. A lock from another
host (a shared home), one that cannot be read, or any lock seen from inside
a Flatpak sandbox (which has process ids of its own) cannot be checked and
counts as running: writing a profile under a live browser loses the
person's cookies, while refusing costs them a "close it and try again".
"""

from __future__ import annotations

import os
import sys

from switcher.app_identity import in_sandbox


def pid_alive(pid: int) -> bool:
    if sys.platform == "win32":
        return True  # no cheap check; Windows locks are judged by their files instead
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True  # exists, owned by someone else (or cannot be asked): assume alive
    return True


def owner_may_run(on_this_host: bool, pid_text: str) -> bool:
    """False only for a lock of this host whose process is gone."""
    if not on_this_host or not pid_text.isdigit() or in_sandbox():
        return True
    return pid_alive(int(pid_text))
