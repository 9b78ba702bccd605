"""The ``switcher`` program: the tray app without a command, the command line with one.

Above both front-ends, so that neither imports the other: the command line's
grammar parses the global options for both.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING

from switcher import __version__

if TYPE_CHECKING:
    import argparse

log = logging.getLogger("switcher")


def _run_tray(insecure_storage: bool) -> int:
    try:
        from switcher.gui.app import run
    except ImportError as error:
        print(
            f"switcher: the tray app needs PySide6 ({error}); "
            "pip install PySide6-Essentials, or use the commands (switcher --help)",
            file=sys.stderr,
        )
        return 1  # EXIT_ERROR
    return run(insecure_storage=insecure_storage)


def _what(args: argparse.Namespace) -> str:
    """The command, for the log: its name only (arguments may hold a secret, e.g. --secret)."""
    if args.command is None:
        return "tray app"
    action = getattr(args, "action", None)
    return f"{args.command} {action}" if action else str(args.command)


def main(argv: Sequence[str] | None = None) -> int:
    from switcher.logs import setup_logging

    arguments = sys.argv[1:] if argv is None else list(argv)
    if not arguments:
        # The tray app as a menu, autostart or `make run` start it: no grammar
        # to parse, so the command line's (argparse and every command's
        # options, ~0.8 MiB) is never loaded into the long-running app.
        setup_logging(verbose=False, terminal_tracebacks=False)
        log.info("switcher %s: tray app started", __version__)
        code = _run_tray(insecure_storage=False)
        log.info("switcher %s: tray app exited with status %d", __version__, code)
        return code
    from switcher.cli import build_parser, run_command

    args = build_parser().parse_args(arguments)

    setup_logging(
        verbose=args.verbose,
        # switcher serve's terminal is its operator's log: bugs show there in full.
        terminal_tracebacks=args.command == "serve",
    )
    what = _what(args)
    log.info("switcher %s: %s started", __version__, what)
    code = _run_tray(args.insecure_storage) if args.command is None else run_command(args)
    log.info("switcher %s: %s exited with status %d", __version__, what, code)
    return code
