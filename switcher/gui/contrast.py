"""Text colours that stay legible on the palette they are drawn on (WCAG 2 contrast).

A fixed red reads well on a light window and poorly on a dark one; the colour
is chosen from the palette in use, and checked, instead.
"""

from __future__ import annotations

from PySide6.QtGui import QColor, QPalette

# WCAG 2 level AA for text under 18 pt (14 pt bold).
AA_TEXT = 4.5

# GNOME's error reds (libadwaita's error_color), made for its light and dark styles.
ERROR_ON_LIGHT = QColor("#c01c28")
ERROR_ON_DARK = QColor("#ff7b63")

_BLACK = QColor("#000000")
_WHITE = QColor("#ffffff")
_STEPS = 20


def relative_luminance(colour: QColor) -> float:
    """WCAG 2's relative luminance: 0 for black, 1 for white."""

    def linear(channel: float) -> float:
        if channel <= 0.04045:
            return channel / 12.92
        return float(((channel + 0.055) / 1.055) ** 2.4)

    return (
        0.2126 * linear(colour.redF())
        + 0.7152 * linear(colour.greenF())
        + 0.0722 * linear(colour.blueF())
    )


def contrast_ratio(first: QColor, second: QColor) -> float:
    """WCAG 2's contrast ratio of two colours, from 1 (the same) to 21 (black on white)."""
    lighter, darker = sorted((relative_luminance(first), relative_luminance(second)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


def legible(colour: QColor, background: QColor, ratio: float = AA_TEXT) -> QColor:
    """``colour``, or the least darker or lighter mix of it that reaches ``ratio``.

    Black or white always reaches 4.5 on one side of any background (at
    worst about 4.6), so the mix toward the better of them ends there.
    """
    if contrast_ratio(colour, background) >= ratio:
        return colour
    towards = max((_BLACK, _WHITE), key=lambda end: contrast_ratio(end, background))
    mixed = towards
    for step in range(1, _STEPS + 1):
        share = step / _STEPS
        mixed = QColor.fromRgbF(
            colour.redF() + (towards.redF() - colour.redF()) * share,
            colour.greenF() + (towards.greenF() - colour.greenF()) * share,
            colour.blueF() + (towards.blueF() - colour.blueF()) * share,
        )
        if contrast_ratio(mixed, background) >= ratio:
            break
    return mixed


def error_colour(palette: QPalette) -> QColor:
    """The red for error text on ``palette``'s window, at least AA contrast with it."""
    background = palette.color(QPalette.ColorGroup.Active, QPalette.ColorRole.Window)
    best = max((ERROR_ON_LIGHT, ERROR_ON_DARK), key=lambda red: contrast_ratio(red, background))
    return legible(best, background)
