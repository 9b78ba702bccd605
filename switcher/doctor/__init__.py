"""What works on this machine for switcher, and what to do about the rest.

``run_checks()`` returns a ``Report``: plain data, rendered by
``switcher doctor`` (switcher/cli/doctor.py) as text or JSON. Every check
catches its own errors and reports them as a failed ``Check`` with a hint;
every check has its own timeout, the groups run side by side on daemon
threads, and a group still running at the overall deadline is reported as
failed, so a hung keyring or server can delay the report but never stop it.

Statuses: ``ok`` (works), ``info`` (nothing wrong, worth knowing), ``warn``
(works with a limitation; exit status stays 0) and ``fail`` (broken; exit
status 1). Nothing secret is ever put in a check: the keyring probe writes
and reads a random throwaway value under its own service name, and no
account's entry is read.

``switcher doctor --json`` prints one object with these keys, which stay:

``switcher``, ``python``, ``platform``
    versions and ``platform.platform()``, strings.
``pyside6``
    PySide6's version, or null when it is not installed.
``ok``
    false when any check failed (the exit status is then 1).
``checks``
    a list, in this order, of objects with the keys ``name``, ``status``
    (``ok``/``info``/``warn``/``fail``), ``summary`` (one line), ``hint``
    (what to do, or null when there is nothing to do), ``details`` (a list
    of extra lines) and ``facts`` (an object of machine-readable facts).

Check names and their facts:

``keyring``
    ``backend`` (module and class), ``name``, ``priority``,
    ``round_trip_ms`` (null unless the round trip worked).
``storage``
    only with ``--insecure-storage``: ``path`` of the plain-text file.
``tray``
    ``display``, ``wayland_display``, ``desktop`` (``XDG_CURRENT_DESKTOP``),
    ``qt_platform``, ``available`` (true/false, null when not checked),
    ``status_notifier_watcher`` (true/false, null when unknown).
``browser:<id>``
    one per browser found (``firefox``, ``chromium``, ``chrome``, ``brave``,
    ``edge``, ``vivaldi``): ``executable`` (or null) and ``profiles``, a
    list of ``{"name", "path", "default", "running"}`` (``running`` is null
    when it cannot be told).
``browsers``
    only when no browser was found at all; no facts.
``index``
    only when ``accounts.json`` cannot be read or is corrupt: ``path``.
``server:<name>``
    one per configured server: ``url``, ``in_process`` (true for the bundled
    ``local`` server), ``latency_ms`` (null when it did not answer).
``path:config``, ``path:data``, ``path:logs``
    ``path``, ``exists``, ``writable``, ``override`` (the environment
    variable that moves it).

The package, bottom to top: ``report`` (``Check``, ``Report``), ``bounds``
(running groups of checks within a time bound), one module per kind of check
(``keyring_checks``, ``tray_checks`` with ``qt_probe``, ``browser_checks``,
``server_checks`` with ``index_check``, ``path_checks``) and ``runner``
(``run_checks``, all of them side by side).
"""

from __future__ import annotations

from switcher.doctor.bounds import GRACE, run_bounded
from switcher.doctor.index_check import read_index
from switcher.doctor.keyring_checks import PROBE_SERVICE, PROBE_USER
from switcher.doctor.path_checks import check_path
from switcher.doctor.qt_probe import print_tray_probe, tray_probe
from switcher.doctor.report import BUG_HINT, STATUSES, Check, Report, Status
from switcher.doctor.runner import run_checks
from switcher.doctor.server_checks import PORT_TIMEOUT, SERVER_TIMEOUT
from switcher.doctor.tray_checks import TRAY_TIMEOUT, no_tray_hint

__all__ = [
    "BUG_HINT",
    "GRACE",
    "PORT_TIMEOUT",
    "PROBE_SERVICE",
    "PROBE_USER",
    "SERVER_TIMEOUT",
    "STATUSES",
    "TRAY_TIMEOUT",
    "Check",
    "Report",
    "Status",
    "check_path",
    "no_tray_hint",
    "print_tray_probe",
    "read_index",
    "run_bounded",
    "run_checks",
    "tray_probe",
]
