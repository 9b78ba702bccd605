"""Stopping the helper programs the test harnesses start in their own process groups."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
from pathlib import Path

STOP_TIMEOUT = 5.0


def terminate_group(
    proc: subprocess.Popen[bytes] | subprocess.Popen[str] | None, timeout: float = STOP_TIMEOUT
) -> bool:
    """SIGTERM the process group, SIGKILL it after ``timeout``, reap the leader.

    True when the leader ended on SIGTERM (or there was nothing to stop).
    """
    if proc is None:
        return True
    for sig in (signal.SIGTERM, signal.SIGKILL):
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(proc.pid, sig)
        try:
            proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            continue
        # The leader is gone; finish off anything left in its group.
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(proc.pid, signal.SIGKILL)
        return sig == signal.SIGTERM
    return False


def open_files(pid: int, containing: str) -> list[str]:
    """What ``pid``'s open descriptors whose target contains ``containing`` point at (Linux).

    A file deleted while open reads ``<path> (deleted)``.
    """
    found = []
    with contextlib.suppress(FileNotFoundError, ProcessLookupError):
        for fd in os.scandir(f"/proc/{pid}/fd"):
            try:
                target = os.readlink(fd.path)
            except OSError:
                continue  # closed meanwhile
            if containing in target:
                found.append(target)
    return sorted(found)


def child_pids(pid: int) -> list[int]:
    """The live children of ``pid`` (Linux /proc)."""
    children = []
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/stat") as stat:
                # "pid (comm) state ppid …": comm may hold spaces, so split after it.
                fields = stat.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            children.append(int(entry.name))
    return children


def tail_of(path: Path, lines: int = 30) -> str:
    """The last lines of a helper process's log, for a failure message ("" if unreadable)."""
    try:
        text = path.read_text(errors="replace")
    except OSError:
        return ""
    return "\n".join(text.splitlines()[-lines:])


def pid_of_no_process() -> int:
    """A process id no process has or will have: one above the kernel's ``pid_max``.

    What a stale lock names once its browser is gone, without starting and
    reaping a process to get one.
    """
    return int(Path("/proc/sys/kernel/pid_max").read_text()) + 1
