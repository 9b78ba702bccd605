"""``switcher accounts use``: handed to the running tray app when there is one, else done here.

While the app runs it owns the live state: it makes the switch and the tray
shows it at once. This module imports almost nothing, so that path costs
little more than starting Python; without an app the command loads the
service and switches alone.
"""

from __future__ import annotations

import argparse
import logging
import sys

from switcher.cli.errors import CliError
from switcher.logs import REPORTED

log = logging.getLogger("switcher.cli")

# A switch handed to the app waits behind at most one other request to that
# server, each with its own 10 s deadline; this bounds an app that stopped
# answering altogether (then the command switches by itself).
APP_ANSWER_TIMEOUT = 30.0


def run(args: argparse.Namespace) -> int:
    from switcher.app_channel import ChannelError, ask

    try:
        answer = ask(
            {"op": "use", "email": args.email, "server": args.server}, timeout=APP_ANSWER_TIMEOUT
        )
    except ChannelError as error:
        print(f"switcher: {error}; switching here instead", file=sys.stderr)
        log.warning("%s; switching without the app", error, extra=REPORTED)
        answer = None
    if answer is None:
        from switcher.cli.accounts import accounts_use

        return accounts_use(args)
    if not answer.get("ok"):
        raise CliError(str(answer.get("error") or "the switcher app refused the switch"))
    log.info("switched to %s through the running app", answer.get("email"))
    print(f"active: {answer.get('email')}")
    return 0
