"""A run of menu entries, one per key, kept in step with a list by changing only what changed.

A tray menu on a StatusNotifierItem panel is not drawn by Qt: it is exported
over D-Bus (com.canonical.dbusmenu), where every entry has an id the panel
holds on to. Clearing and refilling a menu hands the panel a new layout with
new ids, item by item, often after it has already sized the open menu. So
entries are made once, changed in place (Qt's setters do nothing when the
value is the same), and only the entries of keys that came or went are added
or removed.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from PySide6.QtGui import QAction, QActionGroup, QIcon
from PySide6.QtWidgets import QMenu, QSystemTrayIcon


class MenuSection:
    """The entries of ``menu`` for a list of keys, placed before ``anchor`` (or at the end)."""

    def __init__(
        self,
        menu: QMenu,
        make: Callable[[str], QAction],
        anchor: QAction | None = None,
        group: QActionGroup | None = None,
    ) -> None:
        self.menu = menu
        self._make = make
        self._anchor = anchor
        self._group = group
        self._actions: dict[str, QAction] = {}

    def sync(self, keys: Sequence[str]) -> dict[str, QAction]:
        """Entries for exactly ``keys``, in that order; returns them by key."""
        wanted = set(keys)
        for key in [k for k in self._actions if k not in wanted]:
            self._drop(self._actions.pop(key))
        made: dict[str, QAction] = {}
        for key in keys:
            action = self._actions.get(key)
            if action is None:
                action = self._make(key)
                action.setParent(self.menu)
                if self._group is not None:
                    self._group.addAction(action)
                made[key] = action
            self._actions[key] = action
        # Keys keep their order from one sync to the next almost always: only
        # then, or for a new entry, is anything moved (a move is a new id).
        self._actions = {key: self._actions[key] for key in keys}
        placed = [a for a in self.menu.actions() if a in self._actions.values()]
        in_order = list(self._actions.values())
        if placed != [a for a in in_order if a not in made.values()] or made:
            self._place(in_order, keep_first=_common_prefix(placed, in_order))
        return dict(self._actions)

    def actions(self) -> list[QAction]:
        return list(self._actions.values())

    def _place(self, in_order: list[QAction], keep_first: int) -> None:
        for action in in_order[keep_first:]:
            if action in self.menu.actions():
                self.menu.removeAction(action)
        for action in in_order[keep_first:]:
            self.menu.insertAction(self._anchor, action)  # type: ignore[arg-type]

    def _drop(self, action: QAction) -> None:
        self.menu.removeAction(action)
        if self._group is not None:
            self._group.removeAction(action)
        action.deleteLater()


def _common_prefix(placed: list[QAction], wanted: list[QAction]) -> int:
    count = 0
    for have, want in zip(placed, wanted, strict=False):
        if have is not want:
            break
        count += 1
    return count


def set_icon(holder: QAction | QSystemTrayIcon, icon: QIcon) -> None:
    """Give ``holder`` (an entry, the tray icon) the icon only when it is another one: every
    ``setIcon`` is an update the panel must fetch (an icon has no equality, so the cache
    key tells)."""
    if holder.icon().cacheKey() != icon.cacheKey():
        holder.setIcon(icon)
