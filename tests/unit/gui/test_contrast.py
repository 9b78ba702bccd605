"""Error text on the palette's window: WCAG AA contrast on light and dark palettes alike."""

from __future__ import annotations

import pytest
from PySide6.QtGui import QColor, QPalette

from switcher.gui.contrast import AA_TEXT, contrast_ratio, error_colour, legible


def _palette(window: str, text: str) -> QPalette:
    palette = QPalette()
    palette.setColor(QPalette.ColorRole.Window, QColor(window))
    palette.setColor(QPalette.ColorRole.WindowText, QColor(text))
    return palette


def test_contrast_ratio_is_wcags() -> None:
    black, white = QColor("#000000"), QColor("#ffffff")
    assert contrast_ratio(black, white) == pytest.approx(21)
    assert contrast_ratio(white, black) == pytest.approx(21)
    assert contrast_ratio(white, white) == pytest.approx(1)
    # WCAG's own example of the smallest AA pass on white: #767676.
    assert contrast_ratio(QColor("#767676"), white) == pytest.approx(4.54, abs=0.01)


@pytest.mark.parametrize(
    ("window", "text"),
    [
        ("#ffffff", "#000000"),  # plain light
        ("#fafafa", "#1e1e1e"),  # GNOME's light window
        ("#efefef", "#000000"),  # Qt's Fusion
        ("#242424", "#ffffff"),  # GNOME's dark window
        ("#31363b", "#fcfcfc"),  # KDE Breeze Dark
        ("#767676", "#ffffff"),  # neither light nor dark: no stock red passes on it
    ],
)
def test_the_error_colour_reaches_aa_on_the_window(window: str, text: str) -> None:
    colour = error_colour(_palette(window, text))
    assert contrast_ratio(colour, QColor(window)) >= AA_TEXT
    if window != "#767676":
        # Still a red: it has to read as an error.
        hue = colour.hslHue()
        assert hue <= 20 or hue >= 340, colour.name()


def test_a_dark_palette_gets_a_lighter_red_than_a_light_one() -> None:
    light = error_colour(_palette("#fafafa", "#1e1e1e"))
    dark = error_colour(_palette("#242424", "#ffffff"))
    assert dark.lightness() > light.lightness()


def test_legible_keeps_a_colour_that_passes_and_mends_one_that_does_not() -> None:
    white = QColor("#ffffff")
    passing = QColor("#c01c28")
    assert legible(passing, white) == passing
    faint = QColor("#ff9999")
    assert contrast_ratio(faint, white) < AA_TEXT
    mended = legible(faint, white)
    assert contrast_ratio(mended, white) >= AA_TEXT
    assert mended.lightness() < faint.lightness()  # darker on a light window
