"""The accounts window: every account with its session, and the actions on it.

It is also the main window when the desktop has no system tray.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from datetime import datetime

from PySide6.QtCore import QModelIndex, QPoint, Qt, QTimer, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QLabel,
    QMainWindow,
    QMenu,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from switcher.gui.account_list import AccountListModel, AccountListView, Row
from switcher.gui.controller import Controller
from switcher.gui.labels import THIS_COMPUTER, account_state, busy_state, server_label
from switcher.html_text import escape
from switcher.vault import Account, AccountStatus

# Wide enough for a name, an email and "Signed in … · expires … · Firefox on
# Linux" side by side with the state; small enough for an 800-pixel screen.
DEFAULT_SIZE = (680, 440)
# Relative dates ("5 minutes ago") are worded when painted: repaint this often.
RELATIVE_DATES_MS = 30_000


def local_now() -> datetime:
    return datetime.now().astimezone()


class AccountsWindow(QMainWindow):
    add_account = Signal()
    sign_in_again = Signal(str)  # email
    revoke = Signal(str)
    settings = Signal()

    def __init__(self, controller: Controller) -> None:
        super().__init__()
        self.controller = controller
        # What "now" is for relative dates; a test sets a fixed one.
        self.now: Callable[[], datetime] = local_now
        self.setWindowTitle("Accounts — switcher")
        self.setAccessibleName("Accounts")
        self.resize(*DEFAULT_SIZE)

        self.header = QLabel()
        self.header.setTextFormat(Qt.TextFormat.RichText)
        self.header.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.settings_button = QPushButton("Se&ttings…")
        self.settings_button.setAccessibleName("Settings")
        self.settings_button.clicked.connect(self.settings.emit)

        self.model = AccountListModel(lambda: self.now(), self)
        self.accounts = AccountListView(self._placeholder)
        self.accounts.setModel(self.model)
        self.accounts.setAccessibleName("Accounts")
        self.accounts.setAccessibleDescription(
            "Enter switches to the selected account, Delete revokes it"
        )
        self.accounts.selectionModel().selectionChanged.connect(self._selection_changed)
        # Enter, and a double click (a single one where the desktop says so).
        self.accounts.activated.connect(self._activate)
        self.accounts.revoke_requested.connect(self._revoke_selected)
        self.accounts.customContextMenuRequested.connect(self._context_menu)

        # Mnemonics are unique in the window: Alt+letter must reach one button.
        self.add_button = QPushButton("&Add account…")
        self.revoke_button = QPushButton("&Revoke…")
        self.again_button = QPushButton("Sign in a&gain…")
        self.browser_button = QPushButton("Open in &browser")
        self.switch_button = QPushButton("&Switch")
        for button, name in (
            (self.add_button, "Add account"),
            (self.revoke_button, "Revoke the selected account"),
            (self.again_button, "Sign the selected account in again"),
            (self.browser_button, "Open the site in a browser as the selected account"),
            (self.switch_button, "Switch to the selected account"),
        ):
            button.setAccessibleName(name)
        self.add_button.clicked.connect(self.add_account.emit)
        self.revoke_button.clicked.connect(self._revoke_selected)
        self.again_button.clicked.connect(self._sign_in_again)
        self.browser_button.clicked.connect(self._open_selected)
        self.switch_button.clicked.connect(self._switch_selected)

        top = QHBoxLayout()
        top.addWidget(self.header, 1)
        top.addWidget(self.settings_button)
        # What applies to the whole list on the left; to the selected account,
        # on the right, the most used (Switch) at the end where the eye lands.
        bottom = QHBoxLayout()
        bottom.addWidget(self.add_button)
        bottom.addStretch(1)
        for button in (
            self.revoke_button,
            self.again_button,
            self.browser_button,
            self.switch_button,
        ):
            bottom.addWidget(button)
        body = QWidget()
        layout = QVBoxLayout(body)
        layout.addLayout(top)
        layout.addWidget(self.accounts, 1)
        layout.addLayout(bottom)
        self.setCentralWidget(body)
        order = [
            self.settings_button,
            self.accounts,
            self.add_button,
            self.revoke_button,
            self.again_button,
            self.browser_button,
            self.switch_button,
        ]
        for before, after in itertools.pairwise(order):
            QWidget.setTabOrder(before, after)
        # Given when the window is first activated: the list, where the accounts
        # are; with none yet, the button that adds one.
        (self.accounts if controller.snapshot.accounts else self.add_button).setFocus()

        QShortcut(QKeySequence("Ctrl+N"), self).activated.connect(self.add_account.emit)
        for n in range(1, 10):
            shortcut = QShortcut(QKeySequence(f"Ctrl+{n}"), self)
            shortcut.activated.connect(lambda n=n: self._switch_nth(n))

        # The active account as last shown: a different one is news to bring into view.
        self._shown_active: tuple[str, str] | None = None

        self._clock = QTimer(self)
        self._clock.timeout.connect(self._tick)
        self._clock.start(RELATIVE_DATES_MS)

        controller.changed.connect(self.refresh_view)
        self.refresh_view()

    # -- what is shown -----------------------------------------------------------------
    def refresh_view(self) -> None:
        snapshot = self.controller.snapshot
        online = {True: "online", False: "offline", None: "not checked yet"}[self.controller.online]
        self.header.setText(
            f"<b>{escape(server_label(snapshot.server))}</b> · {escape(snapshot.url)} · {online}"
        )
        self.header.setAccessibleName(
            f"Server: {server_label(snapshot.server)}, {snapshot.url}, {online}"
        )
        pending = set(self.controller.pending.values())
        self.model.set_rows(
            [
                Row(
                    account=account,
                    state=account_state(snapshot, pending, account),
                    active=snapshot.is_active(account),
                    busy=busy_state(pending, account) is not None,
                    icon=self.controller.icon_for(account),
                )
                for account in snapshot.accounts
            ],
            snapshot.server,
        )
        self._follow_the_active_account()
        self._keep_a_selection()
        self._selection_changed()

    def _follow_the_active_account(self) -> None:
        """A newly active account is selected and scrolled to; an unchanged one moves nothing.

        A switch made from the tray or the command line, or an account added
        (which becomes the active one), is what the person wants to see next:
        left where it was, the old selection keeps the eye and the new active
        row may be off-screen. Every other refresh keeps their selection and
        scroll position, or the list would jump under them every few seconds.
        """
        snapshot = self.controller.snapshot
        active = snapshot.active
        shown = (snapshot.server, active.user_id) if active else None
        changed = shown is not None and shown != self._shown_active
        self._shown_active = shown
        row = self.model.row_of(active.user_id) if changed and active else None
        if row is not None:
            index = self.model.index(row)
            self.accounts.setCurrentIndex(index)
            self.accounts.scrollTo(index, QAbstractItemView.ScrollHint.EnsureVisible)

    def _keep_a_selection(self) -> None:
        """A selected row at all times: the buttons act on it, and Enter needs one.

        Opening, or another server: the active account (else the first). The
        selected account went away: the one now in its place.
        """
        if self.accounts.selectionModel().hasSelection():
            return
        current = self.accounts.currentIndex()
        row = current.row() if current.isValid() else None
        if row is None:
            active = self.controller.snapshot.active
            row = (self.model.row_of(active.user_id) if active else None) or 0
        if self.model.rowCount() > 0:
            index = self.model.index(min(row, self.model.rowCount() - 1))
            self.accounts.setCurrentIndex(index)
            self.accounts.scrollTo(index)

    def _placeholder(self) -> str:
        where = server_label(self.controller.snapshot.server)
        if where == THIS_COMPUTER:
            where = where.lower()  # mid-sentence; a server's own name keeps its case
        return f"No accounts on {where} yet.\nAdd one with “Add account…” (Ctrl+N)."

    def _tick(self) -> None:
        if self.isVisible():
            self.accounts.viewport().update()

    def row(self, number: int) -> Row | None:
        return self.model.row_at(number)

    def line_of(self, number: int) -> str:
        """A row's session line as painted: "Signed in 3 days ago · expires in 4 days · …"."""
        row = self.model.row_at(number)
        return row.line(self.now()) if row else ""

    def status_of(self, number: int) -> str:
        """A row's state as its label reads: "Active", "Signed in", "Expired"."""
        row = self.model.row_at(number)
        return row.status if row else ""

    def selected(self) -> Account | None:
        rows = self.accounts.selectionModel().selectedRows()
        row = self.model.row_at(rows[0].row()) if rows else None
        return row.account if row else None

    def _selection_changed(self) -> None:
        account = self.selected()
        valid = account is not None and account.status == AccountStatus.VALID
        active = account is not None and self.controller.snapshot.is_active(account)
        self.switch_button.setEnabled(valid and not active)
        self.revoke_button.setEnabled(account is not None)
        self.again_button.setEnabled(account is not None and account.status != AccountStatus.VALID)
        self.browser_button.setEnabled(valid)

    # -- actions -------------------------------------------------------------------------
    def _activate(self, _index: QModelIndex) -> None:
        """Enter or a double click: what the row most likely wants."""
        account = self.selected()
        if account is None:
            return
        if account.status != AccountStatus.VALID:
            self._sign_in_again()  # an ended session's only way back
        else:
            self._switch_selected()

    def row_menu(self) -> QMenu:
        """The selected account's actions, as the buttons offer them right now."""
        menu = QMenu(self)
        for button in (
            self.switch_button,
            self.browser_button,
            self.again_button,
            self.revoke_button,
        ):
            action = menu.addAction(button.text())
            action.setEnabled(button.isEnabled())
            action.triggered.connect(button.click)
        return menu

    def _context_menu(self, position: QPoint) -> None:
        """A right click, the Menu key or Shift+F10 on a row."""
        if self.accounts.indexAt(position).isValid() and self.selected() is not None:
            self.row_menu().exec(self.accounts.viewport().mapToGlobal(position))

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
