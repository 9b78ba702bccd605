"""Reading a desktop entry's Exec line back the way a desktop does (Desktop Entry spec)."""

from __future__ import annotations

import re
from pathlib import Path


def parse_exec(value: str) -> list[str]:
    """An Exec value back to its arguments, by the Desktop Entry spec (string escapes,
    then double-quoted arguments with backslash escapes, then ``%%``)."""
    text = re.sub(
        r"\\(.)", lambda m: {"s": " ", "n": "\n", "t": "\t", "r": "\r"}.get(m[1], m[1]), value
    )
    args: list[str] = []
    for quoted, plain in re.findall(r'"((?:[^"\\]|\\.)*)"|(\S+)', text):
        word = re.sub(r"\\(.)", r"\1", quoted) if quoted or not plain else plain
        args.append(word.replace("%%", "%"))
    return args


def exec_line(entry: Path) -> str:
    (line,) = (line for line in entry.read_text().splitlines() if line.startswith("Exec="))
    return line.removeprefix("Exec=")
