"""The ``switcher`` command line."""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence

from switcher import __version__
from switcher.cli import accounts, doctor, export, serve
from switcher.cli.errors import CliError
from switcher.logs import REPORTED, setup_logging

log = logging.getLogger("switcher.cli")

EXIT_OK, EXIT_ERROR, EXIT_USAGE = 0, 1, 2

__all__ = ["CliError", "build_parser", "main"]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="switcher",
        description="Switch between the accounts you are signed in with on better-auth sites.",
    )
    parser.add_argument("--version", action="version", version=f"switcher {__version__}")
    # Global, like --server: given before the command (``switcher -v accounts list``).
    parser.add_argument(
        "-v",
        "--verbose",
        action="store_true",
        help="also show debug detail on the terminal (give it before the command); "
        "the log file is in the platform's log directory either way",
    )
    accounts.add_global_options(parser)
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    serve.add_parser(commands)
    accounts.add_parsers(commands)
    export.add_parser(commands)
    export.add_open_parser(commands)
    doctor.add_parser(commands)
    return parser


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
    try:
        code: int = args.handler(args)
    except CliError as error:
        log.warning("failed: %s", error, extra=REPORTED)
        print(f"switcher: {error}", file=sys.stderr)
        return EXIT_ERROR
    except KeyboardInterrupt:
        log.info("interrupted")
        print("switcher: interrupted", file=sys.stderr)
        return EXIT_ERROR
    return code
