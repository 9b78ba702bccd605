"""``run_checks``: every check, side by side, bounded in time, into one ``Report``."""

from __future__ import annotations

import contextlib
import importlib
import importlib.metadata
import platform
from collections.abc import Callable
from dataclasses import replace

from switcher import __version__
from switcher.doctor.bounds import GRACE, run_bounded
from switcher.doctor.browser_checks import check_browsers
from switcher.doctor.keyring_checks import check_insecure_storage, check_keyring
from switcher.doctor.path_checks import check_paths
from switcher.doctor.report import Check, Report
from switcher.doctor.server_checks import PORT_TIMEOUT, SERVER_TIMEOUT, check_servers
from switcher.doctor.tray_checks import TRAY_TIMEOUT, check_tray, pyside6_version

# Imported on the calling thread before the checks start: two threads importing
# the same packages at once were seen to fail ("No module named
# 'backports.tarfile.compat.py38'", keyring's dependencies half-imported).
_PRELOAD = (
    "PySide6",
    "httpx",
    "keyring",
    "keyring.errors",
    "switcher.browsers.chromium",
    "switcher.browsers.firefox",
    "switcher.browsers.launch",
    "switcher.browsers.opener",
    "switcher.client.client",
    "switcher.client.errors",
    "switcher.bundled_server",
    "switcher.secrets",
    "switcher.server",
    "switcher.server.bundled_files",
    "switcher.server.store.sqlite",
)


def _preload() -> None:
    for module in _PRELOAD:
        with contextlib.suppress(Exception):  # a missing one is its check's to report
            importlib.import_module(module)
    # keyring imports its backends (and third-party ones) from entry points;
    # importing them is harmless, unlike asking them for their priority.
    with contextlib.suppress(Exception):
        for entry in importlib.metadata.entry_points(group="keyring.backends"):
            entry.load()


def run_checks(
    *,
    insecure_storage: bool = False,
    server_name: str | None = None,
    keyring_timeout: float | None = None,
    server_timeout: float = SERVER_TIMEOUT,
    tray_timeout: float = TRAY_TIMEOUT,
) -> Report:
    """Every check, side by side; bounded by the longest timeout plus ``GRACE``."""
    from switcher.secrets import KEYRING_TIMEOUT

    keyring_limit = KEYRING_TIMEOUT if keyring_timeout is None else keyring_timeout
    groups: list[tuple[str, Callable[[], list[Check]]]] = [
        ("keyring", lambda: [check_keyring(keyring_limit)]),
    ]
    if insecure_storage:
        groups.append(("storage", lambda: [check_insecure_storage()]))
    groups += [
        ("tray", lambda: [check_tray(tray_timeout)]),
        ("browsers", check_browsers),
        ("servers", lambda: check_servers(server_timeout, server_name)),
        ("paths", check_paths),
    ]
    _preload()
    limit = max(keyring_limit, tray_timeout, 2 * server_timeout + PORT_TIMEOUT) + GRACE
    checks = run_bounded(groups, limit)
    if insecure_storage:
        # The person chose the plain file over the keyring: a broken keyring is
        # worth saying, but it is not what this run of switcher depends on.
        checks = [
            replace(c, status="warn", summary=c.summary + " (not used: --insecure-storage)")
            if c.name == "keyring" and c.status == "fail"
            else c
            for c in checks
        ]
    return Report(
        switcher=__version__,
        python=platform.python_version(),
        platform=platform.platform(),
        pyside6=pyside6_version(),
        checks=tuple(checks),
    )
