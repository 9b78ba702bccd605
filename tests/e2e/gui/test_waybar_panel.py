"""The tray on Wayland: waybar's tray on headless sway, the app on Qt's wayland platform.

The same promise as on Xfce's panel (test_status_notifier_panel): what the
app exports is right before the panel opens the menu, so after each change
the exported layout is read as waybar reads it (GetLayout, never AboutToShow).
Then a person uses it: a right click on the icon opens waybar's menu and a
left click on an entry switches (a virtual pointer: sway's headless backend
has no mouse of its own), and a dbusmenu ``Event``, what waybar sends for
such a click, acts as well.
"""

from __future__ import annotations

import os
import signal
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from switcher.app_identity import APP_ID  # the desktop file's name: sway's app_id
from tests.support.cli import SWITCHER_COMMAND, Cli
from tests.support.sni_panel import checked_names, follows_a_command_line_switch
from tests.support.sway_panel import BAR_COLOUR, BTN_LEFT, WaybarPanel, running_waybar
from tests.support.targets import unique_email

TIMEOUT = 20.0
SHOTS = Path(__file__).resolve().parents[3] / "build" / "screenshots"


@pytest.fixture
def panel() -> Iterator[WaybarPanel]:
    with running_waybar() as running:
        yield running


def test_waybar_shows_the_icon_and_the_exported_menu_follows_and_acts(
    panel: WaybarPanel, tmp_path: Path
) -> None:
    assert "DISPLAY" not in panel.env and panel.env["QT_QPA_PLATFORM"] == "wayland"
    cli = Cli.subprocess(tmp_path, panel.env)
    alice, bob = unique_email("alice"), unique_email("bob")
    cli.add(alice, "--sign-up", "--name", "Alice")
    cli.add(bob, "--sign-up", "--name", "Bob")
    empty = panel.sway.capture(panel.strip)
    log = (tmp_path / "app.log").open("wb")
    app = subprocess.Popen(
        list(SWITCHER_COMMAND), env=cli.env, stdout=log, stderr=subprocess.STDOUT,
        start_new_session=True,
    )  # fmt: skip
    try:
        # Registered with waybar's own watcher (the only one on the bus).
        item = panel.wait_for_item(TIMEOUT)
        assert panel.watcher_pid() == panel.processes[-1].pid
        assert item.startswith(":")  # a unique bus name: the app's connection

        # waybar drew it in its tray, at the right end of the bar.
        icon = x, y, width, height = panel.wait_for_icon(empty, TIMEOUT)
        panel.sway.screenshot(SHOTS / "waybar-tray.png", panel.strip)
        assert 12 <= width <= 24 and 12 <= height <= 24, (width, height)
        assert x + width > panel.sway.width - 40 and y + height <= panel.strip[3]
        pixels = panel.sway.capture((x, y, width, height))
        colours = {tuple(pixels[i : i + 3]) for i in range(0, len(pixels), 3)}
        assert len(colours - {BAR_COLOUR}) >= 3, colours  # a picture, not a flat patch

        # The command line switches: the exported menu says so, unopened, within 2 s.
        root, ids = follows_a_command_line_switch(panel, item, cli, alice, bob)

        # A person right-clicks the icon: waybar draws the menu it built from the bus.
        menu = panel.open_menu(icon)
        panel.sway.screenshot(SHOTS / "waybar-menu.png")
        entries = [e for e in root.shown() if not e.is_separator]
        _mx, _my, _mwidth, mheight = menu
        # Every entry has its row (GTK: >= 20 px each); none hidden behind a scroll arrow.
        assert 20 * len(entries) <= mheight < panel.sway.height - 40, (menu, len(entries))
        # and chooses Bob: the first entry that can be chosen is Alice (the header
        # cannot), the second Bob.
        _alice_row, bob_row = panel.menu_rows(menu, 2)
        panel.sway.screenshot(SHOTS / "waybar-menu-choosing-bob.png")  # Bob lit up
        panel.choose(bob_row)
        cli.wait_for_active(bob, "choosing Bob in waybar's menu did not switch")
        panel.wait_for_menu_closed(menu)
        panel.until(item, lambda r: checked_names(r) == ["Bob"], "a switch from the panel")

        # What waybar sends when an entry is chosen, straight over D-Bus.
        panel.click(item, ids[f"Alice <{alice}>"])
        cli.wait_for_active(alice, "a dbusmenu click on Alice did not switch")
        panel.until(item, lambda r: checked_names(r) == ["Alice"], "a dbusmenu click")

        # A left click on the icon (waybar calls Activate): the accounts window, a
        # Wayland window on sway.
        panel.pointer.click(x + width // 2, y + height // 2, BTN_LEFT)
        deadline = time.monotonic() + TIMEOUT
        while not any(w["pid"] == app.pid for w in panel.sway.windows()):
            assert time.monotonic() < deadline, "no window of the app on sway"
            time.sleep(0.1)
        (window,) = [w for w in panel.sway.windows() if w["pid"] == app.pid]
        assert window["name"].startswith("Accounts"), window["name"]
        assert window["shell"] == "xdg_shell" and window["app_id"] == APP_ID, window
        time.sleep(0.5)  # drawn
        panel.sway.screenshot(SHOTS / "waybar-accounts-window.png")

        root = panel.layout(item)[1]
        panel.click(item, root.find("Quit").id)
        assert app.wait(TIMEOUT) == 0
    finally:
        if app.poll() is None:
            os.killpg(app.pid, signal.SIGKILL)
            app.wait(10)
        log.close()
    output = (tmp_path / "app.log").read_text()
    assert "Traceback" not in output, output
