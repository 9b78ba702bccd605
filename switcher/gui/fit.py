"""The height a window's contents need at its width, wrapped text counted at that width."""

from __future__ import annotations

from PySide6.QtWidgets import QWidget


def content_height(window: QWidget) -> int | None:
    """What ``window``'s layout needs at the window's current width; None before it shows.

    Qt keeps a window at least its layout's minimum, which counts wrapped text
    (an introduction, an error) at another width than the window's: shown
    text then neither grows the window nor, once gone, lets it shrink back.
    """
    if not window.isVisible():
        return None  # showing it sizes it to its contents; before that its width means nothing
    layout = window.layout()
    if layout is None:
        return None
    layout.activate()
    height = layout.totalMinimumSize().height()
    if layout.hasHeightForWidth():
        height = max(height, layout.totalHeightForWidth(window.width()))
    return height
