"""A Chromium-family browser driven over the DevTools protocol on a pipe.

``--remote-debugging-pipe`` makes the browser read commands on its fd 3 and
answer on its fd 4, each message JSON ended by a NUL byte. Unlike
``--remote-debugging-port`` nothing listens on the network (no other program
on the machine can reach the browser), no WebSocket client is needed, and the
browser shows no "controlled by automated software" bar: the person sees an
ordinary window. ``posix_spawn`` places the two pipe ends at fds 3 and 4 in
the child (Linux and macOS; Windows would need handle inheritance instead).

Cookie values cross this pipe: nothing read from it is ever logged.
"""

from __future__ import annotations

import contextlib
import json
import os
import select
import signal
import sys
import time
from collections.abc import Sequence
from typing import Any

COMMAND_TIMEOUT = 10.0  # seconds for one answer; a browser that takes longer is stuck
CLOSE_GRACE = 5.0  # seconds for the browser to exit after Browser.close


class PipeClosedError(Exception):
    """The browser is gone (closed by the person, or crashed)."""


class DevToolsError(Exception):
    """The browser answered a command with an error, or not at all."""


def supported() -> bool:
    return sys.platform != "win32" and hasattr(os, "posix_spawn")


class DevToolsPipe:
    """One browser process and its DevTools pipe; commands are answered in order."""

    def __init__(self, arguments: Sequence[str]) -> None:
        child_reads, self._to_browser = os.pipe()
        self._from_browser, child_writes = os.pipe()
        devnull = os.open(os.devnull, os.O_RDWR)
        try:
            self.pid = os.posix_spawn(
                arguments[0],
                list(arguments),
                os.environ.copy(),
                file_actions=[
                    (os.POSIX_SPAWN_DUP2, devnull, 0),
                    (os.POSIX_SPAWN_DUP2, devnull, 1),
                    (os.POSIX_SPAWN_DUP2, devnull, 2),
                    (os.POSIX_SPAWN_DUP2, child_reads, 3),
                    (os.POSIX_SPAWN_DUP2, child_writes, 4),
                ],
                # Its own session: signals for switcher (Ctrl+C) are not the browser's.
                setsid=True,
            )
        except OSError:
            os.close(self._to_browser)
            os.close(self._from_browser)
            raise
        finally:
            for fd in (child_reads, child_writes, devnull):
                os.close(fd)
        self._buffer = b""
        self._next_id = 0
        self._exited = False

    def call(self, method: str, params: dict[str, Any] | None = None) -> dict[str, Any]:
        """Send one command and wait for its answer (events in between are skipped)."""
        self._next_id += 1
        wanted = self._next_id
        message = json.dumps({"id": wanted, "method": method, "params": params or {}})
        try:
            os.write(self._to_browser, message.encode() + b"\0")
        except (BrokenPipeError, OSError):
            raise PipeClosedError from None
        deadline = time.monotonic() + COMMAND_TIMEOUT
        while True:
            answer = self._receive(deadline)
            if answer.get("id") != wanted:
                continue
            if "error" in answer:
                error = answer["error"]
                text = error.get("message", "error") if isinstance(error, dict) else "error"
                raise DevToolsError(f"{method}: {text}")
            result = answer.get("result", {})
            return result if isinstance(result, dict) else {}

    def _receive(self, deadline: float) -> dict[str, Any]:
        while b"\0" not in self._buffer:
            left = deadline - time.monotonic()
            if left <= 0:
                raise DevToolsError("the browser did not answer")
            ready, _, _ = select.select([self._from_browser], [], [], left)
            if not ready:
                continue
            chunk = os.read(self._from_browser, 1 << 16)
            if not chunk:
                raise PipeClosedError
            self._buffer += chunk
        message, _, self._buffer = self._buffer.partition(b"\0")
        try:
            decoded = json.loads(message)
        except ValueError:
            return {}
        return decoded if isinstance(decoded, dict) else {}

    def running(self) -> bool:
        if self._exited:
            return False
        try:
            pid, _ = os.waitpid(self.pid, os.WNOHANG)
        except ChildProcessError:
            pid = self.pid
        self._exited = pid == self.pid
        return not self._exited

    def close(self) -> None:
        """Close the browser as its own Quit does (the profile is flushed), else kill it."""
        if self.running():
            with contextlib.suppress(PipeClosedError, DevToolsError):
                self.call("Browser.close")
            deadline = time.monotonic() + CLOSE_GRACE
            while self.running() and time.monotonic() < deadline:
                time.sleep(0.05)
            if self.running():
                kill_group(self.pid)
                os.waitpid(self.pid, 0)
                self._exited = True
        for fd in (self._to_browser, self._from_browser):
            with contextlib.suppress(OSError):
                os.close(fd)
        self._to_browser = self._from_browser = -1


def kill_group(pid: int) -> None:
    """Kill a browser and the processes it started (renderers, GPU process)."""
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pid, signal.SIGKILL)
