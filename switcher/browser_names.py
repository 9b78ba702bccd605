"""The browsers switcher writes to, by the names the command line and settings use.

A module of its own, without imports, so that the command line's grammar can
offer them without loading any browser code.
"""

from __future__ import annotations

FIREFOX = ("firefox",)
CHROMIUM_FAMILY = ("chromium", "chrome", "brave", "edge", "vivaldi")
# How the Chromium family's cookie values can be stored (``switcher export --encryption``).
CHROMIUM_ENCRYPTIONS = ("auto", "v10", "v11", "keychain", "dpapi", "plaintext")
