"""The ``switcher`` command line."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from switcher import __version__
from switcher.cli import accounts, doctor, export, serve
from switcher.cli.errors import CliError

EXIT_OK, EXIT_ERROR, EXIT_USAGE = 0, 1, 2

__all__ = ["CliError", "build_parser", "main"]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="switcher",
        description="Switch between the accounts you are signed in with on better-auth sites.",
    )
    parser.add_argument("--version", action="version", version=f"switcher {__version__}")
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


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        return _run_tray(args)
    try:
        code: int = args.handler(args)
    except CliError as error:
        print(f"switcher: {error}", file=sys.stderr)
        return EXIT_ERROR
    except KeyboardInterrupt:
        print("switcher: interrupted", file=sys.stderr)
        return EXIT_ERROR
    return code
