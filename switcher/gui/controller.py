"""The UI thread's side of the service: state, pending intents, results, notifications."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtGui import QIcon

from switcher.accounts import (
    Accounts,
    AccountsError,
    Event,
    EventKind,
    Imported,
    SessionEndedError,
    TwoFactorRequired,
)
from switcher.browsers import CookieReadError, ExportError, Profile
from switcher.gui.avatar_cache import AvatarCache
from switcher.gui.avatars import avatar_icon
from switcher.gui.images import ImageCache
from switcher.gui.jobs import Job, JobKind
from switcher.gui.state import Snapshot
from switcher.gui.worker import Worker
from switcher.paths import cache_dir
from switcher.secrets import SecretStoreError
from switcher.sign_in_steps import Factor, SignInMethod, TwoFactorChallenge
from switcher.vault import Account, AccountStatus, VaultError

log = logging.getLogger("switcher.gui")


def imported_summary(result: Imported) -> str:
    """What bringing sessions in did, as one notification's text."""
    parts = []
    if result.added:
        parts.append("added " + ", ".join(a.email for a in result.added))
    if result.already:
        parts.append("already here: " + ", ".join(a.email for a in result.already))
    if result.ended:
        # Cookies ignore ports: another site on this host is "not honoured" too.
        parts.append(
            f"{result.ended} not honoured by the site (ended, or another site's), not added"
        )
    return "; ".join(parts) or "no session for this site"


def _ended_how(account: Account) -> str:
    return {AccountStatus.EXPIRED: "has expired"}.get(account.status, "was revoked")


@dataclass(frozen=True)
class Outcome:
    snapshot: Snapshot
    events: tuple[Event, ...]
    value: Any = None


class Controller(QObject):
    changed = Signal()  # snapshot, pending or online state changed
    switched = Signal()  # the active account changed through this app
    notify = Signal(str, str)  # title, message
    # An account's session ended (email, what happened): one notification,
    # which can offer to sign that account in again.
    session_ended = Signal(str, str)
    finished = Signal(int, bool, str)  # job id, ok, message (for dialogs waiting on a job)

    def __init__(self, service: Accounts) -> None:
        super().__init__()
        self.service = service
        self.snapshot = Snapshot.of(service.vault.index)
        # Whether each server answered last time (None: not asked yet).
        self.reachable: dict[str, bool] = {}
        # Jobs that wait on a person, and how to stop each (see ``cancel``).
        self._cancels: dict[int, threading.Event] = {}
        self.pending: dict[int, Job] = {}  # job id -> what it does
        self._events_of: dict[int, list[Event]] = {}
        self._values: dict[int, Any] = {}
        self._errors: dict[int, BaseException] = {}
        # The password-free sign-ins each server offers, once asked (see sign_in_methods).
        self.methods: dict[str, frozenset[SignInMethod]] = {}
        self._server_of: dict[int, str] = {}
        self._told_when_done: dict[int, tuple[str, str]] = {}  # job -> its notification
        self._answered: set[int] = set()  # jobs whose failure is told by whoever asked
        self._announced = 0  # how many of the vault's notices were shown
        # Events of the job running on each worker thread (lanes run side by side).
        self._job_events = threading.local()
        service.subscribe(self._collect)
        self.images = ImageCache()
        self._initials: dict[tuple[str, str, str, bool], QIcon] = {}
        self.avatars = AvatarCache(cache_dir() / "avatars")
        self.images.loaded.connect(
            lambda _url: self.changed.emit(), Qt.ConnectionType.QueuedConnection
        )
        self.worker = Worker(
            (AccountsError, CookieReadError, ExportError, SecretStoreError, VaultError)
        )
        self.worker.done.connect(self._done)
        self.worker.failed.connect(self._failed)

    def _collect(self, event: Event) -> None:
        events = getattr(self._job_events, "events", None)
        if events is not None:
            events.append(event)

    # -- intents ------------------------------------------------------------------
    def _submit(
        self,
        what: Job,
        call: Callable[[str], Any],
        server: str | None = None,
        lane: str | None = None,
    ) -> int:
        """Run ``call(server)`` on that server's lane (default: the one shown now).

        The server is fixed here, when the person acts, not when the job runs:
        lanes run side by side, and a server chosen meanwhile must not receive
        a password, a revoke or a switch meant for the one on screen. A job
        that waits on a person for minutes takes a ``lane`` of its own.
        """
        target = self.snapshot.server if server is None else server
        events: list[Event] = []  # this job's, also when it fails (OFFLINE, ERROR)

        def run() -> Outcome:
            self._job_events.events = events
            try:
                value = call(target)
            finally:
                self._job_events.events = None
            return Outcome(Snapshot.of(self.service.vault.index), tuple(events), value)

        job = self.worker.submit(str(what), run, lane=target if lane is None else lane)
        self.pending[job] = what
        self._server_of[job] = target
        self._events_of[job] = events
        self.changed.emit()
        return job

    def is_pending(self, *what: Job) -> bool:
        return any(w in self.pending.values() for w in what)

    def switch(self, email: str, server: str | None = None, *, answered: bool = False) -> int:
        """Make ``email`` active; ``answered``: whoever asked hears of a failure itself
        (the command line over the app's channel), so no notification repeats it."""
        job = self._submit(Job(JobKind.SWITCH, email), lambda s: self.service.use(email, s), server)
        if answered:
            self._answered.add(job)
        return job

    def revoke(self, email: str) -> int:
        return self._submit(Job(JobKind.REVOKE, email), lambda s: self.service.revoke(email, s))

    def add(
        self,
        email: str,
        password: str,
        *,
        sign_up: bool,
        name: str | None,
        remember: bool,
        server: str | None = None,
    ) -> int:
        """A password sign-in; its value is the account, or a ``TwoFactorChallenge``."""

        def run(server: str) -> Account | TwoFactorChallenge:
            try:
                return self.service.add(
                    email, password, sign_up=sign_up, name=name, remember=remember,
                    server_name=server,
                )  # fmt: skip
            except TwoFactorRequired as asked:
                return asked.challenge

        return self._submit(Job(JobKind.ADD, email), run, server)

    def add_second_factor(
        self, challenge: TwoFactorChallenge, factor: Factor, code: str, trust_device: bool
    ) -> int:
        return self._submit(
            Job(JobKind.ADD, challenge.email),
            lambda _s: self.service.add_second_factor(
                challenge, factor, code, trust_device=trust_device
            ),
            challenge.server,
        )

    def send_second_factor_code(self, challenge: TwoFactorChallenge) -> int:
        return self._submit(
            Job(JobKind.SEND, challenge.email),
            lambda _s: self.service.send_second_factor_code(challenge),
            challenge.server,
        )

    def send_magic_link(self, email: str, server: str) -> int:
        return self._submit(
            Job(JobKind.SEND, email), lambda s: self.service.send_magic_link(email, s), server
        )

    def add_by_magic_link(self, email: str, link: str, server: str) -> int:
        return self._submit(
            Job(JobKind.ADD, email),
            lambda s: self.service.add_by_magic_link(email, link, s),
            server,
        )

    def send_email_code(self, email: str, server: str) -> int:
        return self._submit(
            Job(JobKind.SEND, email), lambda s: self.service.send_email_code(email, s), server
        )

    def add_by_email_code(self, email: str, code: str, server: str) -> int:
        return self._submit(
            Job(JobKind.ADD, email),
            lambda s: self.service.add_by_email_code(email, code, s),
            server,
        )

    def sign_in_with_browser(self, server: str, browser: str | None = None) -> int:
        """Open the site's sign-in page in a browser; the job ends once the site signs in.

        It waits on a person, for minutes: on a lane of its own, so switching
        and refreshing go on meanwhile. ``cancel`` ends it, keeping nothing.
        """
        from switcher.browser_sign_in import sign_in_with_browser

        stop = threading.Event()
        job = self._submit(
            Job(JobKind.BROWSER_SIGN_IN, server),
            lambda s: sign_in_with_browser(self.service, browser, s, cancelled=stop),
            server,
            lane=f"browser-sign-in:{server}",
        )
        self._cancels[job] = stop
        return job

    def cancel(self, job: int) -> None:
        """Stop a job that waits on a person (a browser sign-in); it then fails, keeping nothing."""
        stop = self._cancels.get(job)
        if stop is not None:
            stop.set()

    def sign_in_methods(self, server: str) -> int:
        """Ask the site which password-free sign-ins it offers (the value: a frozenset)."""
        return self._submit(
            Job(JobKind.METHODS, server), lambda s: self.service.sign_in_methods(s), server
        )

    def remember_methods(self, server: str, methods: frozenset[SignInMethod]) -> None:
        """What a site offers, asked once per server while the app runs."""
        self.methods[server] = methods

    def open_in_browser(self, email: str) -> int:
        """The site in a browser as ``email``, from that account's own profile."""
        from switcher.browser_sessions import open_as

        return self._submit(
            Job(JobKind.OPEN, email), lambda s: open_as(self.service, email, server_name=s)
        )

    def export_to(self, profile: Profile) -> int:
        """The active account's session into a browser profile (a notification says how it went)."""
        from switcher.browser_sessions import export_to
        from switcher.browsers import registry

        active = self.snapshot.active
        who = active.email if active is not None else "The active account"
        job = self._submit(
            Job(JobKind.EXPORT, str(profile.path)),
            lambda s: export_to(self.service, profile, server_name=s),
        )
        # Said in the browser's words: its name and the profile's, not a path.
        self._told_when_done[job] = (
            "Exported",
            f"{who} is signed in in {registry.label(profile.browser)}'s profile “{profile.name}”",
        )
        return job

    def import_from(self, profile: Profile) -> int:
        """The sessions a browser profile holds, brought in (a notification says what came)."""
        from switcher.browser_sessions import import_from

        return self._submit(
            Job(JobKind.IMPORT, f"{profile.browser}:{profile.name}"),
            lambda s: import_from(self.service, profile, server_name=s),
        )

    def refresh(self) -> int:
        return self._submit(Job(JobKind.REFRESH), lambda s: self.service.refresh(s))

    def start(self) -> int:
        """What the app does once at start: reconcile interrupted sign-ins, then refresh."""

        def run(server: str) -> list[str]:
            notices = self.service.reconcile(server, everything=True)
            if any(a.status == AccountStatus.VALID for a in self.service.server(server).accounts):
                self.service.refresh(server)
            return notices

        return self._submit(Job(JobKind.START), run)

    def sign_out_all(self) -> int:
        return self._submit(Job(JobKind.SIGN_OUT), lambda s: self.service.sign_out(s))

    def use_server(self, name: str) -> int:
        def run(server: str) -> None:
            self.service.use_server(server)
            self.service.refresh(server)

        return self._submit(Job(JobKind.USE_SERVER, name), run, server=name)

    def add_server(self, url: str, name: str | None) -> int:
        def run(_lane: str) -> list[str]:
            # Asked first: a wrong URL fails now, not at the first sign-in.
            server = self.service.add_server(url, name, ask=True)
            self.service.use_server(server.name)
            # Accounts the keyring kept for this URL (a lost index) come back now.
            return self.service.reconcile(server.name)

        # Its own lane: the new server has no lane yet, and the shown one may hang.
        return self._submit(Job(JobKind.ADD_SERVER, url), run, server="")

    def icon_for(self, account: Account) -> QIcon:
        """The account's own picture once it has loaded, its initials until then.

        The same icon object each time for the same picture: a tray panel is
        sent an icon again only when it is another (see ``menu_section.set_icon``).
        """
        picture = self.images.icon(account.image)
        if picture is not None:
            return picture
        return self._initials_icon(account, ring=False)

    def tray_icon_for(self, account: Account) -> QIcon:
        """The account's picture for the tray: its initials ringed in white, readable on a
        dark panel too."""
        picture = self.images.icon(account.image)
        if picture is not None:
            return picture
        return self._initials_icon(account, ring=True)

    def _initials_icon(self, account: Account, ring: bool) -> QIcon:
        key = (account.name, account.email, account.user_id, ring)
        icon = self._initials.get(key)
        if icon is None:
            icon = self._initials[key] = avatar_icon(
                account.name, account.email, account.user_id, ring=ring, cache=self.avatars
            )
        return icon

    def is_stale(self) -> bool:
        return self.service.is_stale(self.service.vault.index.servers[self.snapshot.server])

    def reload(self) -> None:
        """Another process saved the index (the command line): show its state now.

        Reads the small index file on the UI thread: no keyring, no network.
        """
        try:
            saved = self.service.vault.read_saved()
        except VaultError as error:
            log.info("could not read the index after a change: %s", error)
            return
        if saved is None or saved.generation == self.snapshot.generation:
            return  # unreadable (the next save repairs it), or what is shown already
        # The file is the truth, also when it went back (an older copy restored).
        self.service.vault.publish(saved)
        self.snapshot = Snapshot.of(saved)
        self.changed.emit()

    def shutdown(self) -> None:
        for stop in self._cancels.values():
            stop.set()  # a browser sign-in closes its window and keeps nothing
        self.worker.stop()
        self.images.stop()

    # -- results ------------------------------------------------------------------
    def _show(self, snapshot: Snapshot) -> None:
        if snapshot.generation >= self.snapshot.generation:
            self.snapshot = snapshot

    @property
    def online(self) -> bool | None:
        """Whether the server on screen answered last time (None: not asked yet)."""
        return self.reachable.get(self.snapshot.server)

    def _tell(self, notices: list[str]) -> None:
        """One notification for what happened together (a panel shows one balloon at a time)."""
        if notices:
            self.notify.emit("switcher", "\n".join(notices))

    def _apply_events(self, events: tuple[Event, ...], told: bool = False) -> None:
        """Reachability, and one notification for what one job found.

        A session that ended and the active account that changed because of
        it are one event to the person: one notification says both (``told``:
        the job's error says it already).
        """
        ended: list[Account] = []
        now_active: str | None = None
        for event in events:
            if event.kind == EventKind.ONLINE:
                self.reachable[event.server] = True
            elif event.kind == EventKind.OFFLINE:
                self.reachable[event.server] = False
            elif event.kind == EventKind.ACTIVE_CHANGED and event.message:
                now_active = event.account.email if event.account else "nobody"
            elif event.kind == EventKind.CHANGED and event.message and event.account:
                ended.append(event.account)
        for n, account in enumerate(ended):
            message = f"{account.email}'s session {_ended_how(account)}; sign in again"
            if n == len(ended) - 1 and now_active is not None:
                message += f"; active now: {now_active}"
            self.session_ended.emit(account.email, message)
        if now_active is not None and not ended and not told:
            self.notify.emit("Active account changed", f"active now: {now_active}")

    def value_of(self, job: int) -> Any:
        """What a finished job returned, for a slot of ``finished`` (e.g. the switched account)."""
        return self._values.get(job)

    def error_of(self, job: int) -> BaseException | None:
        """Why a job failed, for a slot of ``finished`` that answers by the error's type."""
        return self._errors.get(job)

    def announce_notices(self) -> None:
        """Tell the person what the index recovery said (once each), e.g. a rebuilt index."""
        notices = self.service.vault.notices
        self._tell(notices[self._announced :])
        self._announced = len(notices)

    def _done(self, job: int, _label: str) -> None:
        outcome: Outcome = self.worker.take(job)
        what = self.pending.pop(job)
        self._cancels.pop(job, None)
        self._answered.discard(job)
        self._events_of.pop(job, None)
        server = self._server_of.pop(job, "")
        self._show(outcome.snapshot)
        self._apply_events(outcome.events)
        self.announce_notices()
        if what.kind in (JobKind.START, JobKind.ADD_SERVER):
            self._tell(outcome.value)
        if what.kind in (JobKind.SWITCH, JobKind.ADD, JobKind.REVOKE, JobKind.SIGN_OUT):
            self.reachable[server] = True
        if what.kind == JobKind.SWITCH and server == self.snapshot.server:
            self.switched.emit()
        told = self._told_when_done.pop(job, None)
        if told is not None:
            self.notify.emit(*told)
        if what.kind == JobKind.IMPORT:
            self.notify.emit("Imported from the browser", imported_summary(outcome.value))
        if what.kind == JobKind.BROWSER_SIGN_IN:
            email = outcome.value.account.email
            self.notify.emit("Signed in", f"{email} is the active account now")
        # Whoever waits on the job (a dialog, the command line over the app's
        # channel) hears first; repainting the tray and window comes after.
        self._values[job] = outcome.value
        try:
            self.finished.emit(job, True, "")
        finally:
            self._values.pop(job, None)
        self.changed.emit()

    def _failed(self, job: int, _label: str, message: str) -> None:
        what = self.pending.pop(job)
        self._server_of.pop(job, None)
        self._cancels.pop(job, None)
        self._told_when_done.pop(job, None)
        answered = job in self._answered
        self._answered.discard(job)
        error = self.worker.take(job)
        told = isinstance(error, SessionEndedError)  # "…; active now: X" is in its message
        self._apply_events(tuple(self._events_of.pop(job, [])), told=told)
        self.announce_notices()
        self._show(Snapshot.of(self.service.vault.index))
        if isinstance(error, BaseException):
            self._errors[job] = error
        try:
            self.finished.emit(job, False, message)
        finally:
            self._errors.pop(job, None)
        self.changed.emit()
        # The sign-in dialog shows its own errors inline; a probe's failure only hides options.
        # So does the Add server dialog.
        inline = (JobKind.ADD, JobKind.SEND, JobKind.METHODS, JobKind.BROWSER_SIGN_IN)
        if what.kind in (*inline, JobKind.ADD_SERVER) or answered:
            return
        if isinstance(error, SessionEndedError):
            self.session_ended.emit(error.email, message)
        else:
            self.notify.emit("switcher", message)
