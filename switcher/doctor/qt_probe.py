"""The tray probe: what runs in the child process ``check_tray`` starts
(``switcher doctor --tray-probe``), and the mark its answer is printed under.
"""

from __future__ import annotations

import contextlib
import json
import os
from typing import Any

QT_MARK = "SWITCHER-DOCTOR "


def tray_probe() -> dict[str, Any]:
    """Ask Qt, as the app does, whether there is a tray (``switcher doctor --tray-probe``).

    Runs in a subprocess of ``check_tray``: Qt may abort the whole process
    when it cannot open the display, and a hung display must not hang the doctor.
    """
    os.environ.setdefault("QT_XCB_GL_INTEGRATION", "none")  # as the app: no GL drivers
    from PySide6.QtWidgets import QApplication, QSystemTrayIcon

    app = QApplication(["switcher-doctor"])
    result: dict[str, Any] = {
        "platform": app.platformName(),
        "available": bool(QSystemTrayIcon.isSystemTrayAvailable()),
        "watcher": None,
    }
    # Which kind of tray, for the report: Qt prefers a StatusNotifierItem host when one is there.
    with contextlib.suppress(Exception):
        from PySide6.QtDBus import QDBusConnection

        bus = QDBusConnection.sessionBus()
        interface = bus.interface() if bus.isConnected() else None
        if interface is None:
            result["watcher"] = False
        else:
            reply: Any = interface.isServiceRegistered("org.kde.StatusNotifierWatcher")
            result["watcher"] = bool(reply.value() if hasattr(reply, "value") else reply)
    return result


def print_tray_probe() -> int:
    print(QT_MARK + json.dumps(tray_probe()), flush=True)
    return 0
