"""The one way tests run ``switcher ARGS``: as a person does, or inside the test.

``Cli.subprocess`` runs ``python -m switcher`` in a child process (end-to-end
tests: the real entry point, imports, exit codes and a real Secret Service);
``Cli.in_process`` calls ``switcher.main.main`` in this process with the same
environment, standard input and captured output (unit tests: no child
process). Both return a ``Ran`` and apply the same checks: no traceback is
ever shown, every output is kept for the secrets check, and by default a
command must succeed.
"""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, redirect_stderr, redirect_stdout
from dataclasses import dataclass, field
from pathlib import Path
from subprocess import Popen

from tests.support.targets import PASSWORD

COMMAND_TIMEOUT = 60.0  # seconds a command may take before the test fails
# How a person with switcher installed from this checkout starts it. Tests that
# need the process itself (a pty, a closed pipe, the tray app, signals) start
# this command with a ``Cli``'s ``env``.
SWITCHER_COMMAND = (sys.executable, "-m", "switcher")


@dataclass(frozen=True)
class Ran:
    """What one command did: its exit status and everything it printed."""

    returncode: int
    stdout: str
    stderr: str


def cli_env(root: Path, base: dict[str, str]) -> dict[str, str]:
    """``base`` with switcher's directories under ``root``: never the real home."""
    env = dict(base)
    env["SWITCHER_CONFIG_DIR"] = str(root / "config")
    env["SWITCHER_DATA_DIR"] = str(root / "data")
    env["SWITCHER_LOG_DIR"] = str(root / "logs")
    env["SWITCHER_CACHE_DIR"] = str(root / "cache")
    # A terminal, as a person has it: the widget tests set Qt's offscreen
    # platform for the whole test process, which the commands must not inherit
    # (a desktop's own choice, such as xcb on Xvfb, stays).
    if env.get("QT_QPA_PLATFORM") == "offscreen":
        del env["QT_QPA_PLATFORM"]
    return env


@dataclass
class Cli:
    env: dict[str, str]
    root: Path
    outputs: list[str] = field(default_factory=list)  # everything printed, for the secrets check
    in_this_process: bool = False

    @classmethod
    def subprocess(cls, root: Path, base_env: dict[str, str]) -> Cli:
        return cls(cli_env(root, base_env), root)

    @classmethod
    def in_process(cls, root: Path) -> Cli:
        return cls(cli_env(root, dict(os.environ)), root, in_this_process=True)

    @contextmanager
    def started(self, *args: str) -> Iterator[Popen[str]]:
        """``switcher ARGS`` running while the test acts (a signal, a window); killed after."""
        with Popen(
            [*SWITCHER_COMMAND, *args],
            env=self.env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        ) as process:
            try:
                yield process
            finally:
                process.kill()

    def with_env(self, **changes: str | None) -> Cli:
        """The same directories and output record; ``changes`` to its env (``None`` unsets)."""
        env = dict(self.env)
        for key, value in changes.items():
            if value is None:
                env.pop(key, None)
            else:
                env[key] = value
        return Cli(env, self.root, self.outputs, self.in_this_process)

    def __call__(
        self,
        *args: str,
        stdin: str | None = None,
        check: bool = True,
        env: dict[str, str] | None = None,
    ) -> Ran:
        environment = {**self.env, **(env or {})}
        if self.in_this_process:
            ran = _run_here(list(args), stdin, environment)
        else:
            done = subprocess.run(
                [*SWITCHER_COMMAND, *args],
                input=stdin,
                capture_output=True,
                text=True,
                env=environment,
                timeout=COMMAND_TIMEOUT,
                check=False,
            )
            ran = Ran(done.returncode, done.stdout, done.stderr)
        if not args or args[0] != "cookie":  # the one command whose job is to print a secret
            self.outputs.append(ran.stdout + ran.stderr)
        assert "Traceback" not in ran.stderr, ran.stderr
        if check:
            assert ran.returncode == 0, ran.stderr
        return ran

    def add(
        self,
        email: str,
        *extra: str,
        check: bool = True,
        env: dict[str, str] | None = None,
        before: tuple[str, ...] = (),
    ) -> Ran:
        """``accounts add`` with the test password; ``before``: global options (--server …)."""
        return self(
            *before,
            "accounts",
            "add",
            email,
            "--password-stdin",
            *extra,
            stdin=PASSWORD + "\n",
            check=check,
            env=env,
        )

    def listing(self) -> dict[str, object]:
        data: dict[str, object] = json.loads(self("accounts", "list", "--json").stdout)
        return data

    def active(self) -> str | None:
        """The email of the current server's active account, as ``accounts list`` says."""
        accounts = self.listing()["accounts"]
        assert isinstance(accounts, list)
        return next((str(a["email"]) for a in accounts if a["active"]), None)

    def wait_for_active(self, email: str, failure: str, timeout: float = 20.0) -> None:
        """Until ``email`` is the active account (another process switches)."""
        deadline = time.monotonic() + timeout
        while self.active() != email:
            assert time.monotonic() < deadline, failure
            time.sleep(0.1)


def _run_here(args: list[str], stdin: str | None, env: dict[str, str]) -> Ran:
    from switcher.main import main

    out, err = io.StringIO(), io.StringIO()
    with _environment(env), _stdin(stdin), redirect_stdout(out), redirect_stderr(err):
        try:
            code = main(args)
        except SystemExit as exit_:  # argparse's usage errors
            code = exit_.code if isinstance(exit_.code, int) else 1
    return Ran(code, out.getvalue(), err.getvalue())


@contextmanager
def _environment(env: dict[str, str]) -> Iterator[None]:
    saved = dict(os.environ)
    os.environ.clear()
    os.environ.update(env)
    try:
        yield
    finally:
        os.environ.clear()
        os.environ.update(saved)


@contextmanager
def _stdin(text: str | None) -> Iterator[None]:
    saved = sys.stdin
    sys.stdin = io.StringIO(text or "")
    try:
        yield
    finally:
        sys.stdin = saved


Answer = str | Callable[[], str]  # a callable is asked when its prompt shows
CTRL_D = "\x04"  # as an answer: end of input at the prompt


def typed_at_a_terminal(cli: Cli, args: list[str], answers: list[Answer]) -> tuple[int, str]:
    """Run the command on a pseudo-terminal, typing each answer at its prompt.

    A prompt is printed text ending in ``:``; every output is kept for the
    secrets check. Returns the exit status and everything the terminal showed.
    """
    import pty
    import select
    import time

    pid, fd = pty.fork()
    if pid == 0:  # the child: the command, with the pty as its terminal
        try:
            os.execve(SWITCHER_COMMAND[0], [*SWITCHER_COMMAND, *args], cli.env)
        finally:
            os._exit(127)  # never back into pytest
    seen = b""
    since = b""  # printed since the last answer: a new prompt, or not yet
    pending = list(answers)
    deadline = time.monotonic() + COMMAND_TIMEOUT
    while time.monotonic() < deadline:
        ready, _, _ = select.select([fd], [], [], 0.5)
        if not ready:
            continue
        try:
            chunk = os.read(fd, 1024)
        except OSError:  # the child closed the terminal: it ended
            break
        if not chunk:
            break
        seen += chunk
        since += chunk
        # getpass flushes what was typed ahead: answer each prompt once shown.
        if pending and since.rstrip().endswith(b":"):
            answer = pending.pop(0)
            text = answer if isinstance(answer, str) else answer()
            # Ctrl+D (end of input) is typed alone, with no Enter after it.
            os.write(fd, text.encode() if text == CTRL_D else text.encode() + b"\n")
            since = b""
    _, status = os.waitpid(pid, 0)
    os.close(fd)
    shown = seen.decode(errors="replace")
    cli.outputs.append(shown)
    assert "Traceback" not in shown, shown
    return os.waitstatus_to_exitcode(status), shown
