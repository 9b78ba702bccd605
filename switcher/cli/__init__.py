"""The ``switcher`` command line."""

from __future__ import annotations

import argparse
import importlib
import logging
import os
import sys

from switcher.cli.errors import CliError
from switcher.cli.parser import build_parser
from switcher.display_text import terminal_text

log = logging.getLogger("switcher.cli")

EXIT_OK, EXIT_ERROR, EXIT_USAGE = 0, 1, 2

__all__ = ["EXIT_ERROR", "EXIT_OK", "EXIT_USAGE", "CliError", "build_parser", "run_command"]


def run_command(args: argparse.Namespace) -> int:
    """Run the command ``args`` name (parsed by ``build_parser``); its exit status."""
    module, _, name = args.handler.partition(":")
    try:
        handler = getattr(importlib.import_module(module), name)
        code: int = handler(args)
    except CliError as error:
        from switcher.logs import REPORTED

        log.warning("failed: %s", error, extra=REPORTED)
        # A message may quote a server, a file or a browser: no escape sequences.
        print(f"switcher: {terminal_text(str(error))}", file=sys.stderr)
        return EXIT_ERROR
    except KeyboardInterrupt:
        log.info("interrupted")
        # At a prompt the terminal shows ^C where the answer was going: a new line first.
        print(f"{chr(10) if sys.stdin.isatty() else ''}switcher: interrupted", file=sys.stderr)
        return EXIT_ERROR
    except BrokenPipeError:
        return _reader_gone()
    try:
        sys.stdout.flush()  # a closed pipe shows here, while it can still be handled
    except BrokenPipeError:
        return _reader_gone()
    return code


def _reader_gone() -> int:
    """The reader of our output went away (switcher accounts list | head).

    Nothing more can be said to it, and it is no error of ours: no message,
    and status 1 whether the pipe broke mid-output or at the last flush, as
    CPython's documentation advises (its "Note on SIGPIPE"; 1 is what Python
    exits with on EPIPE). Not SIGPIPE's own 141: dying by a signal would skip
    the log's last line and the cleanup of ``finally`` blocks.
    """
    log.info("the output was closed by its reader")
    _quiet_stdout()
    return EXIT_ERROR


def _quiet_stdout() -> None:
    """Point stdout at /dev/null: Python's own flush at exit would fail on the closed pipe."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
    os.close(devnull)
