"""The CLI's one-line failure."""

from __future__ import annotations


class CliError(Exception):
    """A failure to report as one line, exit status 1."""
