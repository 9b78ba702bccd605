"""The tray icon and its menu, rebuilt from the controller's memory each time it opens."""

from __future__ import annotations

import sys
import time
from collections.abc import Callable

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QAction, QGuiApplication, QPalette
from PySide6.QtWidgets import QMenu, QSystemTrayIcon

from switcher.browsers import Profile, registry
from switcher.display_text import NAME_LIMIT, one_line
from switcher.gui.avatars import neutral_icon
from switcher.gui.controller import Controller
from switcher.gui.jobs import Job, JobKind
from switcher.gui.labels import busy_state
from switcher.vault import Account, AccountStatus

# Seconds before the browser profiles are looked up again when the menu opens.
PROFILES_MAX_AGE = 60.0


def panel_is_dark() -> bool:
    palette = QGuiApplication.palette()
    return palette.color(QPalette.ColorRole.Window).lightness() < 128


def menu_text(text: str) -> str:
    """Text for a menu entry: one line, and a literal "&" (Qt reads "&x" as a shortcut)."""
    return one_line(text).replace("&", "&&")


class Tray(QObject):
    # Intents for the app to carry out (dialogs, confirmations live there).
    add_account = Signal()
    sign_in_with_browser = Signal()
    manage = Signal()
    revoke = Signal(str)
    add_server = Signal()
    settings = Signal()
    sign_out_all = Signal()
    quit = Signal()

    def __init__(self, controller: Controller) -> None:
        super().__init__()
        self.controller = controller
        self._found_profiles: list[Profile] | None = None
        self._profiles_found_at = 0.0
        self.menu = QMenu()
        self.menu.setAccessibleName("switcher")
        self.menu.aboutToShow.connect(self._about_to_show)
        self.icon = QSystemTrayIcon()
        self.icon.setContextMenu(self.menu)
        self.icon.activated.connect(self._activated)
        controller.changed.connect(self.render)
        self.rebuild()
        self.render()

    def show(self) -> None:
        self.icon.show()

    def _activated(self, reason: QSystemTrayIcon.ActivationReason) -> None:
        if reason == QSystemTrayIcon.ActivationReason.Trigger:
            # A left click opens the menu too: that is where the accounts are.
            self.rebuild()
            self.icon.contextMenu().popup(self.icon.geometry().center())

    def _about_to_show(self) -> None:
        if self.controller.is_stale() and not self.controller.is_pending(Job(JobKind.REFRESH)):
            self.controller.refresh()
        self.rebuild()

    # -- icon and tooltip ------------------------------------------------------------
    def render(self) -> None:
        snapshot = self.controller.snapshot
        active = snapshot.active
        if active is None:
            icon = neutral_icon(panel_is_dark())
            # macOS tints a template image for its menu bar, light or dark.
            icon.setIsMask(sys.platform == "darwin")
            self.icon.setIcon(icon)
            self.icon.setToolTip(f"switcher — no active account — {snapshot.server}")
        else:
            self.icon.setIcon(self.controller.icon_for(active))
            self.icon.setToolTip(
                f"{one_line(active.name or active.email, NAME_LIMIT)} — "
                f"{one_line(active.email)} — {snapshot.server}"
            )
        if self.menu.isVisible():
            # Clearing an open menu closes it under the pointer: update in place.
            self._update_open_menu()

    # -- the menu ----------------------------------------------------------------------
    def _header_text(self) -> str:
        controller = self.controller
        state = {True: "online", False: "offline", None: "not checked yet"}[controller.online]
        if controller.is_pending(Job(JobKind.REFRESH)):
            state = "checking…"
        return f"{controller.snapshot.server} — {state}"

    def _dress(self, action: QAction, account: Account) -> None:
        """Text, check mark, weight and state of an account's entry."""
        controller = self.controller
        busy = busy_state(set(controller.pending.values()), account)
        aside = busy or account.status.ended
        text = menu_text(account.label)
        if aside:
            text += f"  ({aside})"
        action.setText(text)
        active = controller.snapshot.is_active(account)
        action.setChecked(active)
        # Styles draw the avatar where the check box would be: bold says "active".
        font = action.font()
        font.setBold(active)
        action.setFont(font)
        action.setEnabled(account.status == AccountStatus.VALID and busy is None)

    def _update_open_menu(self) -> None:
        actions = self.menu.actions()
        if actions:
            actions[0].setText(self._header_text())
        shown = {a.data(): a for a in actions if a.data()}
        accounts = {a.email: a for a in self.controller.snapshot.accounts}
        if set(shown) != set(accounts):
            return  # accounts came or went: the next opening shows them
        for email, action in shown.items():
            self._dress(action, accounts[email])
            action.setIcon(self.controller.icon_for(accounts[email]))

    def rebuild(self) -> None:
        controller = self.controller
        snapshot = controller.snapshot
        menu = self.menu
        menu.clear()
        header = menu.addAction(self._header_text())
        header.setEnabled(False)
        menu.addSeparator()
        if not snapshot.accounts:
            hint = menu.addAction("No accounts yet")
            hint.setEnabled(False)
        for account in snapshot.accounts:
            action = QAction(self.controller.icon_for(account), "", menu)
            action.setCheckable(True)
            action.setData(account.email)
            self._dress(action, account)
            email = account.email
            action.triggered.connect(lambda _=False, e=email: self._switch(e))
            menu.addAction(action)
        valid = [a for a in snapshot.accounts if a.status == AccountStatus.VALID]
        if valid:
            browser_menu = menu.addMenu("Open in browser as")
            for account in valid:
                item = browser_menu.addAction(menu_text(account.label))
                email = account.email
                item.triggered.connect(lambda _=False, e=email: self.controller.open_in_browser(e))
        profiles = self._profiles()
        export_menu = _profiles_menu(menu, "Export to browser", profiles, self.controller.export_to)
        export_menu.setEnabled(snapshot.active is not None)
        readable = registry.readable_ids()
        _profiles_menu(
            menu,
            "Import from browser",
            [p for p in profiles if p.browser in readable],
            self.controller.import_from,
        )
        if snapshot.accounts:
            revoke_menu = menu.addMenu("Revoke")
            for account in snapshot.accounts:
                item = revoke_menu.addAction(f"{menu_text(account.label)}…")
                email = account.email
                item.triggered.connect(lambda _=False, e=email: self.revoke.emit(e))
        menu.addSeparator()
        menu.addAction("Add account…").triggered.connect(self.add_account.emit)
        by_browser = menu.addAction("Sign in with browser…")
        by_browser.triggered.connect(self.sign_in_with_browser.emit)
        menu.addAction("Manage accounts…").triggered.connect(self.manage.emit)
        servers = menu.addMenu("Server")
        for name, url in snapshot.servers:
            item = servers.addAction(menu_text(f"{name}  {url}"))
            item.setCheckable(True)
            item.setChecked(name == snapshot.server)
            item.triggered.connect(lambda _=False, n=name: self.controller.use_server(n))
        servers.addSeparator()
        servers.addAction("Add server…").triggered.connect(self.add_server.emit)
        menu.addAction("Settings…").triggered.connect(self.settings.emit)
        menu.addSeparator()
        sign_out = menu.addAction("Sign out of all accounts…")
        sign_out.setEnabled(bool(snapshot.accounts))
        sign_out.triggered.connect(self.sign_out_all.emit)
        menu.addAction("Quit").triggered.connect(self.quit.emit)

    def _profiles(self) -> list[Profile]:
        # Browsers' profile lists are small files on disk, not the network, so
        # reading them here is fine; once a minute at most, so a profile made
        # while the app runs shows up without a restart.
        now = time.monotonic()
        if self._found_profiles is None or now - self._profiles_found_at > PROFILES_MAX_AGE:
            from switcher.browsers.opener import all_profiles

            try:
                self._found_profiles = all_profiles()
            except OSError:
                self._found_profiles = []
            self._profiles_found_at = now
        return self._found_profiles

    def _switch(self, email: str) -> None:
        active = self.controller.snapshot.active
        if active is not None and active.email == email:
            return
        self.controller.switch(email)

    def action_for(self, email: str) -> QAction | None:
        """The menu entry of an account (for tests and accessibility tools)."""
        return next((a for a in self.menu.actions() if a.data() == email), None)


def _profiles_menu(
    menu: QMenu, title: str, profiles: list[Profile], act: Callable[[Profile], object]
) -> QMenu:
    """A submenu with one entry per browser profile, ``act`` on the one chosen."""
    submenu = menu.addMenu(title)
    for profile in profiles:
        label = menu_text(f"{registry.label(profile.browser)} — {profile.name}")
        item = submenu.addAction(label + ("  (default)" if profile.is_default else ""))
        item.triggered.connect(lambda _=False, p=profile: act(p))
    if not profiles:
        submenu.addAction("No browser profiles found").setEnabled(False)
    return submenu
