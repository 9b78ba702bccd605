"""``switcher accounts add --browser``: sign in in a browser window, any way the site allows."""

from __future__ import annotations

import argparse
import math
import signal
import sys
from typing import Any

from switcher.accounts import Accounts
from switcher.browser_sign_in import DEFAULT_TIMEOUT, sign_in_with_browser
from switcher.browsers.registry import label
from switcher.cli.errors import CliError
from switcher.cli.parser import FIRST_INSTALLED

# Options of a sign-in made here, which a browser sign-in does itself.
_HERE_ONLY = (
    ("password_stdin", "--password-stdin"),
    ("sign_up", "--sign-up"),
    ("name", "--name"),
    ("no_remember", "--no-remember"),
    ("magic_link", "--magic-link"),
    ("email_code", "--email-code"),
    ("two_factor", "--two-factor"),
    ("trust_device", "--trust-device"),
    ("code_stdin", "--code-stdin"),
)


def check_browser_arguments(args: argparse.Namespace) -> None:
    if args.email is not None:
        raise CliError("with --browser, leave out the email: you sign in in the browser")
    used = [flag for attribute, flag in _HERE_ONLY if getattr(args, attribute)]
    if used:
        raise CliError(f"{', '.join(used)} cannot go with --browser: the site's page asks")
    if args.timeout is not None and not (math.isfinite(args.timeout) and args.timeout > 0):
        raise CliError("--timeout is a number of seconds above 0")


def run(service: Accounts, args: argparse.Namespace) -> int:
    def opened(browser: str, url: str) -> None:
        print(
            f"Sign in at {url} in the {label(browser)} window; switcher takes the session as "
            "soon as the site sets it (Ctrl+C to cancel)",
            file=sys.stderr,
            flush=True,
        )

    stopping = _stopped_like_ctrl_c()
    try:
        result = sign_in_with_browser(
            service,
            None if args.browser is FIRST_INSTALLED else args.browser,
            args.server,
            timeout=args.timeout or DEFAULT_TIMEOUT,
            opened=opened,
        )
    except KeyboardInterrupt:
        # By now the window is closed and its profile deleted (on the way out).
        raise CliError("sign-in cancelled; nothing was kept") from None
    finally:
        for number, handler in stopping.items():
            signal.signal(number, handler)
    print(f"signed in as {result.account.email} (active)")
    return 0


def _stopped_like_ctrl_c() -> dict[int, Any]:
    """SIGTERM (``timeout``, ``kill``) and SIGHUP (the terminal closed) end the sign-in as
    Ctrl+C does: its window closed and its profile deleted, not left behind. The
    handlers they had, to put back."""

    def interrupt(_number: int, _frame: object) -> None:
        raise KeyboardInterrupt

    before: dict[int, Any] = {}
    for name in ("SIGTERM", "SIGHUP"):
        number = getattr(signal, name, None)
        if number is not None:
            before[number] = signal.signal(number, interrupt)
    return before
