"""The quick switcher: every account on every server, a filter field, Enter to switch.

Keyboard first: it opens with the filter focused, typing narrows the list,
Up and Down move the highlight while the focus stays in the field, Enter
takes the highlighted account (the first match unless moved) and Esc closes.
An account whose session ended is listed, greyed, with its state: choosing
it asks to sign it in again instead of switching.

It is a normal top-level dialog with a title, not a frameless popup: on
Wayland no client places its own windows, and a popup (the kind of window
that takes the keyboard at once) must hang from a parent window, which a
tray app does not have; a dialog is placed, focused and listed by the
compositor like any window, and reachable with Alt+Tab if the focus went
elsewhere. It closes itself when it loses the focus, as launchers do, so a
forgotten picker never lingers behind other windows.

It shows what it is given (``Entry`` values, see ``entries_from_index``) and
says what was chosen (``chosen``, ``sign_in_again``): it knows nothing of the
controller, so the tray app and ``switcher pick`` without the app share it.
"""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import Any

from PySide6.QtCore import (
    QEvent,
    QEventLoop,
    QMessageLogContext,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QRect,
    QSize,
    Qt,
    QtMsgType,
    Signal,
    qInstallMessageHandler,
)
from PySide6.QtGui import (
    QColor,
    QCursor,
    QFont,
    QFontMetrics,
    QGuiApplication,
    QIcon,
    QKeyEvent,
    QPainter,
    QPalette,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QDialog,
    QFrame,
    QLabel,
    QLayout,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QVBoxLayout,
    QWidget,
)

from switcher.app_identity import APP_ID
from switcher.display_text import NAME_LIMIT, one_line
from switcher.gui.avatars import avatar_icon
from switcher.gui.labels import server_label
from switcher.gui.single_instance import Handler, Reply
from switcher.vault import Account, AccountStatus, Index

log = logging.getLogger("switcher.gui")

TITLE = "Switch account — switcher"
EMPTY_TEXT = (
    "No accounts yet — add one with “Add account…” in the tray menu, "
    "or with: switcher accounts add EMAIL"
)
# Logical pixels; Qt scales them on a high-DPI screen.
WIDTH = 440
AVATAR = 32
PADDING = 8  # around a row's content, and between its avatar and its text
MAX_ROWS = 7  # rows shown before the list scrolls
ENTRY_ROLE = Qt.ItemDataRole.UserRole


@dataclass(frozen=True)
class Entry:
    """One account as the quick switcher lists it."""

    server: str  # the index's name for the server
    account: Account  # a copy: the worker goes on changing the index's own
    active: bool  # the active account of its server

    @property
    def usable(self) -> bool:
        """Whether switching to it can work (its session stands)."""
        return self.account.status == AccountStatus.VALID

    @property
    def state(self) -> str:
        """What the row says on its right: "active", how the session ended, or nothing."""
        return self.account.status.ended or ("active" if self.active else "")

    def words(self) -> str:
        """What the filter looks in, folded for a case-insensitive match."""
        return " ".join(
            (self.account.name, self.account.email, self.server, server_label(self.server))
        ).casefold()


@dataclass(frozen=True)
class Picked:
    """What ``choose`` returns: the entry taken, and whether it is to be signed in again."""

    server: str
    email: str
    sign_in_again: bool = False


def entries_from_index(index: Index) -> list[Entry]:
    """Every account of every server, in the index's order (stable, for muscle memory)."""
    return [
        Entry(name, replace(account), account.user_id == server.active)
        for name, server in index.servers.items()
        for account in server.accounts
    ]


def matches(entry: Entry, query: str) -> bool:
    """Every word of ``query`` is in the entry's name, email or server (any case)."""
    text = entry.words()
    return all(word in text for word in query.casefold().split())


class _RowDelegate(QStyledItemDelegate):
    """Avatar, name over email (and server), the state on the right; elided, never scrolled."""

    def __init__(self, switcher: QuickSwitcher) -> None:
        super().__init__(switcher)
        self.switcher = switcher

    def sizeHint(
        self, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex
    ) -> QSize:
        lines = 2 * QFontMetrics(option.font).height()
        # No width of its own: a row is as wide as the list shows, with or
        # without a scroll bar (a wider hint would be cut off on the right).
        return QSize(AVATAR + 2 * PADDING, max(AVATAR, lines) + 2 * PADDING)

    def paint(
        self,
        painter: QPainter,
        option: QStyleOptionViewItem,
        index: QModelIndex | QPersistentModelIndex,
    ) -> None:
        entry = index.data(ENTRY_ROLE)
        if not isinstance(entry, Entry):
            return
        view = option.widget
        style = view.style() if view is not None else QApplication.style()
        rect: QRect = option.rect
        state = option.state
        selected = bool(state & QStyle.StateFlag.State_Selected)
        panel = QStyleOptionViewItem(option)
        self.initStyleOption(panel, index)
        panel.text = ""
        panel.icon = QIcon()
        # The style's own hover and selection background, as in every list.
        style.drawControl(QStyle.ControlElement.CE_ItemViewItem, panel, painter, view)

        palette: QPalette = option.palette
        normal = QPalette.ColorGroup.Normal
        if selected:
            text_colour = quiet_colour = palette.color(normal, QPalette.ColorRole.HighlightedText)
        else:
            text = palette.color(normal, QPalette.ColorRole.Text)
            quiet_colour = _secondary(text, palette.color(normal, QPalette.ColorRole.Base))
            # An ended session is greyed, yet as readable as any secondary text
            # (the style's disabled text is often too faint to read).
            text_colour = text if entry.usable else quiet_colour

        painter.save()
        avatar = QRect(rect.left() + PADDING, rect.center().y() - AVATAR // 2 + 1, AVATAR, AVATAR)
        mode = QIcon.Mode.Normal if entry.usable else QIcon.Mode.Disabled
        self.switcher.icon(entry).paint(painter, avatar, Qt.AlignmentFlag.AlignCenter, mode)

        left = avatar.right() + 1 + PADDING + 2
        right = rect.right() - PADDING
        font = QFont(option.font)
        metrics = QFontMetrics(font)
        line = metrics.height()
        top = rect.top() + (rect.height() - 2 * line) // 2
        align = Qt.AlignmentFlag.AlignVCenter

        aside = entry.state
        if aside:
            painter.setFont(font)
            painter.setPen(quiet_colour)
            width = metrics.horizontalAdvance(aside)
            painter.drawText(
                QRect(right - width, top, width, line), align | Qt.AlignmentFlag.AlignRight, aside
            )
            right -= width + 2 * PADDING

        account = entry.account
        named = bool(account.name.strip())
        title = one_line(account.name, NAME_LIMIT) if named else one_line(account.email)
        bold = QFont(font)
        bold.setBold(entry.active)
        painter.setFont(bold)
        painter.setPen(text_colour)
        width = max(0, right - left)
        painter.drawText(
            QRect(left, top, width, line),
            align | Qt.AlignmentFlag.AlignLeft,
            QFontMetrics(bold).elidedText(title, Qt.TextElideMode.ElideRight, width),
        )

        rest = [server_label(entry.server)] if self.switcher.several_servers else []
        if not entry.usable:
            rest.append("sign in again")
        # The second line has the row's whole width: the state sits on the first.
        width = max(0, rect.right() - PADDING - left)
        painter.setFont(font)
        painter.setPen(quiet_colour)
        painter.drawText(
            QRect(left, top + line, width, line),
            align | Qt.AlignmentFlag.AlignLeft,
            _second_line(metrics, one_line(account.email) if named else None, rest, width),
        )
        painter.restore()


def _secondary(text: QColor, base: QColor) -> QColor:
    """Secondary text: the text colour toward the background, still readable (WCAG AA).

    Not the palette's placeholder colour: Fusion's is half-transparent text,
    under 4:1 on white. Three fifths of the way gives 5.7:1 for black on
    white and over 7:1 for white on a dark base.
    """
    return QColor(
        round(0.6 * text.red() + 0.4 * base.red()),
        round(0.6 * text.green() + 0.4 * base.green()),
        round(0.6 * text.blue() + 0.4 * base.blue()),
    )


def _second_line(metrics: QFontMetrics, email: str | None, rest: list[str], width: int) -> str:
    """``email · server · hint``: the email shortened in its middle, so the rest stays readable."""
    tail = " · ".join(rest)
    if email is None:
        return metrics.elidedText(tail, Qt.TextElideMode.ElideRight, width)
    if not tail:
        return metrics.elidedText(email, Qt.TextElideMode.ElideMiddle, width)
    tail = " · " + tail
    room = width - metrics.horizontalAdvance(tail)
    return metrics.elidedText(email, Qt.TextElideMode.ElideMiddle, max(0, room)) + tail


class QuickSwitcher(QDialog):
    """The accounts of every server under a filter field; see the module's docstring."""

    chosen = Signal(str, str)  # server, email: switch to it (its server becomes the current one)
    sign_in_again = Signal(str, str)  # server, email: its session ended

    def __init__(
        self,
        entries: Sequence[Entry] = (),
        *,
        icon_for: Callable[[Account], QIcon] | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(TITLE)
        self.setAccessibleName("Switch account")
        self.icon_for: Callable[[Account], QIcon] = icon_for or (
            lambda a: avatar_icon(a.name, a.email, a.user_id)
        )
        self.entries: tuple[Entry, ...] = ()
        # Made once per set of entries, not at every paint (initials are drawn).
        self._icons: dict[tuple[str, str], QIcon] = {}
        self.several_servers = False

        self.filter = QLineEdit()
        self.filter.setPlaceholderText("Search accounts")
        self.filter.setAccessibleName("Search accounts by name, email or server")
        self.filter.setClearButtonEnabled(True)
        self.filter.textChanged.connect(self._filter_changed)

        self.list = QListWidget()
        self.list.setAccessibleName("Accounts")
        self.list.setItemDelegate(_RowDelegate(self))
        self.list.setUniformItemSizes(True)
        self.list.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.list.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.list.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.list.setMouseTracking(True)  # the hover highlight
        # Typing always goes to the field: the list never takes the focus.
        self.list.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.list.itemClicked.connect(self._take)

        # Where the list was, framed like it: no accounts, or none that matches.
        self.placeholder = QLabel()
        self.placeholder.setFrameShape(QFrame.Shape.StyledPanel)
        self.placeholder.setFrameShadow(QFrame.Shadow.Sunken)
        self.placeholder.setAutoFillBackground(True)
        self.placeholder.setBackgroundRole(QPalette.ColorRole.Base)
        self.placeholder.setWordWrap(True)
        self.placeholder.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.placeholder.setForegroundRole(QPalette.ColorRole.PlaceholderText)
        self.placeholder.setMargin(2 * PADDING)

        self.placeholder.hide()
        self.body = layout = QVBoxLayout(self)
        # The size of its content, always: a taller window would only add blank space.
        layout.setSizeConstraint(QLayout.SizeConstraint.SetFixedSize)
        layout.addWidget(self.filter)
        # One of the two shows at a time (not a QStackedLayout: that sizes to
        # the list's default size hint, not to the height fixed for it).
        layout.addWidget(self.list)
        layout.addWidget(self.placeholder)

        self.filter.installEventFilter(self)
        self.set_entries(entries)

    # -- what it shows ----------------------------------------------------------
    def set_entries(self, entries: Sequence[Entry]) -> None:
        """Show these entries, keeping the filter and, where it is still listed, the highlight."""
        kept = self.current()
        self.entries = tuple(entries)
        self._icons.clear()  # a picture loaded since shows now
        self.several_servers = len({e.server for e in self.entries}) > 1
        self.list.clear()
        for entry in self.entries:
            item = QListWidgetItem()
            item.setData(ENTRY_ROLE, entry)
            item.setData(Qt.ItemDataRole.AccessibleTextRole, self._spoken(entry))
            if not entry.usable:
                item.setToolTip("Its session has ended: choose it to sign in again")
            self.list.addItem(item)
        self._fit_height()
        self._apply_filter(keep=kept)

    def icon(self, entry: Entry) -> QIcon:
        key = (entry.server, entry.account.user_id)
        icon = self._icons.get(key)
        if icon is None:
            icon = self._icons[key] = self.icon_for(entry.account)
        return icon

    def _spoken(self, entry: Entry) -> str:
        parts = [entry.account.label]
        if self.several_servers:
            parts.append(server_label(entry.server))
        if entry.state:
            parts.append(entry.state)
        if not entry.usable:
            parts.append("sign in again")
        return ", ".join(parts)

    def _fit_height(self) -> None:
        """As tall as the list (up to ``MAX_ROWS``), fixed while typing so it never jumps."""
        rows = min(max(len(self.entries), 2), MAX_ROWS)
        option = QStyleOptionViewItem()
        option.initFrom(self.list)
        row = self.list.itemDelegate().sizeHint(option, QModelIndex()).height()
        margins = self.body.contentsMargins()
        size = QSize(
            WIDTH - margins.left() - margins.right(), rows * row + 2 * self.list.frameWidth()
        )
        self.list.setFixedSize(size)
        self.placeholder.setFixedSize(size)

    def visible_entries(self) -> list[Entry]:
        """The entries the filter lets through, top to bottom."""
        return [self._entry(row) for row in self._visible_rows()]

    def current(self) -> Entry | None:
        """The highlighted entry: what Enter takes."""
        item = self.list.currentItem()
        if item is None or item.isHidden():
            return None
        entry = item.data(ENTRY_ROLE)
        return entry if isinstance(entry, Entry) else None

    def _entry(self, row: int) -> Entry:
        entry = self.list.item(row).data(ENTRY_ROLE)
        assert isinstance(entry, Entry)
        return entry

    def _visible_rows(self) -> list[int]:
        return [row for row in range(self.list.count()) if not self.list.item(row).isHidden()]

    # -- filtering ----------------------------------------------------------------
    def _filter_changed(self, _text: str) -> None:
        self._apply_filter(keep=None)

    def _apply_filter(self, keep: Entry | None) -> None:
        query = self.filter.text()
        for row in range(self.list.count()):
            self.list.item(row).setHidden(not matches(self._entry(row), query))
        rows = self._visible_rows()
        if not self.entries:
            self.placeholder.setText(EMPTY_TEXT)
        elif not rows:
            self.placeholder.setText(f"No account matches “{one_line(query, NAME_LIMIT)}”")
        self.list.setVisible(bool(rows))
        self.placeholder.setVisible(not rows)
        self._highlight(self._default_row(rows, keep))

    def _default_row(self, rows: list[int], keep: Entry | None) -> int | None:
        """The kept entry if still listed; else the first match that can be used; else the first."""
        if keep is not None:
            for row in rows:
                entry = self._entry(row)
                if (entry.server, entry.account.user_id) == (keep.server, keep.account.user_id):
                    return row
        usable = [row for row in rows if self._entry(row).usable]
        first = usable or rows
        return first[0] if first else None

    def _highlight(self, row: int | None) -> None:
        if row is None:
            self.list.setCurrentRow(-1)
            return
        self.list.setCurrentRow(row)
        self.list.scrollToItem(self.list.item(row))

    def _move(self, steps: int) -> None:
        """Up/Down (1 row) or Page Up/Down, among the rows shown; stops at either end."""
        rows = self._visible_rows()
        if not rows:
            return
        current = self.list.currentRow()
        at = rows.index(current) if current in rows else (-1 if steps > 0 else len(rows))
        self._highlight(rows[max(0, min(len(rows) - 1, at + steps))])

    def _page(self) -> int:
        row = self.list.sizeHintForRow(0) if self.list.count() else 1
        return max(1, self.list.viewport().height() // max(1, row) - 1)

    # -- choosing -----------------------------------------------------------------
    def take_current(self) -> None:
        """Enter: switch to the highlighted entry (or ask to sign it in again)."""
        item = self.list.currentItem()
        if item is not None and not item.isHidden():
            self._take(item)

    def _take(self, item: QListWidgetItem) -> None:
        entry = item.data(ENTRY_ROLE)
        if not isinstance(entry, Entry):
            return
        # Closed first: what the choice opens (a sign-in dialog) comes to the front.
        self.accept()
        if entry.usable:
            self.chosen.emit(entry.server, entry.account.email)
        else:
            self.sign_in_again.emit(entry.server, entry.account.email)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.filter and event.type() == QEvent.Type.KeyPress:
            assert isinstance(event, QKeyEvent)
            key = Qt.Key(event.key())
            page = self._page()
            moves = {
                Qt.Key.Key_Down: 1,
                Qt.Key.Key_Up: -1,
                Qt.Key.Key_PageDown: page,
                Qt.Key.Key_PageUp: -page,
            }
            if key in moves:
                self._move(moves[key])
                return True
            if key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
                self.take_current()
                return True
        return super().eventFilter(watched, event)

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        # Like a launcher: clicking elsewhere dismisses it.
        if (
            event.type() == QEvent.Type.ActivationChange
            and self.isVisible()
            and not self.isActiveWindow()
        ):
            self.reject()

    # -- showing ------------------------------------------------------------------
    def present(self, activation_token: str | None = None) -> None:
        """Show it afresh (empty filter, first match), raised and focused, on the pointer's screen.

        ``activation_token``: the XDG activation token the asking command was
        started with; a Wayland compositor gives the focus only to a window
        that shows one (Qt reads it from the environment when activating).
        """
        self.filter.clear()
        self._apply_filter(keep=None)
        if not self.isVisible():
            self._center_on_pointer_screen()
        if activation_token and QGuiApplication.platformName() == "wayland":
            os.environ["XDG_ACTIVATION_TOKEN"] = activation_token
        self.show()
        self.raise_()
        self.activateWindow()
        self.filter.setFocus(Qt.FocusReason.ActiveWindowFocusReason)

    def _center_on_pointer_screen(self) -> None:
        """Centred across, a little above the middle, as launchers sit (X11; Wayland places it)."""
        screen = QGuiApplication.screenAt(QCursor.pos()) or QGuiApplication.primaryScreen()
        self.adjustSize()
        area = screen.availableGeometry()
        size = self.sizeHint().expandedTo(self.size())
        x = area.left() + (area.width() - size.width()) // 2
        y = area.top() + max(0, (area.height() - size.height()) // 3)
        self.move(x, y)


def pick_handler(
    switcher: Callable[[], QuickSwitcher], entries: Callable[[], Sequence[Entry]]
) -> Handler:
    """The app's answer to ``{"op": "pick"}`` (``switcher pick``): show the quick switcher
    (``switcher()``: made when first asked for, not carried by the idle app).

    Answered as soon as it shows, not when a choice is made: the command
    started by a keyboard shortcut ends at once, and the tray shows the switch.
    """

    def handle(request: dict[str, Any], reply: Reply) -> None:
        token = request.get("activation_token")
        widget = switcher()
        widget.set_entries(entries())
        widget.present(token if isinstance(token, str) and token else None)
        reply(ok=True)

    return handle


# -- ``switcher pick`` without the app: the quick switcher in the command's own process


def choose(index: Index, *, activation_token: str | None = None) -> Picked | None:
    """Show the quick switcher over ``index`` until a choice or Esc (None).

    Makes the process's QApplication unless there is one. A display that
    cannot be opened ends the process with one line and status 1: Qt aborts
    the process there, and its own message is a page about plugins.
    """
    if QApplication.instance() is None:
        _application()
    switcher = QuickSwitcher(entries_from_index(index))
    picked: list[Picked] = []
    switcher.chosen.connect(lambda server, email: picked.append(Picked(server, email)))
    switcher.sign_in_again.connect(
        lambda server, email: picked.append(Picked(server, email, sign_in_again=True))
    )
    loop = QEventLoop()
    switcher.finished.connect(loop.quit)
    switcher.present(activation_token)
    loop.exec()
    switcher.hide()
    switcher.deleteLater()
    return picked[0] if picked else None


def _application() -> QApplication:
    from importlib.resources import files

    # Widgets only: no OpenGL, so Qt need not load the GL and EGL drivers.
    os.environ.setdefault("QT_XCB_GL_INTEGRATION", "none")
    said: list[str] = []

    def on_message(kind: QtMsgType, _context: QMessageLogContext, message: str) -> None:
        if kind != QtMsgType.QtFatalMsg:
            said.append(message)
            log.info("Qt: %s", message)
            return
        reason = said[0] if said else message.splitlines()[0]
        from switcher.logs import REPORTED

        log.warning("cannot show the quick switcher: %s", reason, extra=REPORTED)
        print(
            f"switcher: cannot show the quick switcher ({reason}); "
            "switch with: switcher accounts use EMAIL",
            file=sys.stderr,
        )
        logging.shutdown()
        os._exit(1)  # returning would let Qt abort the process

    previous = qInstallMessageHandler(on_message)
    try:
        app = QApplication(["switcher"])
    finally:
        qInstallMessageHandler(previous)
    app.setApplicationName("switcher")
    app.setApplicationDisplayName("switcher")
    app.setDesktopFileName(APP_ID)
    app.setWindowIcon(QIcon(str(files("switcher.resources").joinpath("switcher.svg"))))
    return app
