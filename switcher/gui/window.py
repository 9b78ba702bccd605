"""The accounts window: every account with its session, and the actions on it.

It is also the main window when the desktop has no system tray.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QMainWindow,
    QPushButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from switcher.gui.controller import Controller
from switcher.gui.labels import account_state
from switcher.vault import Account, AccountStatus

COLUMNS = ("Account", "Status", "Signed in", "Expires", "IP address", "Device")


def _when(iso: str | None) -> str:
    return iso[:16].replace("T", " ") + " UTC" if iso else "—"


def _device(user_agent: str | None) -> str:
    if not user_agent:
        return "—"
    return user_agent if len(user_agent) <= 40 else user_agent[:39] + "…"


class AccountsWindow(QMainWindow):
    add_account = Signal()
    sign_in_again = Signal(str)  # email
    revoke = Signal(str)
    settings = Signal()

    def __init__(self, controller: Controller) -> None:
        super().__init__()
        self.controller = controller
        self.setWindowTitle("Accounts — switcher")
        self.setAccessibleName("Accounts")
        self.resize(900, 360)

        self.header = QLabel()
        self.table = QTreeWidget()
        self.table.setHeaderLabels(COLUMNS)
        self.table.setRootIsDecorated(False)
        self.table.setAccessibleName("Accounts")
        self.table.itemSelectionChanged.connect(self._selection_changed)
        self.table.itemDoubleClicked.connect(lambda *_: self._switch_selected())

        self.switch_button = QPushButton("&Switch")
        self.revoke_button = QPushButton("&Revoke…")
        self.again_button = QPushButton("Sign in &again…")
        self.browser_button = QPushButton("Open in &browser")
        self.browser_button.setAccessibleName("Open the site in a browser as the selected account")
        self.browser_button.clicked.connect(self._open_selected)
        self.add_button = QPushButton("&Add account…")
        self.settings_button = QPushButton("Se&ttings…")
        self.settings_button.setAccessibleName("Settings")
        self.settings_button.clicked.connect(self.settings.emit)
        for button, name in (
            (self.switch_button, "Switch to the selected account"),
            (self.revoke_button, "Revoke the selected account"),
            (self.again_button, "Sign the selected account in again"),
            (self.add_button, "Add account"),
        ):
            button.setAccessibleName(name)
        self.switch_button.clicked.connect(self._switch_selected)
        self.revoke_button.clicked.connect(self._revoke_selected)
        self.again_button.clicked.connect(self._sign_in_again)
        self.add_button.clicked.connect(self.add_account.emit)

        buttons = QHBoxLayout()
        for button in (
            self.switch_button,
            self.revoke_button,
            self.again_button,
            self.browser_button,
        ):
            buttons.addWidget(button)
        buttons.addStretch(1)
        buttons.addWidget(self.settings_button)
        buttons.addWidget(self.add_button)
        body = QWidget()
        layout = QVBoxLayout(body)
        layout.addWidget(self.header)
        layout.addWidget(self.table)
        layout.addLayout(buttons)
        self.setCentralWidget(body)

        QShortcut(QKeySequence("Ctrl+N"), self).activated.connect(self.add_account.emit)
        for n in range(1, 10):
            shortcut = QShortcut(QKeySequence(f"Ctrl+{n}"), self)
            shortcut.activated.connect(lambda n=n: self._switch_nth(n))

        controller.changed.connect(self.refresh_view)
        self.refresh_view()

    def refresh_view(self) -> None:
        snapshot = self.controller.snapshot
        online = {True: "online", False: "offline", None: "not checked yet"}[self.controller.online]
        self.header.setText(f"<b>{snapshot.server}</b> — {snapshot.url} — {online}")
        selected = self.selected()
        self.table.clear()
        pending = set(self.controller.pending.values())
        for account in snapshot.accounts:
            status = account_state(snapshot, pending, account)
            item = QTreeWidgetItem(
                [
                    account.label,
                    status,
                    _when(account.signed_in_at),
                    _when(account.expires_at),
                    account.ip_address or "—",
                    _device(account.user_agent),
                ]
            )
            item.setIcon(0, self.controller.icon_for(account))
            item.setData(0, Qt.ItemDataRole.UserRole, account.email)
            self.table.addTopLevelItem(item)
            if selected and selected.email == account.email:
                item.setSelected(True)
        for column in range(len(COLUMNS)):
            self.table.resizeColumnToContents(column)
        self._selection_changed()

    def selected(self) -> Account | None:
        items = self.table.selectedItems()
        if not items:
            return None
        email = items[0].data(0, Qt.ItemDataRole.UserRole)
        return next((a for a in self.controller.snapshot.accounts if a.email == email), None)

    def _selection_changed(self) -> None:
        account = self.selected()
        valid = account is not None and account.status == AccountStatus.VALID
        active = account is not None and self.controller.snapshot.is_active(account)
        self.switch_button.setEnabled(valid and not active)
        self.revoke_button.setEnabled(account is not None)
        self.again_button.setEnabled(account is not None and account.status != AccountStatus.VALID)
        self.browser_button.setEnabled(valid)

    def _switch_selected(self) -> None:
        account = self.selected()
        if (
            account is not None
            and account.status == AccountStatus.VALID
            and not self.controller.snapshot.is_active(account)
        ):
            self.controller.switch(account.email)

    def _open_selected(self) -> None:
        account = self.selected()
        if account is not None and account.status == AccountStatus.VALID:
            self.controller.open_in_browser(account.email)

    def _sign_in_again(self) -> None:
        account = self.selected()
        if account is not None:
            self.sign_in_again.emit(account.email)

    def _revoke_selected(self) -> None:
        account = self.selected()
        if account is not None:
            self.revoke.emit(account.email)

    def _switch_nth(self, n: int) -> None:
        snapshot = self.controller.snapshot
        accounts = snapshot.accounts
        if (
            n <= len(accounts)
            and accounts[n - 1].status == AccountStatus.VALID
            and not snapshot.is_active(accounts[n - 1])
        ):
            self.controller.switch(accounts[n - 1].email)
