"""switcher: a desktop account switcher for better-auth multi-session sites."""

from __future__ import annotations

__version__ = "0.1.0"
