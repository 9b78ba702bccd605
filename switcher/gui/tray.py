"""The tray icon and its menu, kept in step with the controller's memory as it changes.

The menu is made once. Whenever the state changes, its entries are changed in
place and only the entries of accounts, servers or browser profiles that came
or went are added or removed: on a StatusNotifierItem panel the menu is
exported over D-Bus and drawn by the panel, which must see the state before it
opens the menu, with the ids it already knows (see ``menu_section``).
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QAction, QActionGroup
from PySide6.QtWidgets import QMenu, QSystemTrayIcon

from switcher.browsers import Profile, registry
from switcher.display_text import NAME_LIMIT, one_line
from switcher.gui.avatars import neutral_icon
from switcher.gui.controller import Controller
from switcher.gui.jobs import Job, JobKind
from switcher.gui.labels import busy_state, server_label
from switcher.gui.menu_section import MenuSection, set_icon
from switcher.vault import Account, AccountStatus

# Seconds before the browser profiles are looked up again when the menu opens.
PROFILES_MAX_AGE = 60.0

Activation = QSystemTrayIcon.ActivationReason
WATCHER = "org.kde.StatusNotifierWatcher"


def menu_text(text: str, exported: bool = False) -> str:
    """Text for a menu entry that shows ``text`` as it is, on one line.

    Where Qt draws the menu, "&x" marks a shortcut, so "&" is doubled. Where
    a panel draws it (``exported``: dbusmenu), "_" marks the shortcut ("__" is
    one "_") and "&" is plain text, but Qt turns the first "&" of an entry into
    "_" on the way and leaves the rest: so that first "&" is put in front (the
    first letter is the shortcut key) and every "_" is doubled.
    """
    line = one_line(text)
    if exported:
        return "&" + line.replace("_", "__")
    return line.replace("&", "&&")


def exported_over_dbus() -> bool:
    """Whether Qt will export the tray icon as a StatusNotifierItem (its menu over dbusmenu).

    Qt decides when the icon is made, by the same question: a StatusNotifierWatcher
    with a host registered on the session bus (a local call, as Qt's own).
    """
    if not sys.platform.startswith(("linux", "freebsd", "openbsd", "netbsd", "dragonfly")):
        return False
    from PySide6.QtDBus import QDBusConnection, QDBusInterface

    bus = QDBusConnection.sessionBus()
    if not bus.isConnected() or bus.interface() is None:
        return False
    if not bus.interface().isServiceRegistered(WATCHER).value():
        return False
    watcher = QDBusInterface(WATCHER, "/StatusNotifierWatcher", WATCHER, bus)
    return bool(watcher.isValid() and watcher.property("IsStatusNotifierHostRegistered"))


class Tray(QObject):
    # Intents for the app to carry out (dialogs, confirmations live there).
    add_account = Signal()
    sign_in_again = Signal(str)  # email: an account whose session ended
    sign_in_with_browser = Signal()
    pick = Signal()  # the quick switcher
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
        self._neutral = neutral_icon()
        # Asked before the icon is made, as Qt asks: its menu's text is escaped for it.
        self.exported = exported_over_dbus()
        self.menu = QMenu()
        self.menu.setAccessibleName("switcher")
        self.menu.aboutToShow.connect(self._about_to_show)
        self._build()
        self.icon = QSystemTrayIcon()
        self.icon.setContextMenu(self.menu)
        self.icon.activated.connect(self._activated)
        controller.changed.connect(self.render)
        self.render()

    def show(self) -> None:
        self.icon.show()

    # -- the menu's fixed frame -----------------------------------------------------------
    def _build(self) -> None:
        menu = self.menu
        self.header = menu.addAction("")
        self.header.setEnabled(False)
        menu.addSeparator()
        self.no_accounts = menu.addAction("No accounts yet")
        self.no_accounts.setEnabled(False)
        accounts_end = menu.addSeparator()
        # Radio entries: one account is active at a time (ExclusiveOptional: or none).
        self._account_group = QActionGroup(self)
        self._account_group.setExclusionPolicy(QActionGroup.ExclusionPolicy.ExclusiveOptional)
        self._accounts = MenuSection(menu, self._account_entry, accounts_end, self._account_group)
        self.switch_account = menu.addAction("Switch account…")
        self.switch_account.triggered.connect(self.pick.emit)

        self.open_menu = menu.addMenu("Open in browser as")
        self._open_as = MenuSection(self.open_menu, self._open_entry)
        self.export_menu, self._export_placeholder, self._export = self._profiles_submenu(
            "Export to browser", self.controller.export_to
        )
        self.import_menu, self._import_placeholder, self._import = self._profiles_submenu(
            "Import from browser", self.controller.import_from
        )
        self.revoke_menu = menu.addMenu("Revoke")
        self._revoke = MenuSection(self.revoke_menu, self._revoke_entry)
        menu.addSeparator()
        menu.addAction("Add account…").triggered.connect(self.add_account.emit)
        menu.addAction("Sign in with browser…").triggered.connect(self.sign_in_with_browser.emit)
        menu.addAction("Manage accounts…").triggered.connect(self.manage.emit)
        self.servers_menu = menu.addMenu("Server")
        add_server = self.servers_menu.addAction("Add server…")
        add_server.triggered.connect(self.add_server.emit)
        servers_end = self.servers_menu.insertSeparator(add_server)
        self._server_group = QActionGroup(self)
        self._servers = MenuSection(
            self.servers_menu, self._server_entry, servers_end, self._server_group
        )
        menu.addAction("Settings…").triggered.connect(self.settings.emit)
        menu.addSeparator()
        self.sign_out = menu.addAction("Sign out of all accounts…")
        self.sign_out.triggered.connect(self.sign_out_all.emit)
        menu.addAction("Quit").triggered.connect(self.quit.emit)

    def _profiles_submenu(
        self, title: str, act: Callable[[Profile], object]
    ) -> tuple[QMenu, QAction, MenuSection]:
        """A submenu with one entry per browser profile, ``act`` on the one chosen."""
        submenu = self.menu.addMenu(title)
        placeholder = submenu.addAction("No browser profiles found")
        placeholder.setEnabled(False)

        def entry(path: str) -> QAction:
            action = QAction()
            action.triggered.connect(lambda _=False, p=path: self._on_profile(p, act))
            return action

        return submenu, placeholder, MenuSection(submenu, entry)

    def _account_entry(self, email: str) -> QAction:
        action = QAction()
        action.setCheckable(True)
        action.setData(email)
        action.triggered.connect(lambda _=False, e=email: self._switch(e))
        return action

    def _open_entry(self, email: str) -> QAction:
        action = QAction()
        action.triggered.connect(lambda _=False, e=email: self.controller.open_in_browser(e))
        return action

    def _revoke_entry(self, email: str) -> QAction:
        action = QAction()
        action.triggered.connect(lambda _=False, e=email: self.revoke.emit(e))
        return action

    def _server_entry(self, name: str) -> QAction:
        action = QAction()
        action.setCheckable(True)
        action.triggered.connect(lambda _=False, n=name: self._use_server(n))
        return action

    def drawn_by_panel(self) -> bool:
        """Whether a StatusNotifierItem panel draws the icon (Qt then does not know
        where it is), rather than Qt in an XEmbed tray."""
        geometry = self.icon.geometry()
        return not geometry.isValid() or geometry.isEmpty()

    # -- clicks -------------------------------------------------------------------------
    def _activated(self, reason: QSystemTrayIcon.ActivationReason) -> None:
        if reason == Activation.Trigger:
            if not self.drawn_by_panel():
                geometry = self.icon.geometry()
                # An XEmbed tray: Qt knows where the icon is, so the menu opens
                # there, as a right click would.
                self.menu.popup(geometry.center())
            else:
                # A StatusNotifierItem: the panel keeps the icon's place to
                # itself (an empty geometry) and opens the menu on a right
                # click; a left click is the app's primary action.
                self.manage.emit()
        elif reason == Activation.MiddleClick:
            self.pick.emit()

    def _about_to_show(self) -> None:
        # The menu already shows the state: only what may have aged is asked for.
        if self.controller.is_stale() and not self.controller.is_pending(Job(JobKind.REFRESH)):
            self.controller.refresh()
        if self._profiles_aged():
            self._sync_profiles()

    def _switch(self, email: str) -> None:
        snapshot = self.controller.snapshot
        account = next((a for a in snapshot.accounts if a.email == email), None)
        if account is not None and account.status != AccountStatus.VALID:
            # Its entry says "sign in again…": the one thing to do with it.
            self.sign_in_again.emit(email)
        elif snapshot.active is None or snapshot.active.email != email:
            self.controller.switch(email)
        # A click checks the entry at once; the state says what is checked.
        self.render()

    def _use_server(self, name: str) -> None:
        if name != self.controller.snapshot.server:
            self.controller.use_server(name)
        self.render()

    def _on_profile(self, path: str, act: Callable[[Profile], object]) -> None:
        profile = next((p for p in self._found_profiles or [] if str(p.path) == path), None)
        if profile is not None:
            act(profile)

    # -- mirroring the state -------------------------------------------------------------
    def render(self) -> None:
        """The icon, tooltip and every menu entry as the controller's state says."""
        snapshot = self.controller.snapshot
        active = snapshot.active
        where = server_label(snapshot.server)
        if active is None:
            icon = self._neutral
            tooltip = f"switcher — no active account — {where}"
        else:
            icon = self.controller.tray_icon_for(active)
            tooltip = (
                f"{one_line(active.name or active.email, NAME_LIMIT)} — "
                f"{one_line(active.email)} — {where}"
            )
        set_icon(self.icon, icon)
        if self.icon.toolTip() != tooltip:
            # A new tooltip is shown again by some panels, over an open menu.
            self.icon.setToolTip(tooltip)
        self.header.setText(self._text(self._header_text()))
        self._sync_accounts()
        self._sync_servers()
        if self._found_profiles is not None:
            self._sync_profiles(look=False)
        if self.menu.isVisible():
            self._keep_on_screen()

    def _keep_on_screen(self) -> None:
        """An open menu Qt draws grows with a longer entry (the header's "checking…" became
        "not checked yet") but keeps its place: near the screen's edge its end went off it."""
        self.menu.adjustSize()
        room = self.menu.screen().availableGeometry()
        frame = self.menu.geometry()
        x = min(frame.x(), room.right() + 1 - frame.width())
        y = min(frame.y(), room.bottom() + 1 - frame.height())
        if (x, y) != (frame.x(), frame.y()):
            self.menu.move(max(x, room.left()), max(y, room.top()))

    def _text(self, text: str) -> str:
        return menu_text(text, self.exported)

    def _header_text(self) -> str:
        controller = self.controller
        state = {True: "online", False: "offline", None: "not checked yet"}[controller.online]
        if controller.is_pending(Job(JobKind.REFRESH), Job(JobKind.START)):
            state = "checking…"
        return f"{server_label(controller.snapshot.server)} — {state}"

    def _sync_accounts(self) -> None:
        controller = self.controller
        accounts = controller.snapshot.accounts
        emails = [a.email for a in accounts]
        self.no_accounts.setVisible(not accounts)
        for account, action in zip(accounts, self._accounts.sync(emails).values(), strict=True):
            self._dress(action, account)
        valid = [a for a in accounts if a.status == AccountStatus.VALID]
        for account, action in zip(
            valid, self._open_as.sync([a.email for a in valid]).values(), strict=True
        ):
            action.setText(self._text(account.label))
        self.open_menu.setEnabled(bool(valid))
        for account, action in zip(accounts, self._revoke.sync(emails).values(), strict=True):
            action.setText(self._text(f"{account.label}…"))
        self.revoke_menu.setEnabled(bool(accounts))
        self.export_menu.setEnabled(controller.snapshot.active is not None)
        self.sign_out.setEnabled(bool(accounts))
        self.switch_account.setEnabled(bool(accounts))

    def _dress(self, action: QAction, account: Account) -> None:
        """Text, check mark, weight, picture and state of an account's entry."""
        controller = self.controller
        busy = busy_state(set(controller.pending.values()), account)
        ended = account.status.ended
        aside = busy or (f"{ended}: sign in again…" if ended else None)
        text = self._text(account.label)
        if aside:
            text += f"  ({aside})"
        action.setText(text)
        active = controller.snapshot.is_active(account)
        action.setChecked(active)
        # Bold where Qt draws the menu; a panel drawing it shows the radio mark.
        if action.font().bold() != active:
            font = action.font()
            font.setBold(active)
            action.setFont(font)
        set_icon(action, controller.icon_for(account))
        # An ended account's entry stays enabled: choosing it signs it in again.
        action.setEnabled(busy is None)

    def _sync_servers(self) -> None:
        snapshot = self.controller.snapshot
        names = [name for name, _url in snapshot.servers]
        entries = self._servers.sync(names)
        for name, url in snapshot.servers:
            entry = entries[name]
            entry.setText(self._text(f"{server_label(name)} — {url}"))
            entry.setChecked(name == snapshot.server)
        self.servers_menu.setEnabled(not self.controller.is_pending(Job(JobKind.USE_SERVER)))

    def _profiles_aged(self) -> bool:
        return (
            self._found_profiles is None
            or time.monotonic() - self._profiles_found_at > PROFILES_MAX_AGE
        )

    def _sync_profiles(self, look: bool = True) -> None:
        profiles = self._profiles() if look else self._found_profiles or []
        readable = registry.readable_ids()
        importable = [p for p in profiles if p.browser in readable]
        for section, placeholder, shown in (
            (self._export, self._export_placeholder, profiles),
            (self._import, self._import_placeholder, importable),
        ):
            entries = section.sync([str(p.path) for p in shown])
            for profile in shown:
                label = self._text(f"{registry.label(profile.browser)} — {profile.name}")
                entries[str(profile.path)].setText(
                    label + ("  (default)" if profile.is_default else "")
                )
            placeholder.setVisible(not shown)

    def _profiles(self) -> list[Profile]:
        # Browsers' profile lists are small files on disk, not the network, so
        # reading them here is fine; once a minute at most, so a profile made
        # while the app runs shows up without a restart.
        if self._profiles_aged():
            from switcher.browsers.opener import all_profiles

            try:
                self._found_profiles = all_profiles()
            except OSError:
                self._found_profiles = []
            self._profiles_found_at = time.monotonic()
        return self._found_profiles or []

    def action_for(self, email: str) -> QAction | None:
        """The menu entry of an account (for tests and accessibility tools)."""
        return next((a for a in self._accounts.actions() if a.data() == email), None)
