"""Real browsers that switcher starts itself, made headless for a machine with no display.

switcher starts a browser by the name a person's system has for it
(``chromium``, ``firefox``) found on PATH. ``headless_path`` puts two
wrapper scripts of those names first on a PATH: each runs the real Debian
browser (Chromium, Firefox ESR) with every argument switcher gave it, plus
what a headless, offline, root-run test needs. File descriptors pass through
``exec`` untouched: the DevTools pipe on fds 3 and 4 reaches Chromium.
"""

from __future__ import annotations

import contextlib
import os
import shlex
import signal
import subprocess
from pathlib import Path

from tests.support.chromium import FLAGS, chromium_binary

_CHROMIUM = """#!/bin/sh
exec {binary} {flags} --password-store=basic "$@"
"""
_FIREFOX = """#!/bin/sh
MOZ_HEADLESS=1 exec {binary} "$@"
"""


def headless_path(directory: Path, firefox: str | None = None) -> str:
    """A PATH whose ``chromium`` (and, given its binary, ``firefox``) run headless."""
    directory.mkdir(parents=True, exist_ok=True)
    scripts = {
        "chromium": _CHROMIUM.format(
            binary=shlex.quote(chromium_binary()), flags=" ".join(map(shlex.quote, FLAGS))
        )
    }
    if firefox is not None:
        scripts["firefox"] = _FIREFOX.format(binary=shlex.quote(firefox))
    for name, text in scripts.items():
        script = directory / name
        script.write_text(text)
        script.chmod(0o755)
    return f"{directory}{os.pathsep}{os.environ.get('PATH', '')}"


def browsers_using(profile_root: Path) -> list[int]:
    """Process ids of browsers started on a profile under ``profile_root``."""
    found = subprocess.run(
        ["pgrep", "-f", str(profile_root)], capture_output=True, text=True, check=False
    )
    return [int(pid) for pid in found.stdout.split()]


def kill_browsers_using(profile_root: Path) -> None:
    """Leave no browser of a test behind, whatever the test did."""
    for pid in browsers_using(profile_root):
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
