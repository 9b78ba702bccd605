"""The tray check's hint for GNOME's AppIndicator extension."""

from __future__ import annotations

import pytest

from switcher.doctor import (
    no_tray_hint,
)


@pytest.mark.parametrize(
    ("desktop", "gnome"),
    [("GNOME", True), ("ubuntu:GNOME", True), ("GNOME-Classic:GNOME", True), ("KDE", False)],
)
def test_the_appindicator_hint_is_for_gnome_only(desktop: str, gnome: bool) -> None:
    hint = no_tray_hint(desktop, "xcb")
    assert ("gnome-shell-extension-appindicator" in hint) == gnome
    assert "accounts window" in hint
