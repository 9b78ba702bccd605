"""Whether there is a display for the tray app, asked without loading Qt."""

from __future__ import annotations

import os
import sys


def has_display() -> bool:
    """Whether Qt can open windows here (Qt itself would abort without one).

    Only Linux needs DISPLAY or WAYLAND_DISPLAY; an explicit QT_QPA_PLATFORM
    (offscreen, say) needs neither.
    """
    if not sys.platform.startswith("linux") or os.environ.get("QT_QPA_PLATFORM"):
        return True
    return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))
