"""``switcher pick``: the quick switcher, shown by the running tray app, else by this command.

Made for a desktop keyboard shortcut. While the app runs, the command only
asks it over its channel to show its quick switcher and ends: no Qt and no
service in this process, so it costs little more than starting Python, and
the app makes the switch and its tray shows it. Without the app, the command
shows the quick switcher itself and makes the switch with the service, as
``accounts use`` does without the app.

Exit status: 0 when the app shows its quick switcher, or this command made
the switch (and printed it); 1, printing nothing, when the quick switcher was
closed without a choice (Esc, or clicking elsewhere), as dialog programs
such as zenity do; 1 with one line for a failed switch, an account whose
session ended, or no display to show a window on.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import os
import sys
from collections.abc import Callable
from typing import Any, Protocol

from switcher.cli.errors import CliError
from switcher.logs import REPORTED

log = logging.getLogger("switcher.cli")

# The app answers at once (it shows a window, nothing waits on the network):
# longer than this, and its UI thread is stuck; the command then shows its own.
APP_ANSWER_TIMEOUT = 5.0
# The quick switcher of this process, named as the parser names handlers: the
# command line and the tray app are sibling layers that do not import each
# other, and only this path, without the app, needs Qt at all.
PICKER = "switcher.gui.quick_switcher:choose"
NO_WINDOW_HINT = "switch with: switcher accounts use EMAIL"


class Picked(Protocol):
    """What the quick switcher returns (``switcher.gui.quick_switcher.Picked``)."""

    @property
    def server(self) -> str: ...
    @property
    def email(self) -> str: ...
    @property
    def sign_in_again(self) -> bool: ...


def run(args: argparse.Namespace) -> int:
    from switcher.app_channel import ChannelError, ask

    request: dict[str, Any] = {"op": "pick"}
    # What a launcher gives the program it starts (Wayland): the app's window
    # needs it to be given the focus, since the shortcut was pressed here.
    token = os.environ.get("XDG_ACTIVATION_TOKEN")
    if token:
        request["activation_token"] = token
    try:
        answer = ask(request, timeout=APP_ANSWER_TIMEOUT)
    except ChannelError as error:
        print(f"switcher: {error}; showing the quick switcher here instead", file=sys.stderr)
        log.warning("%s; showing the quick switcher without the app", error, extra=REPORTED)
        answer = None
    if answer is None:
        return pick_here(args, token)
    if not answer.get("ok"):
        raise CliError(
            str(answer.get("error") or "the switcher app cannot show its quick switcher")
        )
    log.info("the running app shows its quick switcher")
    return 0


def pick_here(args: argparse.Namespace, activation_token: str | None = None) -> int:
    """No app: the quick switcher in this process, and the switch made with the service."""
    from switcher.display import has_display

    if not has_display():
        raise CliError(
            "no display to show the quick switcher on (DISPLAY and WAYLAND_DISPLAY are "
            f"unset); {NO_WINDOW_HINT}"
        )
    choose = _picker()
    # Private to the accounts commands, shared here: the same one-line
    # messages as ``accounts use`` for the same failures.
    from switcher.cli.accounts import _guard_value, build_service

    service = build_service(args)
    picked = choose(service.vault.index, activation_token=activation_token)
    if picked is None:
        log.info("the quick switcher was closed without a choice")
        return 1
    current = service.vault.index.current
    if picked.sign_in_again:
        where = "" if picked.server == current else f"--server {picked.server} "
        raise CliError(
            f"{picked.email}'s session on {picked.server} has ended; sign in again with: "
            f"switcher {where}accounts add {picked.email}"
        )
    account = _guard_value(lambda: service.use(picked.email, picked.server), args)
    if picked.server != current:
        # A choice on another server makes it the current one, as in the app.
        server = _guard_value(lambda: service.use_server(picked.server))
        print(f"now using {server.name} ({server.shown_url})")
    print(f"active: {account.email}")
    return 0


def _picker() -> Callable[..., Picked | None]:
    module, _, name = PICKER.partition(":")
    try:
        choose: Callable[..., Picked | None] = getattr(importlib.import_module(module), name)
    except ImportError as error:
        raise CliError(
            f"the quick switcher needs PySide6 ({error}); pip install PySide6-Essentials, "
            f"or {NO_WINDOW_HINT}"
        ) from None
    return choose
