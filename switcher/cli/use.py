"""``switcher accounts use``: handed to the running tray app when there is one, else done here.

While the app runs it owns the live state: it makes the switch and the tray
shows it at once. This module imports almost nothing, so that path costs
little more than starting Python; without an app the command loads the
service and switches alone.
"""

from __future__ import annotations

import argparse
import logging

from switcher.cli.errors import CliError

log = logging.getLogger("switcher.cli")

# A switch handed to the app waits for its request, which has its own
# deadline; this only bounds an app that stopped answering altogether.
APP_ANSWER_TIMEOUT = 60.0


def run(args: argparse.Namespace) -> int:
    from switcher.app_channel import ChannelError, ask

    try:
        answer = ask(
            {"op": "use", "email": args.email, "server": args.server}, timeout=APP_ANSWER_TIMEOUT
        )
    except ChannelError as error:
        raise CliError(str(error)) from None
    if answer is None:
        from switcher.cli.accounts import accounts_use

        return accounts_use(args)
    if not answer.get("ok"):
        raise CliError(str(answer.get("error") or "the switcher app refused the switch"))
    log.info("switched to %s through the running app", answer.get("email"))
    print(f"active: {answer.get('email')}")
    return 0
