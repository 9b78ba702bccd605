"""The ``switcher`` command line."""

from __future__ import annotations

import argparse
import importlib
import logging
import os
import sys
from collections.abc import Sequence

from switcher import __version__
from switcher.cli.errors import CliError
from switcher.cli.parser import build_parser

log = logging.getLogger("switcher.cli")

EXIT_OK, EXIT_ERROR, EXIT_USAGE = 0, 1, 2

__all__ = ["CliError", "build_parser", "main"]


def _run_tray(args: argparse.Namespace) -> int:
    try:
        from switcher.gui.app import run
    except ImportError as error:
        print(
            f"switcher: the tray app needs PySide6 ({error}); "
            "pip install PySide6-Essentials, or use the commands (switcher --help)",
            file=sys.stderr,
        )
        return EXIT_ERROR
    return run(insecure_storage=args.insecure_storage)


def _what(args: argparse.Namespace) -> str:
    """The command, for the log: its name only (arguments may hold a secret, e.g. --secret)."""
    if args.command is None:
        return "tray app"
    action = getattr(args, "action", None)
    return f"{args.command} {action}" if action else str(args.command)


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    from switcher.logs import setup_logging

    setup_logging(
        verbose=args.verbose,
        # switcher serve's terminal is its operator's log: bugs show there in full.
        terminal_tracebacks=args.command == "serve",
    )
    what = _what(args)
    log.info("switcher %s: %s started", __version__, what)
    code = _dispatch(args)
    log.info("switcher %s: %s exited with status %d", __version__, what, code)
    return code


def _dispatch(args: argparse.Namespace) -> int:
    if args.command is None:
        return _run_tray(args)
    module, _, name = args.handler.partition(":")
    try:
        handler = getattr(importlib.import_module(module), name)
        code: int = handler(args)
    except CliError as error:
        from switcher.logs import REPORTED

        log.warning("failed: %s", error, extra=REPORTED)
        print(f"switcher: {error}", file=sys.stderr)
        return EXIT_ERROR
    except KeyboardInterrupt:
        log.info("interrupted")
        print("switcher: interrupted", file=sys.stderr)
        return EXIT_ERROR
    except BrokenPipeError:
        # The reader of our output went away (switcher accounts list | head):
        # nothing more can be said to it, and it is not an error of ours.
        log.info("the output was closed by its reader")
        _quiet_stdout()
        return EXIT_ERROR
    try:
        sys.stdout.flush()  # a closed pipe shows here, while it can still be handled
    except BrokenPipeError:
        _quiet_stdout()
    return code


def _quiet_stdout() -> None:
    """Point stdout at /dev/null: Python's own flush at exit would fail on the closed pipe."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
    os.close(devnull)
