"""Export the active account to a chosen browser profile after every switch.

If the browser has the profile open, the export waits until it closes (a
file check every few seconds on the UI thread, no network, no keyring) and
the person is told both times.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QObject, QTimer

from switcher.browsers import Profile, registry
from switcher.gui.controller import Controller
from switcher.gui.settings import Settings

POLL_MS = 3000


class AutoExport(QObject):
    def __init__(self, controller: Controller, settings: Settings) -> None:
        super().__init__()
        self.controller = controller
        self.settings = settings
        self.waiting = False
        self.timer = QTimer(self)
        self.timer.setInterval(POLL_MS)
        self.timer.timeout.connect(self._retry)
        controller.switched.connect(self.export_now)

    def profile(self) -> Profile | None:
        browser, path = self.settings.auto_export_browser, self.settings.auto_export_path
        if not browser or not path:
            return None
        return Profile(browser, Path(path).name, Path(path))

    def _running(self, profile: Profile) -> bool:
        from switcher.browsers.opener import writer

        return bool(writer(profile.browser).is_running(profile.path))

    def export_now(self) -> None:
        profile = self.profile()
        if profile is None:
            return
        if self._running(profile):
            if not self.waiting:
                self.waiting = True
                self.timer.start()
                browser = registry.label(profile.browser)
                self.controller.notify.emit(
                    "Export waits", f"{browser} is open; the switch reaches it when it closes"
                )
            return
        self.waiting = False
        self.timer.stop()
        self.controller.export_to(profile)

    def _retry(self) -> None:
        profile = self.profile()
        if profile is None:
            self.waiting = False
            self.timer.stop()
        elif not self._running(profile):
            self.export_now()
