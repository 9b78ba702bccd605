"""Regenerate the README's screenshots: the open tray menu, the sign-in dialog, the accounts window.

Runs the real widgets on the bundled server (in-process, in a temporary data
directory) with three demo accounts, offscreen, and saves PNGs next to this
file. Secrets go to a temporary 0600 file, never to the keyring.

    python docs/make_screenshots.py
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))


def main() -> int:
    with tempfile.TemporaryDirectory(prefix="switcher-shots-") as tmp:
        os.environ["SWITCHER_CONFIG_DIR"] = f"{tmp}/config"
        os.environ["SWITCHER_DATA_DIR"] = f"{tmp}/data"
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
        os.environ.setdefault("XDG_RUNTIME_DIR", tmp)

        from PySide6.QtWidgets import QApplication

        from switcher.accounts import Accounts
        from switcher.bootstrap import transports
        from switcher.gui.controller import Controller
        from switcher.gui.sign_in import SignInDialog
        from switcher.gui.tray import Tray
        from switcher.gui.window import AccountsWindow
        from switcher.secrets import FileSecrets
        from switcher.vault import Vault

        app = QApplication(["switcher"])
        secrets = FileSecrets(Path(tmp) / "secrets.json")
        service = Accounts(Vault(Path(tmp) / "config", secrets), transport_for=transports())
        people = [
            ("Alice Martin", "alice@work.example"),
            ("Alice (personal)", "alice@home.example"),
            ("Test Admin", "admin@staging.example"),
        ]
        for name, email in people:
            service.add(email, "correct horse battery", sign_up=True, name=name)
        service.use(people[0][1])
        controller = Controller(service)
        controller.refresh()  # as the app does at start: the header then says "online"
        while controller.pending:
            app.processEvents()

        tray = Tray(controller)
        tray.menu.aboutToShow.emit()
        tray.menu.adjustSize()
        tray.menu.grab().save(str(HERE / "tray-menu.png"))

        dialog = SignInDialog(controller)
        dialog.show()
        while dialog.methods_job is not None:  # it asks the site how it signs in
            app.processEvents()
        dialog.email.setText("bob@work.example")
        dialog.password.setText("not the password")
        dialog.show_error("Invalid email or password")
        dialog.adjustSize()
        dialog.grab().save(str(HERE / "sign-in.png"))

        window = AccountsWindow(controller)
        window.resize(680, 330)
        window.accounts.setCurrentIndex(window.model.index(1))
        window.grab().save(str(HERE / "accounts-window.png"))

        controller.shutdown()
        app.quit()
    for name in ("tray-menu.png", "sign-in.png", "accounts-window.png"):
        print(HERE / name)
    return 0


if __name__ == "__main__":
    sys.exit(main())
