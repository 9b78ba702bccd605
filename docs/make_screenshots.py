"""Regenerate the README's screenshots of the app's own windows, light and dark.

Runs the real widgets on the bundled server (in-process, in a temporary data
directory) with four demo accounts, offscreen, in Qt's Fusion style with a
light and a dark palette, and saves PNGs next to this file: the tray menu as
Qt draws it (an XEmbed tray), the sign-in dialog with an error, the accounts
window, the quick switcher, the Add server dialog and a confirmation. Secrets
go to a temporary 0600 file, never to the keyring. The menu as a
StatusNotifierItem panel draws it: docs/make_panel_shots.py.

    python docs/make_screenshots.py [--scale 2]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

PEOPLE = (
    ("Alice Martin", "alice@work.example"),
    ("Alice (personal)", "alice.martin.personal@home.example"),
    ("Test Admin", "admin@staging.example"),
    ("Bob Client", "bob@client-b.example"),
)


def _palette(dark: bool) -> object:
    from PySide6.QtGui import QColor, QPalette

    palette = QPalette()
    if not dark:
        return palette
    role = QPalette.ColorRole
    for name, colour in (
        (role.Window, "#2b2b2b"),
        (role.WindowText, "#eeeeee"),
        (role.Base, "#1f1f1f"),
        (role.AlternateBase, "#2b2b2b"),
        (role.Text, "#eeeeee"),
        (role.Button, "#353535"),
        (role.ButtonText, "#eeeeee"),
        (role.Highlight, "#3584e4"),
        (role.HighlightedText, "#ffffff"),
        (role.ToolTipBase, "#353535"),
        (role.ToolTipText, "#eeeeee"),
        (role.PlaceholderText, "#9a9a9a"),
        (role.Mid, "#444444"),
        (role.Dark, "#1a1a1a"),
        (role.Light, "#4a4a4a"),
    ):
        palette.setColor(name, QColor(colour))
    palette.setColor(QPalette.ColorGroup.Disabled, role.WindowText, QColor("#808080"))
    palette.setColor(QPalette.ColorGroup.Disabled, role.Text, QColor("#808080"))
    palette.setColor(QPalette.ColorGroup.Disabled, role.ButtonText, QColor("#808080"))
    return palette


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--scale", default="1", help="QT_SCALE_FACTOR (1 or 2)")
    parser.add_argument("--out", type=Path, default=HERE)
    args = parser.parse_args()
    suffix = "" if args.scale == "1" else f"@{args.scale}x"
    with tempfile.TemporaryDirectory(prefix="switcher-shots-") as tmp:
        os.environ["SWITCHER_CONFIG_DIR"] = f"{tmp}/config"
        os.environ["SWITCHER_DATA_DIR"] = f"{tmp}/data"
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
        os.environ["QT_SCALE_FACTOR"] = args.scale
        os.environ.setdefault("XDG_RUNTIME_DIR", tmp)

        from PySide6.QtWidgets import QApplication

        from switcher.accounts import Accounts
        from switcher.bootstrap import transports
        from switcher.gui.confirm import confirmation
        from switcher.gui.controller import Controller
        from switcher.gui.quick_switcher import QuickSwitcher, entries_from_index
        from switcher.gui.server_dialog import AddServerDialog
        from switcher.gui.sign_in import SignInDialog
        from switcher.gui.tray import Tray
        from switcher.gui.window import AccountsWindow
        from switcher.secrets import FileSecrets
        from switcher.vault import Vault

        app = QApplication(["switcher"])
        app.setStyle("Fusion")
        secrets = FileSecrets(Path(tmp) / "secrets.json")
        service = Accounts(Vault(Path(tmp) / "config", secrets), transport_for=transports())
        for name, email in PEOPLE:
            service.add(email, "correct horse battery", sign_up=True, name=name)
        service.use(PEOPLE[0][1])
        controller = Controller(service)
        controller.refresh()  # as the app does at start: the header then says "online"
        while controller.pending:
            app.processEvents()
        saved: list[Path] = []

        def save(widget: object, name: str) -> None:
            from PySide6.QtWidgets import QWidget

            assert isinstance(widget, QWidget)
            app.processEvents()
            path = args.out / f"{name}{suffix}.png"
            widget.grab().save(str(path))
            saved.append(path)

        for theme in ("light", "dark"):
            app.setPalette(_palette(theme == "dark"))  # type: ignore[arg-type]
            tray = Tray(controller)
            tray.menu.aboutToShow.emit()
            tray.menu.adjustSize()
            save(tray.menu, f"tray-menu-{theme}")

            dialog = SignInDialog(controller)
            dialog.show()
            while dialog.methods_job is not None:  # it asks the site how it signs in
                app.processEvents()
            dialog.email.setText("alexandra.konstantinopoulou@engineering.example")
            dialog.password.setText("not the password")
            dialog.show_error("Invalid email or password")
            save(dialog, f"sign-in-{theme}")
            dialog.close()

            window = AccountsWindow(controller)
            window.show()
            save(window, f"accounts-window-{theme}")
            window.close()

            picker = QuickSwitcher(icon_for=controller.icon_for)
            picker.set_entries(entries_from_index(service.vault.index))
            picker.show()
            picker.filter.setText("ali")
            save(picker, f"quick-switcher-{theme}")
            picker.close()

            server = AddServerDialog()
            server.url_field.setText("app.example.com")
            server.show()
            save(server, f"add-server-{theme}")
            server.close()

            box, _act = confirmation(
                "Revoke account",
                f"Revoke {PEOPLE[2][1]}?",
                "Its session on this computer ends and switcher forgets the account; "
                "you can sign it in again later.",
                "&Revoke",
            )
            box.show()
            save(box, f"confirm-revoke-{theme}")
            box.close()

        controller.shutdown()
        app.quit()
    for path in saved:
        print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
