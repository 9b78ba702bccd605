"""The running tray app's local channel: one app per user, and how the command line reaches it.

While the app runs it owns the live state, so the command line hands it a
switch instead of making it alone: the app applies it and the tray shows it
at once. The channel is an owner-only local socket (a Unix socket in a 0700
directory; a named pipe on Windows) speaking one JSON object per line:

    request  {"v": 1, "op": "use", "email": "...", "server": null}
    answer   {"v": 1, "ok": true, "email": "...", "server": "local"}
             {"v": 1, "ok": false, "error": "one line for the person"}

``{"v": 1, "op": "show"}`` (and the bare line ``show`` of earlier versions)
brings the app's window forward. ``{"v": 1, "op": "pick"}`` (``switcher
pick``) shows the app's quick switcher, answered ``{"ok": true}`` as soon as
it shows, not when a choice is made; its optional ``"activation_token"`` is
the XDG activation token the command was started with, without which a
Wayland compositor does not give the app's window the focus. An app that
does not know a request's version or operation answers ``ok: false`` with
``"unsupported": true``, and the command line then does the work itself. No
Qt here: the command line must start fast.
"""

from __future__ import annotations

import contextlib
import json
import os
import socket
import stat
import threading
import time
import zlib
from pathlib import Path
from typing import IO, Any

from switcher.paths import config_dir

VERSION = 1
MAX_LINE = 64 * 1024  # a request or an answer is a few hundred bytes


class ChannelError(Exception):
    """The app was reached but did not answer properly; the message says what happened."""


def _user() -> str:
    import getpass  # only where there is no private runtime directory, or on Windows

    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "user"


def _profile() -> str:
    """One app per configuration: tests and separate profiles get their own.

    A name, not a secret (the directory it lives in is private): crc32 is
    enough, and costs nothing to load where hashlib's OpenSSL costs a command
    several milliseconds.
    """
    return f"{zlib.crc32(str(config_dir().resolve()).encode()):08x}"


# Where systemd-logind makes each logged-in user's runtime directory.
SESSION_RUNTIME_ROOT = Path("/run/user")


def _session_runtime_dir() -> Path | None:
    """``/run/user/<uid>`` when it is this user's own 0700 directory: what
    ``$XDG_RUNTIME_DIR`` names in the desktop session, for a shell that lost the
    variable (su, sudo -u, ssh), so that it finds the app the desktop runs."""
    if os.name != "posix":
        return None
    candidate = SESSION_RUNTIME_ROOT / str(os.getuid())
    try:
        info = candidate.stat()
    except OSError:
        return None
    if not stat.S_ISDIR(info.st_mode) or info.st_uid != os.getuid() or info.st_mode & 0o077:
        return None
    return candidate


def runtime_dir() -> Path:
    """A directory only this user can enter: ``$XDG_RUNTIME_DIR``, else the session's
    ``/run/user/<uid>``, else a 0700 one in the temp dir."""
    base = os.environ.get("XDG_RUNTIME_DIR")
    if base and os.path.isdir(base):
        path = Path(base) / "switcher"
    elif (session := _session_runtime_dir()) is not None:
        path = session / "switcher"
    else:
        import tempfile

        path = Path(tempfile.gettempdir()) / f"switcher-{_user()}"
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    if os.name == "posix":
        info = path.stat()
        if info.st_uid != os.getuid() or info.st_mode & 0o077:
            # Someone else made it (a shared /tmp): never talk through it.
            raise ChannelError(f"{path} is not private to this user; remove it and retry")
    return path


def channel_name() -> str:
    """What ``QLocalServer.listen`` takes: a socket path (POSIX) or a pipe name (Windows)."""
    if os.name == "nt":
        return f"switcher-{_user()}-{_profile()}"
    return str(runtime_dir() / f"{_profile()}.sock")


def lock_path() -> Path:
    """Held by the one running (or starting) app for as long as it runs."""
    return runtime_dir() / f"{_profile()}.lock"


class InstanceLock:
    """Who may be the app: the first process to take this lock, until it exits."""

    def __init__(self, path: Path | None = None) -> None:
        self.path = path or lock_path()
        self._handle: IO[bytes] | None = None

    def try_acquire(self) -> bool:
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        handle = os.fdopen(fd, "r+b")
        try:
            if os.name == "nt":
                import msvcrt

                msvcrt.locking(handle.fileno(), msvcrt.LK_NBLCK, 1)  # type: ignore[attr-defined]
            else:
                import fcntl

                fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            handle.close()
            return False
        self._handle = handle
        return True

    def release(self) -> None:
        if self._handle is not None:
            self._handle.close()  # closing the only descriptor drops the lock
            self._handle = None


def _connect(timeout: float, name: str) -> Any:
    """A connected stream to the app, or None when no app listens."""
    if os.name == "nt":
        path = rf"\\.\pipe\{name}"
        deadline = time.monotonic() + timeout
        while True:
            try:
                return open(path, "r+b", buffering=0)
            except FileNotFoundError:
                return None
            except OSError as error:
                # ERROR_PIPE_BUSY (231): every instance is answering someone else.
                if getattr(error, "winerror", None) != 231 or time.monotonic() > deadline:
                    return None
                time.sleep(0.02)
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    sock.settimeout(timeout)
    try:
        sock.connect(name)
    except (FileNotFoundError, ConnectionRefusedError):
        sock.close()
        return None  # no app, or one that crashed and left its socket file
    except OSError:
        sock.close()
        raise
    return sock


def ask(request: dict[str, Any], timeout: float, name: str | None = None) -> dict[str, Any] | None:
    """The running app's answer to ``request``; None when no app runs or it cannot do this.

    ``timeout`` bounds the whole exchange; a request that the app accepted
    but did not answer in time is a ``ChannelError`` (it may still happen).
    """
    try:
        stream = _connect(min(timeout, 2.0), name or channel_name())
    except (OSError, ChannelError):
        return None
    if stream is None:
        return None
    with contextlib.closing(stream):
        line = json.dumps({"v": VERSION, **request}).encode() + b"\n"
        deadline = time.monotonic() + timeout
        try:
            if isinstance(stream, socket.socket):
                stream.sendall(line)
                raw = _read_line(stream, deadline)
            else:
                stream.write(line)
                raw = _read_pipe_line(stream, deadline)
        except TimeoutError:
            raise ChannelError(
                f"the running switcher app did not answer within {timeout:.0f} s"
            ) from None
        except OSError:
            raise ChannelError("the running switcher app closed the connection") from None
    if not raw:
        raise ChannelError("the running switcher app closed the connection without answering")
    try:
        answer = json.loads(raw)
    except ValueError:
        raise ChannelError("the running switcher app answered something unreadable") from None
    if not isinstance(answer, dict) or answer.get("unsupported"):
        return None  # another version of the app: do it ourselves
    return answer


def _read_line(sock: socket.socket, deadline: float) -> bytes:
    chunks: list[bytes] = []
    size = 0
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            raise TimeoutError
        sock.settimeout(left)
        chunk = sock.recv(4096)
        if not chunk:
            return b"".join(chunks)
        chunks.append(chunk)
        size += len(chunk)
        if b"\n" in chunk or size > MAX_LINE:
            return b"".join(chunks).split(b"\n", 1)[0]


def _read_pipe_line(stream: IO[bytes], deadline: float) -> bytes:
    """A line from a Windows pipe, whose reads cannot time out: read on a thread, wait for it."""
    box: list[bytes] = []
    reader = threading.Thread(target=lambda: box.append(stream.readline(MAX_LINE)), daemon=True)
    reader.start()
    reader.join(max(0.0, deadline - time.monotonic()))
    if reader.is_alive():
        raise TimeoutError
    return box[0] if box else b""


def parse_request(raw: bytes) -> dict[str, Any]:
    """A request line as the app receives it; the bare ``show`` of earlier versions included."""
    text = raw.strip()
    if text == b"show":
        return {"v": VERSION, "op": "show"}
    try:
        data = json.loads(text)
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


def encode_answer(**fields: Any) -> bytes:
    return json.dumps({"v": VERSION, **fields}).encode() + b"\n"
