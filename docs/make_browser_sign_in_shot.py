"""Regenerate the README's picture of signing in with a browser, on a real X server.

Xvfb, the real sign-in dialog (Qt on xcb) on the bundled server in a
temporary data directory, and the browser it opens (the first installed,
with its window) on the local server's sign-in page: the desktop as a person
sees it while switcher waits for the sign-in. Needs the test suite's desktop
packages (Xvfb, xdotool, ImageMagick) and a browser.

    python docs/make_browser_sign_in_shot.py
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

# The app's side, in its own process on the X server: the dialog, waiting.
_DIALOG = """
import sys
from pathlib import Path
from PySide6.QtWidgets import QApplication
from switcher.accounts import Accounts
from switcher.bootstrap import transports
from switcher.gui.controller import Controller
from switcher.gui.sign_in import SignInDialog
from switcher.secrets import FileSecrets
from switcher.vault import Vault

app = QApplication(["switcher"])
tmp = Path(sys.argv[1])
vault = Vault(tmp / "config", FileSecrets(tmp / "secrets.json"))
service = Accounts(vault, transport_for=transports())
controller = Controller(service)
dialog = SignInDialog(controller)
dialog.show()
while dialog.methods_job is not None:
    app.processEvents()
dialog.start_browser_sign_in()
app.exec()
"""


def main() -> int:
    from tests.support.desktop import running_desktop

    target = HERE / "sign-in-browser.png"
    with (
        tempfile.TemporaryDirectory(prefix="switcher-shot-") as tmp,
        running_desktop(tray=False, size="1760x760x24") as desk,
    ):
        env = {
            **desk.env,
            "SWITCHER_CONFIG_DIR": f"{tmp}/config",
            "SWITCHER_DATA_DIR": f"{tmp}/data",
            "PYTHONPATH": str(HERE.parent),
        }
        app = subprocess.Popen([sys.executable, "-c", _DIALOG, tmp], env=env)  # noqa: S603
        try:
            dialog = desk.wait_for_window("Sign in with a browser", timeout=30)
            page = desk.wait_for_window("local better-auth server", timeout=60)
            desk.xdotool("windowmove", str(page), "0", "0")
            desk.xdotool("windowsize", str(page), "1200", "720")
            desk.xdotool("windowmove", str(dialog), "1230", "140")
            desk.xdotool("windowraise", str(dialog))
            time.sleep(2)  # the page's fonts, the dialog's repaint
            desk.screenshot(target)
        finally:
            app.terminate()
            app.wait(10)
    print(target)
    return 0


if __name__ == "__main__":
    os.environ.setdefault("QT_QPA_PLATFORM", "xcb")
    sys.exit(main())
