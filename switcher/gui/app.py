"""The tray application: wires the controller, the tray, the window and the dialogs."""

from __future__ import annotations

import contextlib
import logging
import os
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, QTimer
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QApplication, QSystemTrayIcon

from switcher.accounts import Accounts
from switcher.app_channel import ChannelError, InstanceLock
from switcher.app_identity import APP_ID, icon_file
from switcher.bundled import LOCAL
from switcher.display import has_display
from switcher.gui.auto_export import AutoExport
from switcher.gui.confirm import ask
from switcher.gui.controller import Controller
from switcher.gui.index_watcher import IndexWatcher
from switcher.gui.jobs import Job, JobKind
from switcher.gui.labels import server_label
from switcher.gui.main_thread_gc import MainThreadGarbageCollector
from switcher.gui.notifier import DEFAULT_ACTION, Notifier
from switcher.gui.settings import Settings
from switcher.gui.single_instance import InstanceServer, Reply, ask_running_instance_to_show
from switcher.gui.tray import Tray
from switcher.logs import REPORTED

if TYPE_CHECKING:
    from switcher.bundled_server import BundledServer
    from switcher.gui.quick_switcher import Entry, QuickSwitcher
    from switcher.gui.server_dialog import AddServerDialog
    from switcher.gui.sign_in import SignInDialog
    from switcher.gui.window import AccountsWindow

log = logging.getLogger("switcher.gui")

SIGN_IN_AGAIN = "sign-in-again"  # a notification's button


class SwitcherApp(QObject):
    def __init__(
        self,
        service: Accounts,
        *,
        settings: Settings | None = None,
        use_tray: bool | None = None,
        serve_local: bool = True,
    ) -> None:
        super().__init__()
        self.settings = settings or Settings.load()
        # A bool the worker reads at its next refresh: no lock needed.
        service.keep_alive = self.settings.keep_sessions_alive
        self.controller = Controller(service)
        self._window: AccountsWindow | None = None
        self._quick_switcher: QuickSwitcher | None = None
        self.controller.changed.connect(self._update_quick_switcher)
        self.has_tray = QSystemTrayIcon.isSystemTrayAvailable() if use_tray is None else use_tray
        self.tray: Tray | None = None
        if self.has_tray:
            self.tray = Tray(self.controller)
            self.tray.add_account.connect(self.open_sign_in)
            self.tray.sign_in_again.connect(self.open_sign_in)
            self.tray.sign_in_with_browser.connect(self.open_browser_sign_in)
            self.tray.manage.connect(self.show_window)
            self.tray.pick.connect(self.show_quick_switcher)
            self.tray.revoke.connect(self.confirm_revoke)
            self.tray.add_server.connect(self.ask_server)
            self.tray.settings.connect(self.open_settings)
            self.tray.sign_out_all.connect(self.confirm_sign_out)
            self.tray.quit.connect(self.quit)
        self.notifier = Notifier()
        self.notifier.invoked.connect(self._notification_clicked)
        self.notifier.unavailable.connect(self._notify_here)
        self.controller.notify.connect(self.notify)
        self.controller.session_ended.connect(self._session_ended)
        self.controller.finished.connect(self._answer_channel)
        self._channel_replies: dict[int, tuple[Reply, str]] = {}
        # A change saved by the command line shows at once, not at the next refresh.
        self.index_watcher = IndexWatcher(service.vault.config_dir, self)
        self.index_watcher.changed.connect(self.controller.reload)
        self.auto_export = AutoExport(self.controller, self.settings)
        self.serve_local = serve_local
        self.bundled_server: BundledServer | None = None
        self.timer = QTimer(self)
        self.timer.timeout.connect(self._periodic_refresh)
        self.dialog: SignInDialog | None = None
        self.server_dialog: AddServerDialog | None = None

    @property
    def window(self) -> AccountsWindow:
        """The accounts window, made the first time it is needed.

        The windows and dialogs (their modules, widgets and pictures: ~10 MB)
        are made when a person opens them, not carried by the idle tray app.
        """
        if self._window is None:
            from switcher.gui.window import AccountsWindow

            with_window_icon()
            window = AccountsWindow(self.controller)
            window.add_account.connect(self.open_sign_in)
            window.sign_in_again.connect(self.open_sign_in)
            window.revoke.connect(self.confirm_revoke)
            window.settings.connect(self.open_settings)
            self._window = window
        return self._window

    @property
    def quick_switcher(self) -> QuickSwitcher:
        """``switcher pick`` and the tray's "Switch account…", made when first shown."""
        if self._quick_switcher is None:
            from switcher.gui.quick_switcher import QuickSwitcher

            with_window_icon()
            picker = QuickSwitcher(icon_for=self.controller.icon_for)
            picker.chosen.connect(self.switch_to)
            picker.sign_in_again.connect(self.sign_in_again_on)
            self._quick_switcher = picker
        return self._quick_switcher

    def quick_switcher_entries(self) -> list[Entry]:
        """Every server's accounts, from memory: the snapshot holds the current server's only."""
        from switcher.gui.quick_switcher import entries_from_index

        return entries_from_index(self.controller.service.vault.index)

    def show_quick_switcher(self, activation_token: str | None = None) -> None:
        self.quick_switcher.set_entries(self.quick_switcher_entries())
        self.quick_switcher.present(activation_token)

    def _update_quick_switcher(self) -> None:
        picker = self._quick_switcher
        if picker is not None and picker.isVisible():  # e.g. a session ended while it is open
            picker.set_entries(self.quick_switcher_entries())

    def switch_to(self, server: str, email: str) -> None:
        """The quick switcher's choice: that account, its server becoming the current one."""
        if server != self.controller.snapshot.server:
            # The same lane as the switch, so it runs first: when the switch
            # ends, its server is the one shown (the tray, auto-export follow).
            self.controller.use_server(server)
        self.controller.switch(email, server)

    def sign_in_again_on(self, server: str, email: str) -> None:
        """An ended account chosen in the quick switcher: the sign-in dialog, on its server."""
        if server == self.controller.snapshot.server:
            self.open_sign_in(email)
            return
        # The dialog signs in on the server shown when it opens: that one first.
        job = self.controller.use_server(server)

        def when_done(finished: int, _ok: bool, _message: str) -> None:
            if finished != job:
                return
            self.controller.finished.disconnect(when_done)
            if self.controller.snapshot.server == server:  # also when only its refresh failed
                self.open_sign_in(email)

        self.controller.finished.connect(when_done)

    def start(self) -> None:
        if self.serve_local:
            try:
                # The process's one bundled server: the service's in-process
                # transport is its other face, on the same store.
                from switcher.bundled_server import bundled_server

                self.bundled_server = bundled_server()
                self.bundled_server.serve_http()
            except Exception:
                # Serving for browsers is a convenience: the app and its accounts
                # work in process without it, so a failure here must not stop it.
                log.exception("could not serve the bundled server for browsers; in-process only")
        if self.tray is not None:
            self.tray.show()
        else:
            # No tray (e.g. GNOME without the AppIndicator extension): the
            # accounts window is the app, and closing it quits.
            QApplication.instance().setQuitOnLastWindowClosed(True)  # type: ignore[union-attr]
            self.show_window()
        self.timer.start(self.settings.refresh_seconds * 1000)
        self.controller.announce_notices()  # e.g. the index was rebuilt as the app started
        self.controller.start()
        if self.tray is not None and not self.controller.snapshot.accounts:
            self.notify("switcher", "No accounts yet: choose “Add account…” in the menu.")

    def _periodic_refresh(self) -> None:
        if not self.controller.is_pending(Job(JobKind.REFRESH), Job(JobKind.START)):
            self.controller.refresh()

    # -- the command line, through the app's channel ----------------------------------
    def switch_for_channel(self, request: dict[str, Any], reply: Reply) -> None:
        """``switcher accounts use`` while the app runs: the app switches, the tray shows it."""
        email, server = request.get("email"), request.get("server")
        if not isinstance(email, str) or not (server is None or isinstance(server, str)):
            reply(ok=False, error="a switch needs an email (and optionally a server name)")
            return
        known = [name for name, _url in self.controller.snapshot.servers]
        if server is not None and server not in known:
            # Answered here: every server name would otherwise get a worker lane of its own.
            reply(ok=False, error=f"no server named {server!r} (known: {', '.join(sorted(known))})")
            return
        chosen = server if server is not None else self.controller.snapshot.server
        job = self.controller.switch(email, chosen, answered=True)
        self._channel_replies[job] = (reply, chosen)

    def _answer_channel(self, job: int, ok: bool, message: str) -> None:
        waiting = self._channel_replies.pop(job, None)
        if waiting is None:
            return
        reply, server = waiting
        if not ok:
            reply(ok=False, error=message)
            return
        account = self.controller.value_of(job)  # the account the switch made active
        reply(ok=True, email=getattr(account, "email", None), server=server)

    # -- windows and dialogs ----------------------------------------------------------
    def show_window(self) -> None:
        self.window.show()
        self.window.raise_()
        self.window.activateWindow()

    def open_sign_in(self, email: str = "") -> None:
        if self.dialog is not None and self.dialog.isVisible():
            self.dialog.raise_()
            self.dialog.activateWindow()
            return
        from switcher.gui.sign_in import SignInDialog

        with_window_icon()
        self.dialog = SignInDialog(self.controller)
        if email:
            # "Sign in again": the email is known, the password is what is asked.
            self.dialog.sign_in_again(email)
        self.dialog.show()
        self.dialog.raise_()
        self.dialog.activateWindow()

    def open_browser_sign_in(self) -> None:
        """The sign-in dialog, already waiting on a browser window it opened."""
        self.open_sign_in()
        if self.dialog is not None and self.dialog.job is None:
            self.dialog.start_browser_sign_in()

    def open_settings(self) -> None:
        from switcher.browsers.opener import all_profiles
        from switcher.gui.settings_dialog import SettingsDialog

        try:
            profiles = all_profiles()
        except OSError:
            profiles = []
        with_window_icon()
        dialog = SettingsDialog(self.settings, profiles=profiles)
        if dialog.exec():
            self.timer.start(self.settings.refresh_seconds * 1000)
            self.controller.service.keep_alive = self.settings.keep_sessions_alive

    def confirm_revoke(self, email: str) -> None:
        where = server_label(self.controller.snapshot.server, in_sentence=True)
        with_window_icon()
        if ask(
            "Revoke account",
            f"Revoke {email}?",
            f"Its session on {where} ends and switcher forgets the account; "
            "you can sign it in again later.",
            "&Revoke",
        ):
            self.controller.revoke(email)

    def confirm_sign_out(self) -> None:
        count = len(self.controller.snapshot.accounts)
        where = server_label(self.controller.snapshot.server, in_sentence=True)
        accounts = "the account" if count == 1 else f"all {count} accounts"
        ended = (
            "Their sessions end"  # the server is this computer: "on it, from it" says nothing
            if self.controller.snapshot.server == LOCAL
            else f"Their sessions on {where} from this computer end"
        )
        with_window_icon()
        if ask(
            "Sign out of all accounts",
            f"Sign out of {accounts}?",
            f"{ended} and switcher forgets them; other devices stay signed in.",
            "&Sign Out",
        ):
            self.controller.sign_out_all()

    def ask_server(self) -> None:
        """The Add server dialog: it keeps what was typed until the site answers."""
        if self.server_dialog is not None and self.server_dialog.isVisible():
            self.server_dialog.raise_()
            self.server_dialog.activateWindow()
            return
        from switcher.gui.server_dialog import AddServerDialog

        with_window_icon()
        self.server_dialog = AddServerDialog(self.controller)
        self.server_dialog.show()
        self.server_dialog.raise_()
        self.server_dialog.activateWindow()

    def notify(self, title: str, message: str) -> None:
        self.notifier.show(title, message, actions=((DEFAULT_ACTION, "Show accounts"),))

    def _session_ended(self, email: str, message: str) -> None:
        self.notifier.show(
            "Session ended",
            message,
            actions=((DEFAULT_ACTION, "Show accounts"), (SIGN_IN_AGAIN, "Sign in again")),
            subject=email,
        )

    def _notification_clicked(self, key: str, subject: str) -> None:
        if key == SIGN_IN_AGAIN and subject:
            self.open_sign_in(subject)
        else:
            self.show_window()

    def _notify_here(self, title: str, message: str) -> None:
        """No notification server: an XEmbed tray shows Qt's balloon, else the window says it."""
        if self.tray is not None and not self.tray.drawn_by_panel():
            icon = QApplication.windowIcon()
            self.tray.icon.showMessage(title, message, icon, 5000)
        else:
            said = message if title == "switcher" else f"{title}: {message}"
            self.window.statusBar().showMessage(said, 10000)

    def quit(self) -> None:
        """Leave now, even with a request in flight: the worker thread is a daemon."""
        self.timer.stop()
        self.notifier.stop()
        self.controller.shutdown()
        if self.bundled_server is not None:
            self.bundled_server.stop_http()
        if self.tray is not None:
            self.tray.icon.hide()
        QApplication.quit()


def _cannot_start(message: str) -> int:
    log.warning("tray app not started: %s", message, extra=REPORTED)
    print(f"switcher: {message}", file=sys.stderr)
    return 1


def with_window_icon() -> None:
    """Give the app's windows its icon, before the first one is made.

    Not at start: a QIcon of an SVG loads Qt's SVG engine at once, ~1.8 MiB
    that the idle tray (which draws its own icons) would carry for nothing.
    """
    app = QApplication.instance()
    if isinstance(app, QApplication) and app.windowIcon().isNull():
        app.setWindowIcon(QIcon(icon_file()))


def run(argv: Sequence[str] | None = None, insecure_storage: bool = False) -> int:
    from switcher.bootstrap import ServiceUnavailableError, build_service

    if not has_display():
        log.warning("no display (DISPLAY and WAYLAND_DISPLAY are unset)", extra=REPORTED)
        print(
            "switcher: no display to show the tray app on (DISPLAY and WAYLAND_DISPLAY are "
            "unset); use the commands instead (switcher --help), e.g. switcher serve",
            file=sys.stderr,
        )
        return 1
    # Widgets only: no OpenGL, so Qt need not load the GL and EGL drivers.
    os.environ.setdefault("QT_XCB_GL_INTEGRATION", "none")
    app = QApplication(list(argv or sys.argv[:1]))
    app.setApplicationName("switcher")
    app.setApplicationDisplayName("switcher")
    # Ties windows and notifications to the installed desktop entry (Wayland, GNOME).
    app.setDesktopFileName(APP_ID)
    app.setQuitOnLastWindowClosed(False)
    collector = MainThreadGarbageCollector(app)
    try:
        lock = InstanceLock()
        first = lock.try_acquire()
    except (ChannelError, OSError) as error:
        return _cannot_start(f"cannot set up the app's channel: {error}")
    if not first:
        # Another app runs, or is starting this very moment: it may need a
        # few seconds before it listens.
        if ask_running_instance_to_show(wait=10.0):
            log.info("tray app already running: asked it to show its window")
            return 0
        return _cannot_start("another switcher app is starting but does not answer")
    instance = InstanceServer()
    if not instance.listening:
        lock.release()
        return _cannot_start(f"cannot listen on the app's channel {instance.name}")
    try:
        service = build_service(insecure_storage=insecure_storage)
    except (
        ServiceUnavailableError
    ) as error:  # e.g. an index from a newer switcher, an unusable config dir
        instance.close()
        lock.release()
        return _cannot_start(str(error))
    switcher = SwitcherApp(service)
    instance.show_requested.connect(switcher.show_window)
    instance.handle("use", switcher.switch_for_channel)

    def pick(request: dict[str, Any], reply: Reply) -> None:
        # Imported on the first `switcher pick`: the idle tray does without the module.
        from switcher.gui.quick_switcher import pick_handler

        handle = pick_handler(lambda: switcher.quick_switcher, switcher.quick_switcher_entries)
        handle(request, reply)

    instance.handle("pick", pick)
    stop_on_signals = _quit_on_signals(switcher)
    switcher.start()
    log.info(
        "tray app running on server %s (%s)",
        switcher.controller.snapshot.server,
        "tray icon" if switcher.tray is not None else "no system tray: the accounts window",
    )
    code = app.exec()
    log.info("tray app quit")
    del stop_on_signals
    collector.stop()
    instance.close()
    lock.release()
    return code


def _quit_on_signals(switcher: SwitcherApp) -> object:
    """Ctrl+C in the terminal (make run) and SIGTERM (a logout) quit the app cleanly.

    Qt's event loop runs in C++, where Python's signal handlers never get to
    run; Python's wakeup fd is written in the signal handler itself, and a
    socket notifier on its other end brings the signal into the event loop.
    Returns what must stay alive while the app runs.
    """
    if os.name != "posix":
        return None
    import signal
    import socket

    from PySide6.QtCore import QSocketNotifier

    receiver, sender = socket.socketpair()
    receiver.setblocking(False)
    sender.setblocking(False)
    signal.set_wakeup_fd(sender.fileno())
    for number in (signal.SIGINT, signal.SIGTERM):
        signal.signal(number, lambda *_: None)  # the wakeup fd carries it to the loop
    notifier = QSocketNotifier(receiver.fileno(), QSocketNotifier.Type.Read)

    def quit_now() -> None:
        with contextlib.suppress(OSError):
            received = receiver.recv(64)
            log.info("signal %s: quitting", ", ".join(str(b) for b in received))
        switcher.quit()

    notifier.activated.connect(quit_now)
    return (notifier, receiver, sender)
