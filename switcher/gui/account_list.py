"""The accounts window's list: a model kept in step with the snapshot, and how a row looks.

The model is updated in place, row by row: the controller announces a change
every few seconds (each refresh), and a list rebuilt each time would lose the
person's selection, keyboard position and scroll position.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import Enum

from PySide6.QtCore import (
    QAbstractListModel,
    QDateTime,
    QLocale,
    QModelIndex,
    QPersistentModelIndex,
    QRect,
    QRectF,
    QSize,
    Qt,
    Signal,
)
from PySide6.QtGui import (
    QColor,
    QFont,
    QFontMetrics,
    QIcon,
    QKeyEvent,
    QKeySequence,
    QPainter,
    QPainterPath,
    QPaintEvent,
    QPalette,
    QPen,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QListView,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QWidget,
)

from switcher.display_text import one_line
from switcher.gui import when
from switcher.gui.contrast import legible
from switcher.gui.devices import describe
from switcher.html_text import escape
from switcher.vault import Account, AccountStatus

# Text is cut to the row's width when painted; these only bound a novel, and
# keep the whole of any real email (254 characters at most) for tooltips and
# screen readers.
NAME_CHARS = 100
EMAIL_CHARS = 254

AnyIndex = QModelIndex | QPersistentModelIndex
ROOT = QModelIndex()  # a list's rows all hang from the invalid index


class Badge(Enum):
    """How a row's state is drawn: the active account's stands out, in words and shape."""

    ACTIVE = "active"  # a filled pill
    ENDED = "ended"  # an outlined pill: this session needs the person
    BUSY = "busy"  # italic text: something is being done to it
    PLAIN = "plain"  # dim text


@dataclass(frozen=True)
class Row:
    """One account as the list shows it, made on each change of the controller."""

    account: Account
    state: str  # labels.account_state's wording
    active: bool
    busy: bool
    icon: QIcon

    @property
    def key(self) -> str:
        return self.account.user_id

    @property
    def status(self) -> str:
        """The state as a label reads on its own: "Active", "Revoked elsewhere"."""
        return self.state[:1].upper() + self.state[1:]

    @property
    def badge(self) -> Badge:
        if self.busy:
            return Badge.BUSY
        if self.account.status != AccountStatus.VALID:
            return Badge.ENDED
        return Badge.ACTIVE if self.active else Badge.PLAIN

    @property
    def title(self) -> str:
        return one_line(self.account.name, NAME_CHARS) or self.email

    @property
    def subtitle(self) -> str:
        """The email under the name; nothing when the name is the email already."""
        return self.email if one_line(self.account.name) else ""

    @property
    def email(self) -> str:
        return one_line(self.account.email, EMAIL_CHARS)

    @property
    def device(self) -> str | None:
        return describe(self.account.user_agent)

    def line(self, now: datetime) -> str:
        """The row's last line: "Signed in 3 days ago · expires in 4 days · Firefox on Linux"."""
        dates = when.session_line(
            self.account.signed_in_at,
            self.account.expires_at,
            now,
            ended=self.account.status != AccountStatus.VALID,
        )
        return when.SEPARATOR.join(part for part in (dates, self.device) if part)

    def spoken(self, now: datetime) -> str:
        """The row for a screen reader: a middle dot may be read out as "middle dot"."""
        # "Signed in. Signed in 3 days ago" says one thing twice.
        plain = self.badge is Badge.PLAIN and when.parse(self.account.signed_in_at) is not None
        parts = [self.title, self.subtitle, "" if plain else self.status]
        first = ", ".join(part for part in parts if part)
        rest = self.line(now).replace(when.SEPARATOR, ", ")
        return f"{first}. {rest}." if rest else f"{first}."

    def details(self) -> list[tuple[str, str]]:
        """The exact facts behind the row's words, in local time."""
        account = self.account
        facts = [("Email", self.email), ("State", self.status)]
        for label, text in (("Signed in", account.signed_in_at), ("Expires", account.expires_at)):
            moment = when.parse(text)
            facts.append((label, exact(moment) if moment else "not known"))
        facts.append(("Device", self.device or "not known"))
        facts.append(("IP address", one_line(account.ip_address or "") or "not known"))
        return facts

    def tooltip(self) -> str:
        """Rich text, so that names from a server are escaped rather than read as markup."""
        cells = "".join(
            f"<tr><td style='padding-right:12px'>{escape(label)}</td><td>{escape(value)}</td></tr>"
            for label, value in self.details()
        )
        return f"<qt><b>{escape(self.title)}</b><table>{cells}</table></qt>"

    def description(self) -> str:
        return "; ".join(f"{label}: {value}" for label, value in self.details())


def exact(moment: datetime) -> str:
    """A moment in the person's zone and their locale's words: "Monday 30 November 2026, 15:30"."""
    local = QDateTime.fromMSecsSinceEpoch(round(moment.timestamp() * 1000))
    locale = QLocale()
    day = locale.toString(local.date(), QLocale.FormatType.LongFormat)
    return f"{day}, {locale.toString(local.time(), QLocale.FormatType.ShortFormat)}"


ROW_ROLE = Qt.ItemDataRole.UserRole + 1  # the Row itself, for the delegate and the window


class AccountListModel(QAbstractListModel):
    def __init__(self, now: Callable[[], datetime], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._now = now
        self._rows: list[Row] = []
        self._server: str | None = None

    def rowCount(self, parent: AnyIndex = ROOT) -> int:
        return 0 if parent.isValid() else len(self._rows)

    def row_at(self, row: int) -> Row | None:
        return self._rows[row] if 0 <= row < len(self._rows) else None

    def row_of(self, key: str) -> int | None:
        return next((i for i, row in enumerate(self._rows) if row.key == key), None)

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        row = self.row_at(index.row()) if index.isValid() else None
        if row is None:
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return row.title  # also what typing a name's first letters finds
        if role == Qt.ItemDataRole.DecorationRole:
            return row.icon
        if role == Qt.ItemDataRole.FontRole and row.active:
            font = QFont()
            font.setBold(True)
            return font
        if role == Qt.ItemDataRole.ToolTipRole:
            return row.tooltip()
        if role == Qt.ItemDataRole.AccessibleTextRole:
            return row.spoken(self._now())
        if role == Qt.ItemDataRole.AccessibleDescriptionRole:
            return row.description()
        if role == ROW_ROLE:
            return row
        return None

    def now(self) -> datetime:
        return self._now()

    def set_rows(self, rows: Sequence[Row], server: str) -> None:
        """Show ``rows``, moving, adding and removing only what changed.

        Persistent indexes (the view's selection and current row) follow their
        account; a different server is a different list, shown afresh.
        """
        if server != self._server:
            self.beginResetModel()
            self._rows, self._server = list(rows), server
            self.endResetModel()
            return
        wanted = {row.key for row in rows}
        for position in reversed(range(len(self._rows))):
            if self._rows[position].key not in wanted:
                self.beginRemoveRows(ROOT, position, position)
                del self._rows[position]
                self.endRemoveRows()
        have = {row.key for row in self._rows}
        for position, row in enumerate(rows):
            if row.key not in have:
                at = min(position, len(self._rows))
                self.beginInsertRows(ROOT, at, at)
                self._rows.insert(at, row)
                self.endInsertRows()
        if [row.key for row in self._rows] != [row.key for row in rows]:
            self._reorder(rows)
        self._rows = list(rows)
        if self._rows:
            self.dataChanged.emit(self.index(0), self.index(len(self._rows) - 1))

    def _reorder(self, rows: Sequence[Row]) -> None:
        self.layoutAboutToBeChanged.emit()
        before = [row.key for row in self._rows]
        after = {row.key: position for position, row in enumerate(rows)}
        self._rows = list(rows)
        moved = self.persistentIndexList()
        self.changePersistentIndexList(
            moved, [self.index(after[before[index.row()]]) for index in moved]
        )
        self.layoutChanged.emit()


# The row's geometry in logical pixels; Qt scales them on high-density screens.
PAD_X = 12
PAD_Y = 8
AVATAR = 32
GAP = 12  # between the avatar and the text, and the text and the state
LINE_GAP = 1
BADGE_PAD_X = 8
BADGE_PAD_Y = 1
# Secondary text's opacity: set apart from the name, yet far above 4.5:1 contrast
# on a light or dark base, and on the selection's tint.
DIM = 0.72
# The selection is a tint of the highlight, not the platform's solid fill: the
# highlight's full colour is the active account's (its badge and bar), and a
# row filled with it looked more "active" than the active row itself.
SELECTION_TINT = 0.22
ROUNDING = 4  # the selection's and the focus ring's corners
# The keyboard's place: a ring in the highlight colour, drawn whenever the list
# has the focus. Fusion draws its focus frame only once Tab has been pressed in
# the window, and faintly; the window opens with the list focused.
FOCUS_RING = 2
# WCAG's least contrast for a control's visual parts, such as a focus mark.
NON_TEXT_CONTRAST = 3.0
# The active account's mark at the row's left edge, seen at a glance down the
# list: its width, and its distance from the edge (clear of the focus ring).
ACTIVE_BAR = 3
ACTIVE_BAR_INSET = 4


def selection_tint(palette: QPalette, group: QPalette.ColorGroup) -> QColor:
    """The selected row's background: the highlight, faint, on the list's base."""
    base = palette.color(group, QPalette.ColorRole.Base)
    highlight = palette.color(group, QPalette.ColorRole.Highlight)
    # Mixed here rather than painted see-through: the focus ring's colour is
    # checked against it.
    return QColor.fromRgbF(
        base.redF() + (highlight.redF() - base.redF()) * SELECTION_TINT,
        base.greenF() + (highlight.greenF() - base.greenF()) * SELECTION_TINT,
        base.blueF() + (highlight.blueF() - base.blueF()) * SELECTION_TINT,
    )


def focus_colour(palette: QPalette, group: QPalette.ColorGroup) -> QColor:
    """The highlight, made to stand out from the selection's tint (and so from the base).

    A light accent colour (Breeze's) on a light list is otherwise hard to see.
    """
    highlight = palette.color(group, QPalette.ColorRole.Highlight)
    return legible(highlight, selection_tint(palette, group), NON_TEXT_CONTRAST)


def paint_focus_ring(painter: QPainter, rect: QRectF, palette: QPalette) -> None:
    """A ring just inside ``rect``, where the keyboard focus is."""
    group = QPalette.ColorGroup.Active  # only a focused widget, in the active window, has it
    painter.save()
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setPen(QPen(focus_colour(palette, group), FOCUS_RING))
    painter.setBrush(Qt.BrushStyle.NoBrush)
    half = FOCUS_RING / 2
    painter.drawRoundedRect(rect.adjusted(half, half, -half, -half), ROUNDING, ROUNDING)
    painter.restore()


class AccountDelegate(QStyledItemDelegate):
    """Avatar, name (bold when active) with the state on the right, email, and session line."""

    def sizeHint(self, option: QStyleOptionViewItem, index: AnyIndex) -> QSize:
        line = option.fontMetrics.height()
        bold = QFont(option.font)
        bold.setBold(True)
        title = QFontMetrics(bold).height()
        height = max(AVATAR, title + 2 * line + 2 * LINE_GAP) + 2 * PAD_Y
        # Narrow on purpose: the row takes the view's width and cuts its text
        # to fit, so the list never scrolls sideways.
        return QSize(PAD_X * 2 + AVATAR + GAP + 12 * option.fontMetrics.averageCharWidth(), height)

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: AnyIndex) -> None:
        row = index.data(ROW_ROLE)
        if not isinstance(row, Row):
            super().paint(painter, option, index)
            return
        opt = QStyleOptionViewItem(option)
        self.initStyleOption(opt, index)
        widget = opt.widget
        style = widget.style() if widget is not None else QApplication.style()
        state = opt.state
        selected = bool(state & QStyle.StateFlag.State_Selected)
        focused = bool(state & QStyle.StateFlag.State_HasFocus)  # current, in the focused list
        # The platform's own row (hover, where a style draws it), without its
        # selection and focus frame: both are drawn below, the same in every style.
        background = QStyleOptionViewItem(opt)
        background.text = ""
        background.icon = QIcon()
        background.state &= ~(QStyle.StateFlag.State_Selected | QStyle.StateFlag.State_HasFocus)
        # Else a style may set the decoration's column apart with a rule.
        background.features = QStyleOptionViewItem.ViewItemFeature.None_
        style.drawControl(QStyle.ControlElement.CE_ItemViewItem, background, painter, widget)

        if not state & QStyle.StateFlag.State_Enabled:
            group = QPalette.ColorGroup.Disabled
        elif state & QStyle.StateFlag.State_Active:
            group = QPalette.ColorGroup.Active
        else:
            group = QPalette.ColorGroup.Inactive
        palette = opt.palette
        highlight = palette.color(group, QPalette.ColorRole.Highlight)
        ink = palette.color(group, QPalette.ColorRole.Text)
        dim = QColor(ink)
        dim.setAlphaF(DIM)

        rect: QRect = opt.rect
        inner = rect.adjusted(PAD_X, PAD_Y, -PAD_X, -PAD_Y)
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        card = QRectF(rect).adjusted(1, 1, -1, -1)
        if selected:
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(selection_tint(palette, group))
            painter.drawRoundedRect(card, ROUNDING, ROUNDING)
        if row.active and row.account.status == AccountStatus.VALID:
            painter.fillRect(
                QRectF(rect.left() + ACTIVE_BAR_INSET, inner.top(), ACTIVE_BAR, inner.height()),
                highlight,
            )
        if focused:
            paint_focus_ring(painter, card, palette)
        avatar = QRect(inner.left(), inner.center().y() - AVATAR // 2 + 1, AVATAR, AVATAR)
        row.icon.paint(painter, avatar)

        title_font: QFont = opt.font  # bold when active (FontRole)
        plain = QFont(title_font)
        plain.setBold(False)
        title_metrics, metrics = QFontMetrics(title_font), QFontMetrics(plain)
        left = avatar.right() + 1 + GAP
        width = inner.right() + 1 - left
        # An email keeps its domain, which tells accounts apart, when cut short.
        lines = [
            (text, elide)
            for text, elide in (
                (row.subtitle, Qt.TextElideMode.ElideMiddle),
                (row.line(self._now(index)), Qt.TextElideMode.ElideRight),
            )
            if text
        ]
        block = title_metrics.height() + len(lines) * (metrics.height() + LINE_GAP)
        top = inner.top() + (inner.height() - block) // 2
        title_rect = QRect(left, top, width, title_metrics.height())

        badge = self._paint_badge(painter, row, title_rect, plain, ink, palette, group)
        painter.setFont(title_font)
        painter.setPen(ink)
        title_width = max(0, badge.left() - GAP - left)
        painter.drawText(
            QRect(left, top, title_width, title_rect.height()),
            Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
            title_metrics.elidedText(row.title, Qt.TextElideMode.ElideRight, title_width),
        )
        painter.setFont(plain)
        painter.setPen(dim)
        y = title_rect.bottom() + 1 + LINE_GAP
        for text, elide in lines:
            painter.drawText(
                QRect(left, y, width, metrics.height()),
                Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
                metrics.elidedText(text, elide, width),
            )
            y += metrics.height() + LINE_GAP

        model = index.model()
        if not selected and model is not None and index.row() < model.rowCount() - 1:
            rule = palette.color(group, QPalette.ColorRole.Text)
            rule.setAlphaF(0.12)
            painter.setPen(rule)
            painter.drawLine(left, rect.bottom(), rect.right() - PAD_X, rect.bottom())
        painter.restore()

    def _now(self, index: AnyIndex) -> datetime:
        model = index.model()
        if isinstance(model, AccountListModel):
            return model.now()
        return datetime.now().astimezone()

    def _paint_badge(
        self,
        painter: QPainter,
        row: Row,
        line: QRect,
        font: QFont,
        ink: QColor,
        palette: QPalette,
        group: QPalette.ColorGroup,
    ) -> QRect:
        """The state at the right end of the title line; returns where it went."""
        badge_font = QFont(font)
        badge_font.setBold(row.badge is Badge.ACTIVE)
        badge_font.setItalic(row.badge is Badge.BUSY)
        metrics = QFontMetrics(badge_font)
        text_width = metrics.horizontalAdvance(row.status)
        boxed = row.badge in (Badge.ACTIVE, Badge.ENDED)
        width = text_width + (2 * BADGE_PAD_X if boxed else 0)
        height = metrics.height() + 2 * BADGE_PAD_Y
        box = QRect(line.right() + 1 - width, line.center().y() - height // 2 + 1, width, height)
        painter.setFont(badge_font)
        if boxed:
            path = QPainterPath()
            path.addRoundedRect(box.adjusted(0, 0, -1, -1), height / 2, height / 2)
            if row.badge is Badge.ACTIVE:
                painter.fillPath(path, palette.color(group, QPalette.ColorRole.Highlight))
                painter.setPen(palette.color(group, QPalette.ColorRole.HighlightedText))
            else:
                painter.setPen(ink)
                painter.drawPath(path)
        else:
            dim = QColor(ink)
            dim.setAlphaF(DIM)
            painter.setPen(dim)
        painter.drawText(box, Qt.AlignmentFlag.AlignCenter, row.status)
        return box


class AccountListView(QListView):
    """The list of accounts: one column, no sideways scrolling, Delete asks to revoke."""

    revoke_requested = Signal()

    def __init__(self, placeholder: Callable[[], str], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._placeholder = placeholder
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.setUniformItemSizes(True)
        self.setMouseTracking(True)  # hover feedback, as the platform's lists give
        self.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.setItemDelegate(AccountDelegate(self))

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.matches(QKeySequence.StandardKey.Delete) and self.currentIndex().isValid():
            self.revoke_requested.emit()
            event.accept()
            return
        super().keyPressEvent(event)

    def paintEvent(self, event: QPaintEvent) -> None:
        model = self.model()
        if model is not None and model.rowCount() > 0:
            super().paintEvent(event)
            return
        # An empty list says what to do, rather than showing a blank box.
        painter = QPainter(self.viewport())
        if self.hasFocus():  # no row to carry the focus ring: the list carries it
            ring = QRectF(self.viewport().rect()).adjusted(1, 1, -1, -1)
            paint_focus_ring(painter, ring, self.palette())
        colour = self.palette().color(QPalette.ColorRole.Text)
        colour.setAlphaF(DIM)
        painter.setPen(colour)
        painter.drawText(
            self.viewport().rect().adjusted(PAD_X, PAD_Y, -PAD_X, -PAD_Y),
            Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap,
            self._placeholder(),
        )
        painter.end()
