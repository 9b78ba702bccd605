"""The ``switcher`` program: the tray app without a command, the command line with one.

Above both front-ends, so that neither imports the other: the command line's
grammar parses the global options for both.
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence

from switcher import __version__
from switcher.cli import EXIT_ERROR, build_parser, run_command

log = logging.getLogger("switcher")


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
    code = _run_tray(args) if args.command is None else run_command(args)
    log.info("switcher %s: %s exited with status %d", __version__, what, code)
    return code
