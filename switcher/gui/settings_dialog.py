"""Settings: how often to refresh, and whether to start at login."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from switcher.browsers import Profile, registry
from switcher.gui.settings import Settings, set_start_at_login


class SettingsDialog(QDialog):
    def __init__(
        self,
        settings: Settings,
        parent: QWidget | None = None,
        profiles: Sequence[Profile] = (),
    ) -> None:
        super().__init__(parent)
        self.settings = settings
        self.setWindowTitle("Settings — switcher")
        self.setAccessibleName("Settings")
        self.refresh = QSpinBox()
        self.refresh.setRange(10, 3600)
        self.refresh.setSuffix(" s")
        self.refresh.setValue(settings.refresh_seconds)
        self.refresh.setAccessibleName("Refresh interval in seconds")
        self.autostart = QCheckBox("Start switcher when I log in")
        self.autostart.setChecked(settings.start_at_login)
        self.autostart.setAccessibleName("Start at login")
        self.keep_alive = QCheckBox("Keep every account signed in while its site allows")
        self.keep_alive.setToolTip(
            "Asks the site for each account's session before it would lapse unused, "
            "as a browser does when you visit"
        )
        self.keep_alive.setChecked(settings.keep_sessions_alive)
        self.keep_alive.setAccessibleName("Keep sessions alive")
        self.export_to = QComboBox()
        self.export_to.setAccessibleName("After each switch, export to")
        self.export_to.addItem("Nowhere", None)
        for profile in profiles:
            self.export_to.addItem(
                f"{registry.label(profile.browser)} — {profile.name}",
                (profile.browser, str(profile.path)),
            )
        current = (settings.auto_export_browser, settings.auto_export_path)
        if current[0] and current[1]:
            index = self.export_to.findData(current)
            if index < 0:
                self.export_to.addItem(f"{registry.label(current[0])} — {current[1]}", current)
                index = self.export_to.count() - 1
            self.export_to.setCurrentIndex(index)
        self.error = QLabel()
        self.error.setStyleSheet("color: #c62828;")
        self.error.hide()
        form = QFormLayout()
        form.addRow("Check sessions every", self.refresh)
        form.addRow("", self.keep_alive)
        form.addRow("", self.autostart)
        form.addRow("After each switch, export to", self.export_to)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self.save)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addWidget(buttons)

    def save(self) -> None:
        try:
            if self.autostart.isChecked() != self.settings.start_at_login:
                set_start_at_login(self.autostart.isChecked())
            self.settings.refresh_seconds = self.refresh.value()
            self.settings.start_at_login = self.autostart.isChecked()
            self.settings.keep_sessions_alive = self.keep_alive.isChecked()
            choice = self.export_to.currentData()
            self.settings.auto_export_browser, self.settings.auto_export_path = (
                choice if choice else (None, None)
            )
            self.settings.save()
        except OSError as error:
            self.error.setText(f"Could not save: {error.strerror or error}")
            self.error.show()
            return
        self.accept()
