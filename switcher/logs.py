"""switcher's log: a rotating file in the platform log directory, ``--verbose`` for the terminal.

The file (``switcher.log`` in :func:`switcher.paths.log_dir`, 0600 in a 0700
directory, 1 MiB x 3 backups) is what a support request asks for: INFO lines
for what happened (start and exit, accounts added, switched, revoked, exports
written, failures) with tracebacks of bugs, DEBUG too with ``--verbose``.

The terminal shows what it showed before there was a log file: warnings as one
line each ("switcher: ..."), never a traceback (those go to the file), and no
failure twice (the CLI already printed it). ``--verbose`` adds every DEBUG and
INFO line, with tracebacks.

No secret is ever passed to a logger (session cookies and tokens, passwords,
the server's secret): that is the guarantee, tested with a full flow. The
:class:`RedactSecrets` filter on every handler is defence in depth for what a
message or traceback might carry by accident (an exception's text, a URL with
credentials).
"""

from __future__ import annotations

import contextlib
import logging
import os
import re
import sys
import threading
import time
from collections.abc import Mapping
from datetime import datetime
from pathlib import Path
from types import TracebackType
from typing import Any, TextIO

from switcher.paths import log_dir, private_dir

LOG_FILE = "switcher.log"
MAX_BYTES = 1024 * 1024
BACKUPS = 3

# ``extra=REPORTED`` on a record: the person was already shown this failure (a
# CLI error line, a tray notification), so the terminal does not repeat it.
REPORTED: Mapping[str, object] = {"switcher_reported": True}

# Third-party loggers capped at WARNING, even with --verbose. httpx logs every
# request line at INFO and httpcore traces request and response headers (the
# Cookie and Set-Cookie values) at DEBUG; aiosqlite logs each statement with
# its parameters (session tokens) at DEBUG; psycopg's pool chatter is noise.
# Their failures still reach us as exceptions, which we log ourselves.
CAPPED = ("httpx", "httpcore", "aiosqlite", "psycopg", "hpack")

log = logging.getLogger("switcher")

# -- redaction -------------------------------------------------------------------------
_SECRET_WORDS = r"(?:password|passwd|secret|token|api[_-]?key|session_data|dont_remember)"  # noqa: S105
_B64 = r"(?:[A-Za-z0-9+/]|%2[BbFf])"  # base64, also as encodeURIComponent leaves it
_REDACTED = "[redacted]"
_RULES: tuple[tuple[re.Pattern[str], str], ...] = (
    # A header's whole value: cookies, and credentials of any scheme.
    (
        re.compile(r"(?i)\b((?:set-)?cookie|(?:proxy-)?authorization)(['\"]?\s*[:=]\s*)[^\r\n]+"),
        rf"\1\2{_REDACTED}",
    ),
    (re.compile(r"(?i)\bbearer\s+[A-Za-z0-9._~+/=-]+"), f"Bearer {_REDACTED}"),
    # key=value, e.g. password=hunter2 or better-auth.session_token=<value>.
    (
        re.compile(rf"(?i)\b([\w.-]*{_SECRET_WORDS}[\w.-]*=)[^\s'\",;&]+"),
        rf"\1{_REDACTED}",
    ),
    # "key": "value" as JSON and Python reprs write it.
    (
        re.compile(rf"(?i)(['\"][\w.-]*{_SECRET_WORDS}[\w.-]*['\"]\s*:\s*)(['\"]).*?\2"),
        rf"\1\2{_REDACTED}\2",
    ),
    (re.compile(r"(?i)\b(password|passwd)(\s*:\s*)\S+"), rf"\1\2{_REDACTED}"),
    # A better-auth signed value: <token>.<base64 HMAC-SHA256>, maybe percent-encoded.
    (re.compile(rf"[A-Za-z0-9_-]{{16,}}\.{_B64}{{40,}}(?:=|%3[Dd]){{0,2}}"), _REDACTED),
    # JWTs (better-auth's jwt plugin, a site's own tokens).
    (re.compile(r"\beyJ[\w-]+\.[\w-]+\.[\w-]*"), _REDACTED),
    # A multi-session cookie's name carries its session token.
    (re.compile(r"(?i)(_multi-)[a-z0-9]{16,}"), rf"\1{_REDACTED}"),
    # Credentials in a URL: scheme://user:password@host.
    (re.compile(r"(?i)\b([a-z][a-z0-9+.-]*://[^/\s:@]*:)[^/\s@]+@"), rf"\1{_REDACTED}@"),
)


def redact(text: str) -> str:
    """``text`` without anything that looks like a session cookie, token or password."""
    for pattern, replacement in _RULES:
        text = pattern.sub(replacement, text)
    return text


class RedactSecrets(logging.Filter):
    """Scrubs a record's message, traceback and stack before any handler formats it."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a bad format string: the handler reports it, as it would anyway
            return True
        clean = redact(message)
        if clean != message:
            record.msg, record.args = clean, None
        if record.exc_info and not record.exc_text:
            # Formatted once here (as the handlers' formatters would) so it can be scrubbed.
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
        return True


# -- formats ---------------------------------------------------------------------------
class _FileFormatter(logging.Formatter):
    """``2026-05-01T12:00:00.123+02:00 4242 INFO switcher.accounts: message``."""

    def __init__(self) -> None:
        super().__init__("%(asctime)s %(process)d %(levelname)s %(name)s: %(message)s")

    def formatTime(self, record: logging.LogRecord, datefmt: str | None = None) -> str:
        # Local time with its offset: what the person saw on their clock, unambiguous.
        stamp = datetime.fromtimestamp(record.created).astimezone()
        return stamp.isoformat(timespec="milliseconds")


class _OneLine(logging.Formatter):
    """The terminal without --verbose: ``switcher: message``, the traceback only in the file."""

    def __init__(self, log_file: Path | None, tracebacks: bool) -> None:
        super().__init__("switcher: %(message)s")
        self.log_file = log_file
        self.tracebacks = tracebacks

    def format(self, record: logging.LogRecord) -> str:
        if self.tracebacks:
            return super().format(record)
        record.message = record.getMessage()
        line = self.formatMessage(record)
        if record.exc_info and self.log_file is not None:
            line += f" (details in {self.log_file})"
        return line


class _NotShownYet(logging.Filter):
    """Drops what the terminal already shows: reported failures, uvicorn's own lines."""

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "switcher_reported", False):
            return False
        # uvicorn prints to the terminal through its own handler (see uvicorn_log_config).
        return not record.name.startswith("uvicorn")


class PrivateRotatingFileHandler(logging.FileHandler):
    """A size-rotated log file, created (and re-created on rotation) readable by its owner only.

    What ``logging.handlers.RotatingFileHandler`` does, on ``logging``'s own
    ``FileHandler``: every command sets its log up, and importing
    ``logging.handlers`` cost each one several milliseconds for this alone.
    """

    # Seconds to wait after a failed rotation before trying again.
    retry_after = 60.0

    def __init__(self, filename: Path, max_bytes: int, backups: int) -> None:
        super().__init__(filename, mode="a", encoding="utf-8", delay=False)
        self.max_bytes = max_bytes
        self.backups = backups
        self.rotator: Any = None  # os.replace, unless a test stands in for another process
        self._failed_at: float | None = None

    def _open(self) -> Any:
        fd = os.open(self.baseFilename, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        if hasattr(os, "fchmod"):
            os.fchmod(fd, 0o600)  # a file left by an older version, or another umask
        return open(fd, self.mode, encoding=self.encoding, errors=self.errors)

    def handleError(self, record: logging.LogRecord) -> None:
        # The disk filled up or the file went away: losing a log line must not
        # print logging's "--- Logging error ---" traceback on the terminal.
        pass

    def emit(self, record: logging.LogRecord) -> None:
        try:
            self._follow_the_file()
            if self._should_rotate(record):
                self._rotate()
        except Exception:
            self.handleError(record)
        super().emit(record)

    def _follow_the_file(self) -> None:
        """Another process rotated the file: write to the new one, not into the backup."""
        if self.stream is None:
            return
        try:
            on_disk = os.stat(self.baseFilename)
        except FileNotFoundError:
            on_disk = None
        ours = os.fstat(self.stream.fileno())
        if on_disk is None or (on_disk.st_dev, on_disk.st_ino) != (ours.st_dev, ours.st_ino):
            self.stream.close()
            self.stream = self._open()

    def _should_rotate(self, record: logging.LogRecord) -> bool:
        if self.max_bytes <= 0 or self.stream is None:
            return False
        if self._failed_at is not None and time.monotonic() - self._failed_at < self.retry_after:
            return False
        # Several processes append to one file: its size on disk is what counts.
        if not os.path.isfile(self.baseFilename):
            return False
        size = os.path.getsize(self.baseFilename)
        return size + len(self.format(record)) + 1 >= self.max_bytes

    def _rotate(self) -> None:
        # Several switcher processes (the tray app and commands) share the file,
        # and on Windows a file another process has open cannot be renamed.
        # Then keep appending to the same file, past the size limit, and try
        # again later, instead of dropping every line from here on.
        rename = self.rotator or os.replace
        if self.stream is not None:
            self.stream.close()
            self.stream = None
        try:
            for number in range(self.backups - 1, 0, -1):
                older = f"{self.baseFilename}.{number}"
                if os.path.exists(older):
                    rename(older, f"{self.baseFilename}.{number + 1}")
            if self.backups > 0:
                rename(self.baseFilename, f"{self.baseFilename}.1")
            else:
                os.truncate(self.baseFilename, 0)
        except OSError:
            self._failed_at = time.monotonic()
        else:
            self._failed_at = None
        with contextlib.suppress(OSError):
            self.stream = self._open()


# -- setup -----------------------------------------------------------------------------
class _Changes:
    """What setup_logging changed, so a second call (or a test) can undo it."""

    def __init__(self) -> None:
        self.handlers: list[logging.Handler] = []
        self.levels: dict[str, int] = {}
        self.excepthook: Any = None
        self.threading_excepthook: Any = None


_Installed = _Changes()


def _open_file(directory: Path, max_bytes: int, backups: int) -> PrivateRotatingFileHandler:
    private_dir(directory)  # an older version left it 0755
    return PrivateRotatingFileHandler(directory / LOG_FILE, max_bytes, backups)


def setup_logging(
    *,
    verbose: bool,
    terminal_tracebacks: bool = False,
    directory: Path | None = None,
    max_bytes: int = MAX_BYTES,
    backups: int = BACKUPS,
    stream: TextIO | None = None,
) -> Path | None:
    """Log to the rotating file (and with ``verbose`` everything to stderr); returns the file.

    ``terminal_tracebacks``: without ``verbose``, still print tracebacks on the
    terminal (``switcher serve``, whose terminal is its operator's log). When
    the directory cannot be created or written (a read-only home), there is no
    file and ``None`` is returned; only ``verbose`` says so. Calling it again
    replaces the previous setup.
    """
    teardown_logging()
    stream = stream if stream is not None else sys.stderr
    redaction = RedactSecrets()
    file_handler: PrivateRotatingFileHandler | None = None
    problem: str | None = None
    try:
        file_handler = _open_file(directory or log_dir(), max_bytes, backups)
    except (OSError, ValueError) as error:
        problem = str(error)
    path = Path(file_handler.baseFilename) if file_handler is not None else None
    handlers: list[logging.Handler] = []
    if file_handler is not None:
        file_handler.setLevel(logging.DEBUG if verbose else logging.INFO)
        file_handler.setFormatter(_FileFormatter())
        handlers.append(file_handler)
    terminal = logging.StreamHandler(stream)
    if verbose:
        terminal.setLevel(logging.DEBUG)
        terminal.setFormatter(
            logging.Formatter(
                "%(asctime)s.%(msecs)03d %(levelname)s %(name)s: %(message)s", "%H:%M:%S"
            )
        )
    else:
        terminal.setLevel(logging.WARNING)
        terminal.setFormatter(_OneLine(path, terminal_tracebacks))
    terminal.addFilter(_NotShownYet())
    handlers.append(terminal)

    root = logging.getLogger()
    _Installed.levels = {"": root.level}
    root.setLevel(logging.INFO)  # third-party INFO and up; their DEBUG is never wanted
    levels = {"switcher": logging.DEBUG if verbose else logging.INFO}
    levels.update(dict.fromkeys(CAPPED, logging.WARNING))
    for name, level in levels.items():
        logger = logging.getLogger(name)
        _Installed.levels[name] = logger.level
        logger.setLevel(level)
    for handler in handlers:
        handler.addFilter(redaction)  # first, so every later filter and format sees clean text
        root.addHandler(handler)
    _Installed.handlers = handlers
    _install_excepthooks()
    if problem is not None:
        if verbose:
            log.warning("no log file: %s", problem)
    elif path is not None:
        log.debug("logging to %s", path)
    return path


def teardown_logging() -> None:
    """Undo :func:`setup_logging` (for tests, and before setting up again)."""
    root = logging.getLogger()
    for handler in _Installed.handlers:
        root.removeHandler(handler)
        handler.close()
    _Installed.handlers = []
    for name, level in _Installed.levels.items():
        logging.getLogger(name or None).setLevel(level)
    _Installed.levels = {}
    if _Installed.excepthook is not None:
        sys.excepthook = _Installed.excepthook
        threading.excepthook = _Installed.threading_excepthook
        _Installed.excepthook = _Installed.threading_excepthook = None


# -- unhandled exceptions ---------------------------------------------------------------
def _install_excepthooks() -> None:
    """Tracebacks of bugs go to the log file; the terminal gets one line (all of it with -v)."""
    _Installed.excepthook = sys.excepthook
    _Installed.threading_excepthook = threading.excepthook
    previous = sys.excepthook

    def excepthook(
        kind: type[BaseException], value: BaseException, traceback: TracebackType | None
    ) -> None:
        if issubclass(kind, KeyboardInterrupt):
            previous(kind, value, traceback)  # Ctrl+C stays Ctrl+C
            return
        log.critical(
            "unhandled exception: %s: %s", kind.__name__, value, exc_info=(kind, value, traceback)
        )

    def threading_excepthook(args: threading.ExceptHookArgs) -> None:
        if args.exc_type is SystemExit:
            return  # as threading's own hook: a thread may end itself that way
        log.critical(
            "unhandled exception in thread %s: %s: %s",
            args.thread.name if args.thread else "?",
            args.exc_type.__name__,
            args.exc_value,
            exc_info=(args.exc_type, args.exc_value or args.exc_type(), args.exc_traceback),
        )

    sys.excepthook = excepthook
    threading.excepthook = threading_excepthook


def uvicorn_log_config() -> dict[str, Any]:
    """uvicorn's own logging config, except that its server lines also reach switcher's file.

    uvicorn still prints them on the terminal exactly as before (its handler);
    the terminal handler of :func:`setup_logging` skips them so nothing shows
    twice. ``uvicorn.access`` keeps ``propagate: False``: request lines (when
    enabled at all) would flood a support log and say nothing a person needs.
    """
    import copy

    from uvicorn.config import LOGGING_CONFIG

    config: dict[str, Any] = copy.deepcopy(LOGGING_CONFIG)
    config["loggers"]["uvicorn"]["propagate"] = True
    # A windowed app (the Windows bundle's switcher.exe, pythonw) has no
    # sys.stdout or sys.stderr: uvicorn's formatters would call .isatty() on
    # None and its handlers would write to nothing, so the tray app would die
    # starting its local server. Colours are decided here instead, and without
    # a terminal its lines go to switcher's log file only.
    streams = {"default": sys.stderr, "access": sys.stdout}
    for name, stream in streams.items():
        config["formatters"][name]["use_colors"] = bool(stream is not None and stream.isatty())
        if stream is None:
            config["handlers"].pop(name, None)
    for logger in config["loggers"].values():
        logger["handlers"] = [h for h in logger.get("handlers", []) if h in config["handlers"]]
    return config
