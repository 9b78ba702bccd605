"""The log file (rotation, permissions), the redaction filter, the terminal and excepthooks."""

from __future__ import annotations

import io
import logging
import os
import stat
import sys
import threading
from pathlib import Path

import pytest

from switcher.logs import (
    LOG_FILE,
    REPORTED,
    PrivateRotatingFileHandler,
    redact,
    setup_logging,
    teardown_logging,
    uvicorn_log_config,
)
from switcher.protocol.signing import Signer

TOKEN = "Zr2vYq8hN3kLpW5xC7bD1fG4jM6sT9uA"  # better-auth's shape: 32 letters and digits


SIGNED = Signer("a-server-secret-of-at-least-32-characters").sign(TOKEN)


UNENCODED = SIGNED.replace("%2B", "+").replace("%2F", "/").replace("%3D", "=")


log = logging.getLogger("switcher.test")


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_the_file_rotates_and_stays_private(tmp_path: Path) -> None:
    directory = tmp_path / "state" / "logs"
    path = setup_logging(verbose=False, directory=directory, max_bytes=2000, backups=2)
    assert path == directory / LOG_FILE
    for n in range(200):
        log.info("line %d of a long enough message to fill the file quickly", n)
    teardown_logging()
    names = sorted(p.name for p in directory.iterdir())
    assert names == [LOG_FILE, f"{LOG_FILE}.1", f"{LOG_FILE}.2"]  # 2 backups, the oldest gone
    assert _mode(directory) == 0o700
    for name in names:
        assert _mode(directory / name) == 0o600
        assert (directory / name).stat().st_size <= 2000
    assert "line 199 of" in path.read_text()


def test_a_rotation_another_process_blocks_keeps_the_lines(tmp_path: Path) -> None:
    # On Windows a log file another switcher process has open can't be renamed;
    # that refusal can't be caused on Linux, so the handler's rotator raises it.
    path = setup_logging(verbose=False, directory=tmp_path, max_bytes=2000, backups=2)
    assert path is not None
    (handler,) = (
        h for h in logging.getLogger().handlers if isinstance(h, PrivateRotatingFileHandler)
    )

    def refused(source: str, dest: str) -> None:
        raise PermissionError(32, "The process cannot access the file", source)

    handler.rotator = refused
    for n in range(100):
        log.info("line %d of a long enough message to fill the file quickly", n)
    text = path.read_text()
    assert "line 0 of" in text and "line 99 of" in text  # nothing lost, nothing rotated
    assert not (tmp_path / f"{LOG_FILE}.1").exists()
    # Once the other process lets go (and the retry delay has passed), it rotates again.
    handler.rotator = None
    handler.retry_after = 0.0
    log.info("after the other process quit")
    teardown_logging()
    assert (tmp_path / f"{LOG_FILE}.1").exists()
    assert "after the other process quit" in path.read_text()


def test_an_existing_file_is_made_private(tmp_path: Path) -> None:
    (tmp_path / LOG_FILE).write_text("from an older version\n")
    (tmp_path / LOG_FILE).chmod(0o644)
    setup_logging(verbose=False, directory=tmp_path)
    assert _mode(tmp_path / LOG_FILE) == 0o600


def test_lines_have_a_timestamp_pid_level_and_logger(tmp_path: Path) -> None:
    import os
    import re

    path = setup_logging(verbose=False, directory=tmp_path)
    assert path is not None
    log.info("hello")
    log.debug("not without --verbose")
    (line,) = path.read_text().splitlines()
    assert re.fullmatch(
        rf"\d{{4}}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{{3}}[+-]\d\d:\d\d {os.getpid()} "
        r"INFO switcher\.test: hello",
        line,
    ), line


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (f"value {SIGNED} here", "value [redacted] here"),
        (f"value {UNENCODED}", "value [redacted]"),
        (f"Cookie: better-auth.session_token={SIGNED}; x=1", "Cookie: [redacted]"),
        (
            f"set-cookie: better-auth.session_token={SIGNED}; Path=/; HttpOnly",
            "set-cookie: [redacted]",
        ),
        ({"cookie": "a=b"}.__repr__(), "{'cookie': [redacted]"),
        (f"better-auth.session_token={SIGNED}", "better-auth.session_token=[redacted]"),
        ("password=hunter2&email=a@b.c", "password=[redacted]&email=a@b.c"),
        (
            '{"email": "a@b.c", "password": "hunter 2"}',
            '{"email": "a@b.c", "password": "[redacted]"}',
        ),
        ("password: hunter2", "password: [redacted]"),
        ("Authorization: Bearer abc.def-ghi", "Authorization: [redacted]"),
        ("sent Bearer abc.def-ghi", "sent Bearer [redacted]"),
        (
            f"better-auth.session_token_multi-{TOKEN.lower()}=x",
            "better-auth.session_token_multi-[redacted]=[redacted]",
        ),
        ("postgresql://app:s3cret@db/auth", "postgresql://app:[redacted]@db/auth"),
        ("BETTER_AUTH_SECRET=abcdef", "BETTER_AUTH_SECRET=[redacted]"),
    ],
)
def test_redaction(text: str, expected: str) -> None:
    assert redact(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "switcher 0.1.0: accounts add started",
        "signed in alice-1f2e3d4c5b@example.com on remote (http://127.0.0.1:40123): added, active",
        "exported 3 cookies to cookies.txt file /tmp/pytest-of-root/pytest-7/test_x0/cookies.txt",
        "ignored a cookie from https://app.example.com: Secure cookie from an insecure origin",
        "server remote offline: cannot connect to http://127.0.0.1:9 (connection refused)",
        "secret store failed reading: the keyring is locked (reading a session)",
        "alice@example.com's session on local revoked",
        "the session token was refused: INVALID_SESSION_TOKEN",
        'File "/work/main/.venv/lib/python3.11/site-packages/httpx/_client.py", line 1014',
        "user 8fQ2mZ7kR1xV4nB6cT3yH9wJ5dL0sP2e switched",
    ],
)
def test_ordinary_text_is_untouched(text: str) -> None:
    assert redact(text) == text


def test_every_handler_redacts_messages_and_tracebacks(tmp_path: Path) -> None:
    terminal = io.StringIO()
    path = setup_logging(verbose=True, directory=tmp_path, stream=terminal)
    assert path is not None
    log.info("got %s", f"better-auth.session_token={SIGNED}")
    try:
        raise ValueError(f"bad cookie value {UNENCODED}")
    except ValueError:
        log.exception("a bug")
    written = path.read_text()
    for output in (written, terminal.getvalue()):
        assert TOKEN not in output
        assert "better-auth.session_token=[redacted]" in output
        assert "ValueError: bad cookie value [redacted]" in output


def test_the_terminal_without_verbose_shows_warnings_only_once_and_no_traceback(
    tmp_path: Path,
) -> None:
    terminal = io.StringIO()
    path = setup_logging(verbose=False, directory=tmp_path, stream=terminal)
    log.debug("debug detail")
    log.info("something happened")
    log.warning("the CLI printed this already", extra=REPORTED)
    log.warning("ignored a cookie")
    try:
        raise RuntimeError("boom")
    except RuntimeError:
        log.exception("refresh failed")
    assert terminal.getvalue() == (
        f"switcher: ignored a cookie\nswitcher: refresh failed (details in {path})\n"
    )
    assert path is not None
    written = path.read_text()
    assert "debug detail" not in written
    assert "something happened" in written
    assert "the CLI printed this already" in written
    assert "Traceback (most recent call last)" in written
    assert "RuntimeError: boom" in written


def test_verbose_shows_debug_on_the_terminal_and_in_the_file(tmp_path: Path) -> None:
    terminal = io.StringIO()
    path = setup_logging(verbose=True, directory=tmp_path, stream=terminal)
    assert path is not None
    log.debug("debug detail")
    assert " DEBUG switcher.test: debug detail" in terminal.getvalue()
    assert " DEBUG switcher.test: debug detail" in path.read_text()


def test_third_party_request_logs_are_capped_even_with_verbose(tmp_path: Path) -> None:
    terminal = io.StringIO()
    path = setup_logging(verbose=True, directory=tmp_path, stream=terminal)
    assert path is not None
    logging.getLogger("httpx").info('HTTP Request: POST http://x/api/auth/sign-in "200 OK"')
    logging.getLogger("httpcore.http11").debug("send_request_headers.started")
    logging.getLogger("aiosqlite").debug("executing insert into session")
    logging.getLogger("httpx").warning("a real problem")
    for output in (terminal.getvalue(), path.read_text()):
        assert "HTTP Request" not in output
        assert "send_request_headers" not in output
        assert "executing" not in output
        assert "a real problem" in output


def test_an_unwritable_directory_means_no_file_and_no_fuss(tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    quiet = io.StringIO()
    # A directory under a regular file cannot exist, even for root.
    assert setup_logging(verbose=False, directory=blocker / "logs", stream=quiet) is None
    log.info("still works")
    log.warning("and warns")
    assert quiet.getvalue() == "switcher: and warns\n"
    told = io.StringIO()
    assert setup_logging(verbose=True, directory=blocker / "logs", stream=told) is None
    (line,) = told.getvalue().splitlines()
    assert "WARNING switcher: no log file:" in line


def test_uncaught_exceptions_go_to_the_file_with_one_line_on_the_terminal(
    tmp_path: Path,
) -> None:
    terminal = io.StringIO()
    path = setup_logging(verbose=False, directory=tmp_path, stream=terminal)
    assert path is not None
    try:
        raise KeyError("in a slot")
    except KeyError:
        sys.excepthook(*sys.exc_info())  # what Python (and PySide, for a slot) calls

    def crash() -> None:
        raise OSError("in a thread")

    thread = threading.Thread(target=crash, name="crasher")
    thread.start()
    thread.join()
    lines = terminal.getvalue().splitlines()
    assert lines == [
        f"switcher: unhandled exception: KeyError: 'in a slot' (details in {path})",
        f"switcher: unhandled exception in thread crasher: OSError: in a thread "
        f"(details in {path})",
    ]
    written = path.read_text()
    assert written.count("Traceback (most recent call last)") == 2
    assert 'raise KeyError("in a slot")' in written
    assert 'raise OSError("in a thread")' in written


def test_teardown_restores_what_setup_changed(tmp_path: Path) -> None:
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    hooks = (sys.excepthook, threading.excepthook)
    setup_logging(verbose=True, directory=tmp_path)
    setup_logging(verbose=False, directory=tmp_path)  # again: replaces, does not add
    assert len(root.handlers) == len(handlers) + 2
    teardown_logging()
    assert (root.handlers, root.level) == (handlers, level)
    assert (sys.excepthook, threading.excepthook) == hooks


def test_uvicorn_lines_reach_the_file_but_not_its_access_lines() -> None:
    from uvicorn.config import LOGGING_CONFIG

    config = uvicorn_log_config()
    assert config["loggers"]["uvicorn"]["propagate"] is True
    assert config["loggers"]["uvicorn.access"]["propagate"] is False
    assert LOGGING_CONFIG["loggers"]["uvicorn"]["propagate"] is False  # a copy was changed


def test_a_file_another_process_rotated_is_followed(tmp_path: Path) -> None:
    """The tray app runs for days; commands beside it rotate the shared file."""
    path = setup_logging(verbose=False, directory=tmp_path, max_bytes=100_000, backups=2)
    assert path is not None
    log.info("before the other process rotated")
    os.replace(path, tmp_path / f"{LOG_FILE}.1")  # what another process's rotation does
    log.info("after the other process rotated")
    teardown_logging()
    assert "after the other process rotated" in path.read_text()
    assert "after" not in (tmp_path / f"{LOG_FILE}.1").read_text()


def test_a_log_directory_an_older_version_left_open_is_made_private(tmp_path: Path) -> None:
    directory = tmp_path / "logs"
    directory.mkdir(mode=0o755)
    os.chmod(directory, 0o755)
    setup_logging(verbose=False, directory=directory)
    teardown_logging()
    assert _mode(directory) == 0o700
