"""Regenerate the README's pictures of the tray on a StatusNotifierItem panel (Xfce's).

Xfce's panel on Xvfb and a private D-Bus bus (tests/support/sni_panel.py), a
real gnome-keyring, the tray app with four demo accounts on the bundled
server in a temporary directory; the menu opened with a right click on the
icon, as a person opens it, on a light and a dark panel. The panel draws the
menu itself from what the app exports (com.canonical.dbusmenu): radio items
for the accounts. Needs the test suite's desktop packages (xfce4-panel).

    python docs/make_panel_shots.py
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from tests.support.cli import SWITCHER_COMMAND, Cli  # noqa: E402
from tests.support.sni_panel import running_sni_panel  # noqa: E402

PEOPLE = (
    ("Alice Martin", "alice@work.example"),
    ("Alice (personal)", "alice.martin.personal@home.example"),
    ("Test Admin", "admin@staging.example"),
    ("Bob Client", "bob@client-b.example"),
)
MARGIN = 12


def shoot(dark: bool) -> Path:
    path = HERE / f"panel-menu-{'dark' if dark else 'light'}.png"
    with (
        tempfile.TemporaryDirectory(prefix="switcher-panel-") as tmp,
        running_sni_panel(dark=dark, size="900x520x24") as panel,
    ):
        cli = Cli.subprocess(Path(tmp), panel.env)
        for person, email in PEOPLE:
            cli("accounts", "add", email, "--sign-up", "--name", person, "--password-stdin",
                stdin="correct horse battery\n")  # fmt: skip
        cli("accounts", "use", PEOPLE[0][1])
        empty = panel.desktop.capture(panel.strip)
        app = subprocess.Popen(  # noqa: S603 (the checkout's own switcher)
            list(SWITCHER_COMMAND), env=cli.env, stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL, start_new_session=True,
        )  # fmt: skip
        try:
            panel.wait_for_item()
            icon = panel.wait_for_icon(empty)
            time.sleep(1.5)  # the start-up refresh: the header says "online"
            x, y, _width, height = panel.open_menu(icon)
            left = max(0, x - MARGIN)
            region = (left, 0, panel.desktop.width - left, y + height + MARGIN)
            panel.desktop.screenshot(path, region)
        finally:
            app.terminate()
            app.wait(10)
    return path


def main() -> int:
    for dark in (False, True):
        print(shoot(dark))
    return 0


if __name__ == "__main__":
    sys.exit(main())
