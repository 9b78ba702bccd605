"""Running the real (Debian) Chromium headless against a profile, for export tests.

Each run is its own process group, killed on timeout, so a hung browser can't
outlive the test. ``--dump-dom`` makes Chromium exit by itself once the page
has loaded, which also shuts it down cleanly (no stale ``SingletonLock``, the
cookie DB flushed).
"""

from __future__ import annotations

import shutil
import sqlite3
import subprocess
import time
from collections.abc import Mapping, Sequence
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tests.support.components import missing
from tests.support.processes import terminate_group

COMPONENT = "Chromium"
INSTALL_HINT = "apt-get install -y --no-install-recommends chromium"
RUN_TIMEOUT = 90.0

# Root in a container: no sandbox; no GPU; nothing that talks to Google or
# updates itself during a test.
FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
)


def chromium_binary() -> str:
    """The chromium executable; ``missing()`` (skip, or fail under CI=true) without one."""
    path = shutil.which("chromium") or shutil.which("chromium-browser")
    if path is None:
        missing(COMPONENT, f"no chromium on PATH; {INSTALL_HINT}")
    return path


@dataclass(frozen=True)
class Run:
    stdout: str
    stderr: str
    returncode: int
    seconds: float


def run_chromium(
    user_data_dir: Path,
    url: str,
    *,
    password_store: str = "basic",
    env: Mapping[str, str] | None = None,
    timeout: float = RUN_TIMEOUT,
    extra: Sequence[str] = (),
) -> Run:
    """``chromium --headless … --dump-dom url``; returns the DOM on stdout.

    ``password_store`` is "basic" (v10) or "gnome-libsecret" (v11, with
    ``env`` pointing at a Secret Service); ``extra`` flags go before the URL.
    """
    cmd = [
        chromium_binary(),
        *FLAGS,
        f"--password-store={password_store}",
        f"--user-data-dir={user_data_dir}",
        *extra,
        "--dump-dom",
        url,
    ]
    started = time.monotonic()
    proc = subprocess.Popen(
        cmd,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        stdin=subprocess.DEVNULL,
        env=dict(env) if env is not None else None,
        start_new_session=True,
    )
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        terminate_group(proc)
        out, err = proc.communicate()
        tail = err.decode(errors="replace")[-3000:]
        raise AssertionError(f"chromium did not finish within {timeout:.0f}s:\n{tail}") from None
    return Run(
        out.decode(errors="replace"),
        err.decode(errors="replace"),
        proc.returncode,
        time.monotonic() - started,
    )


def new_profile(
    user_data_dir: Path,
    *,
    password_store: str = "basic",
    env: Mapping[str, str] | None = None,
) -> Path:
    """Let Chromium create a profile (one run on about:blank); returns ``Default``."""
    run = run_chromium(user_data_dir, "about:blank", password_store=password_store, env=env)
    profile = user_data_dir / "Default"
    if not (profile / "Cookies").exists():
        missing(
            COMPONENT,
            f"chromium ran (exit {run.returncode}) but created no cookie DB:\n{run.stderr[-3000:]}",
        )
    return profile


def cookie_rows(db: Path) -> list[dict[str, Any]]:
    """Every row of a Chromium ``Cookies`` database, oldest first."""
    with closing(sqlite3.connect(db)) as conn:
        conn.row_factory = sqlite3.Row
        return [dict(r) for r in conn.execute("SELECT * FROM cookies ORDER BY creation_utc")]
