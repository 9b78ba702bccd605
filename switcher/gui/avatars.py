"""Account pictures: initials on a colour derived from the account, or the neutral icon."""

from __future__ import annotations

import hashlib

from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QColor, QFont, QIcon, QPainter, QPainterPath, QPen, QPixmap

from switcher.gui.avatar_cache import AvatarCache

# Colours with white text readable on them, each at least 3:1 on a white panel
# (orange is a deep one for that); on dark panels the tray rings them in white.
_PALETTE = ("#1e88e5", "#43a047", "#e53935", "#8e24aa", "#e65100", "#00897b", "#3949ab", "#6d4c41")


# The app icon's two people (resources/switcher.svg), a shade deeper for contrast.
NEUTRAL_FRONT = "#1e88e5"
NEUTRAL_BACK = "#2e9d3a"


def initials(name: str, email: str) -> str:
    words = [w for w in name.replace(".", " ").split() if w[:1].isalnum()]
    if len(words) >= 2:
        return (words[0][0] + words[-1][0]).upper()
    if words:
        return words[0][:2].upper()
    return (email[:1] or "?").upper()


def colour_for(user_id: str) -> QColor:
    digest = hashlib.sha256(user_id.encode()).digest()
    return QColor(_PALETTE[digest[0] % len(_PALETTE)])


def avatar_pixmap(
    name: str, email: str, user_id: str, size: int = 64, ring: bool = False
) -> QPixmap:
    pixmap = QPixmap(size, size)
    pixmap.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    path = QPainterPath()
    path.addEllipse(QRectF(1, 1, size - 2, size - 2))
    painter.fillPath(path, colour_for(user_id))
    if ring:
        painter.setPen(QPen(QColor("white"), max(1, size // 16)))
        painter.drawPath(path)
    font = QFont()
    font.setBold(True)
    font.setPixelSize(int(size * 0.42))
    painter.setFont(font)
    painter.setPen(QColor("white"))
    painter.drawText(pixmap.rect(), Qt.AlignmentFlag.AlignCenter, initials(name, email))
    painter.end()
    return pixmap


def avatar_icon(
    name: str, email: str, user_id: str, ring: bool = False, cache: AvatarCache | None = None
) -> QIcon:
    """``ring``: a white edge, for the tray, where some of the colours would sink
    into a dark panel (indigo on #353535 is 1.6:1); on a light panel the colour
    itself stands out. ``cache``: pictures drawn before are read back instead."""
    icon = QIcon()
    for size in (16, 22, 24, 32, 48, 64):

        def draw(size: int = size) -> QPixmap:
            return avatar_pixmap(name, email, user_id, size, ring=ring)

        if cache is None:
            icon.addPixmap(draw())
        else:
            # Everything the picture is drawn from, and nothing else (no name or email).
            parts = (initials(name, email), colour_for(user_id).name(), size, ring)
            icon.addPixmap(cache.pixmap(parts, draw))
    return icon


def neutral_icon() -> QIcon:
    """Two people, as in the app's icon: no account is active.

    Mid-tone fills, each with a contrast of at least 3:1 (WCAG's rule for
    graphics) against both a white and a near-black panel: the panel's own
    colour cannot be known (a StatusNotifierItem host draws the icon itself,
    and the app's palette says nothing about the panel's).
    """
    icon = QIcon()
    for size in (16, 22, 24, 32, 48, 64):
        pixmap = QPixmap(size, size)
        pixmap.fill(Qt.GlobalColor.transparent)
        painter = QPainter(pixmap)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setPen(Qt.PenStyle.NoPen)
        s = size / 32
        painter.setBrush(QColor(NEUTRAL_BACK))
        painter.drawEllipse(QRectF(17 * s, 4 * s, 10 * s, 10 * s))
        painter.drawEllipse(QRectF(14 * s, 15 * s, 16 * s, 12 * s))
        painter.setBrush(QColor(NEUTRAL_FRONT))
        painter.drawEllipse(QRectF(4 * s, 6 * s, 10 * s, 10 * s))
        painter.drawEllipse(QRectF(1 * s, 17 * s, 16 * s, 12 * s))
        painter.end()
        icon.addPixmap(pixmap)
    return icon
