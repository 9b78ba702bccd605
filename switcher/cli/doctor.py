"""``switcher doctor``: what works on this machine and what to do about the rest.

The checks live in ``switcher.doctor`` (its docstring documents the JSON);
this module only renders them. Exit status 1 when a check failed, else 0.
"""

from __future__ import annotations

import argparse
import json
import sys
import textwrap
from typing import TYPE_CHECKING

from switcher.display_text import terminal_text

if TYPE_CHECKING:
    # Imported when the doctor runs, not when any command builds its parser:
    # the checks pull in much that other commands never need (~35 ms).
    from switcher.doctor import Check, Report

WIDTH = 100
LABELS = {"ok": "ok", "info": "info", "warn": "WARN", "fail": "FAIL"}


def run(args: argparse.Namespace) -> int:
    from switcher.doctor import print_tray_probe, run_checks

    if args.tray_probe:
        return print_tray_probe()
    try:
        report = run_checks(
            insecure_storage=bool(getattr(args, "insecure_storage", False)),
            server_name=getattr(args, "server", None),
        )
    except Exception as error:
        # Each check catches its own errors; this is the last line against a traceback.
        print(
            f"switcher: the doctor itself failed ({type(error).__name__}: {error})", file=sys.stderr
        )
        return 1
    if args.json:
        print(json.dumps(report.to_json(), indent=2))
    else:
        # Servers' answers are quoted in the report: no escape sequences.
        print(terminal_text(render(report)))
    return 1 if report.failed else 0


def render(report: Report) -> str:
    pyside = f"PySide6 {report.pyside6}" if report.pyside6 else "PySide6 not installed"
    lines = [
        f"switcher {report.switcher}, Python {report.python}, {report.platform}, {pyside}",
        "",
    ]
    width = max((len(check.name) for check in report.checks), default=0)
    for check in report.checks:
        lines += _render_check(check, width)
    lines += ["", _verdict(report)]
    return "\n".join(lines)


def _render_check(check: Check, width: int) -> list[str]:
    head = f"{LABELS[check.status]:<4}  {check.name:<{width}}  "
    indent = " " * len(head)
    lines = [head + check.summary]
    lines += [indent + detail for detail in check.details]
    if check.hint:
        lines += textwrap.wrap(
            check.hint,
            width=max(WIDTH, len(indent) + 40),
            initial_indent=indent + "what to do: ",
            subsequent_indent=indent + "  ",
            break_on_hyphens=False,
            break_long_words=False,
        )
    return lines


def _verdict(report: Report) -> str:
    failed, warned = report.count("fail"), report.count("warn")
    if not failed and not warned:
        return "Everything switcher needs works here."
    parts = []
    if failed:
        parts.append(f"{failed} failed")
    if warned:
        parts.append(f"{warned} warning{'s' if warned != 1 else ''}")
    return ", ".join(parts) + " (see what to do above)."
