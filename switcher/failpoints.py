"""Named points where a test can kill the process, to prove a crash there loses nothing.

``SWITCHER_FAILPOINT=add.stored`` makes the process SIGKILL itself when it
reaches ``reach("add.stored")``: no cleanup, no ``finally``, exactly like a
power cut or ``kill -9`` at that instant. Unset (always, outside tests), a
point costs one comparison.
"""

from __future__ import annotations

import os
import signal

_ARMED = os.environ.get("SWITCHER_FAILPOINT", "")


def reach(name: str) -> None:
    if _ARMED and name == _ARMED:
        os.kill(os.getpid(), getattr(signal, "SIGKILL", signal.SIGTERM))
