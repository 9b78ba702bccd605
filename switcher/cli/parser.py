"""The command line's grammar: every command, option and help text, and which handler runs it.

Kept apart from the handlers, and naming them as ``"module:function"``
strings, so that parsing a command imports nothing else: a command loads only
what it runs (``switcher accounts use`` with the app running needs no HTTP
client, keyring or server code at all).
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING

from switcher import __version__
from switcher.browsers.registry import CHROMIUM_ENCRYPTIONS, ids, readable_ids

if TYPE_CHECKING:
    Commands = argparse._SubParsersAction[argparse.ArgumentParser]


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
    _global_options(parser)
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    _serve(commands)
    _accounts_and_servers(commands)
    _pick(commands)
    _export(commands)
    _open(commands)
    _doctor(commands)
    return parser


def _serve(commands: Commands) -> None:
    serve = commands.add_parser(
        "serve",
        help="run the bundled better-auth compatible server",
        description="Serve better-auth's email/password and multi-session endpoints "
        "under /api/auth, compatible with better-auth 1.7.25.",
    )
    serve.add_argument(
        "--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)"
    )
    serve.add_argument("--port", type=int, default=3000, help="port (default 3000)")
    serve.add_argument(
        "--database",
        metavar="URL",
        help="sqlite:///path/to/file.db or postgresql://user@host/db "
        "(default: a SQLite file in the data directory)",
    )
    serve.add_argument(
        "--secret",
        help="cookie-signing secret (default: $BETTER_AUTH_SECRET, else a generated "
        "secret kept private in the data directory; prefer the environment variable, "
        "arguments are visible to other users in the process list)",
    )
    serve.add_argument(
        "--base-url",
        metavar="URL",
        help="public URL (default: $BETTER_AUTH_URL, else http://HOST:PORT; required "
        "with a --host other computers can reach)",
    )
    serve.add_argument(
        "--trusted-origin",
        metavar="ORIGIN",
        action="append",
        default=[],
        help="another origin allowed to send credentialed requests "
        "(repeatable; * wildcards allowed)",
    )
    serve.add_argument(
        "--allowed-host",
        metavar="HOST[:PORT]",
        action="append",
        default=[],
        help="another host name requests may be addressed to, e.g. the one a reverse "
        "proxy passes on (repeatable; by default only the base URL's host is answered)",
    )
    serve.add_argument(
        "--trust-proxy",
        metavar="ADDRESS",
        action="append",
        default=[],
        help="the address of a reverse proxy whose X-Forwarded-For is believed "
        "(repeatable; by default nobody's is)",
    )
    serve.add_argument(
        "--max-sessions", type=int, default=5, help="accounts per device (default 5)"
    )
    serve.add_argument(
        "--workers", type=int, default=1, help="server processes (default 1; use with PostgreSQL)"
    )
    serve.add_argument(
        "--no-rate-limit", action="store_true", help="do not limit sign-in/sign-up attempts"
    )
    serve.add_argument(
        "--rate-limit-storage",
        choices=("memory", "database"),
        default="memory",
        help="where sign-in attempts are counted: in each process (default), or in the "
        "database's rateLimit table, shared by every worker and host on it (better-auth's "
        'rateLimit.storage: "database")',
    )

    serve.set_defaults(handler="switcher.cli.serve:run")


# ``--browser`` given without a name: the first browser installed.
FIRST_INSTALLED = "first installed"


class _BrowserChoice(argparse.Action):
    """``--browser [BROWSER]``: a name from the registry, checked as a usage error (exit 2)."""

    def __call__(
        self,
        parser: argparse.ArgumentParser,
        namespace: argparse.Namespace,
        values: object,
        option_string: str | None = None,
    ) -> None:
        if values is not FIRST_INSTALLED and values not in ids():
            parser.error(
                f"argument --browser: invalid choice: {values!r} (choose from {', '.join(ids())})"
            )
        setattr(namespace, self.dest, values)


def _accounts_and_servers(commands: Commands) -> None:
    server = commands.add_parser("server", help="better-auth servers: list, add, use, remove")
    server_cmds = server.add_subparsers(dest="action", metavar="ACTION", required=True)
    server_cmds.add_parser("list", help="the configured servers").set_defaults(
        handler="switcher.cli.accounts:server_list"
    )
    add = server_cmds.add_parser(
        "add",
        help="add a better-auth server by URL",
        description="Add a site by its URL or its auth URL (…/api/auth); switcher asks it "
        "where better-auth answers before adding it.",
    )
    add.add_argument("url")
    add.add_argument("--name", help="a short name (default: the host name)")
    add.add_argument(
        "--base-path",
        metavar="PATH",
        help="where the site mounts better-auth (its basePath; default /api/auth)",
    )
    add.add_argument(
        "--ca-bundle", metavar="PATH", help="trust this CA bundle for the server's TLS"
    )
    add.add_argument(
        "--origin",
        metavar="URL",
        help="the Origin to send, for a site that trusts another address than this URL's",
    )
    add.add_argument(
        "--sign-in-url",
        metavar="URL",
        help="the page where people sign in to the site, for accounts add --browser "
        "(default: the site's root)",
    )
    add.add_argument(
        "--no-check",
        action="store_true",
        help="add it without asking it first (a server that is offline now)",
    )
    add.set_defaults(handler="switcher.cli.accounts:server_add")
    use = server_cmds.add_parser("use", help="make a server the default")
    use.add_argument("name")
    use.set_defaults(handler="switcher.cli.accounts:server_use")
    remove = server_cmds.add_parser("remove", help="forget a server and its accounts here")
    remove.add_argument("name")
    remove.set_defaults(handler="switcher.cli.accounts:server_remove")

    accounts = commands.add_parser(
        "accounts", help="signed-in accounts: list, add, use, revoke, sign-out"
    )
    acc = accounts.add_subparsers(dest="action", metavar="ACTION", required=True)
    listing = acc.add_parser("list", help="the accounts on this device, active one marked")
    listing.add_argument("--json", action="store_true", help="stable machine-readable output")
    listing.set_defaults(handler="switcher.cli.accounts:accounts_list")
    sign_in = acc.add_parser("add", help="sign an account in (or up) and make it active")
    sign_in.add_argument(
        "email",
        nargs="?",
        metavar="EMAIL|USERNAME",
        help="a username signs in on sites with better-auth's username plugin",
    )
    sign_in.add_argument(
        "--browser",
        nargs="?",
        action=_BrowserChoice,
        const=FIRST_INSTALLED,
        metavar="BROWSER",
        help="sign in in a browser window instead, any way the site allows (OAuth, passkeys…): "
        f"one of {', '.join(ids())} (default: the first installed)",
    )
    sign_in.add_argument(
        "--timeout",
        type=float,
        metavar="SECONDS",
        help="with --browser: how long to wait for the sign-in (default: 600)",
    )
    sign_in.add_argument(
        "--password-stdin", action="store_true", help="read the password from stdin"
    )
    sign_in.add_argument("--sign-up", action="store_true", help="create the account first")
    sign_in.add_argument("--name", help="display name for --sign-up")
    sign_in.add_argument("--no-remember", action="store_true", help="a one-day session")
    sign_in.add_argument(
        "--magic-link",
        action="store_true",
        help="no password: the site emails a sign-in link, and you paste it here",
    )
    sign_in.add_argument(
        "--email-code",
        action="store_true",
        help="no password: the site emails a one-time code, and you type it here",
    )
    sign_in.add_argument(
        "--two-factor",
        choices=("app", "email", "backup"),
        help="the second factor to give, where the site asks for one "
        "(default: an authenticator app's code if the account has one)",
    )
    sign_in.add_argument(
        "--trust-device",
        action="store_true",
        help="after a second factor: the site skips it for this account's next sign-ins here",
    )
    sign_in.add_argument(
        "--code-stdin",
        action="store_true",
        help="read the code, or the emailed link, from stdin (after the password's line "
        "with --password-stdin)",
    )
    sign_in.set_defaults(handler="switcher.cli.accounts:accounts_add")
    readable = readable_ids()
    bring = acc.add_parser(
        "import",
        help="bring in the sessions a browser holds: from its profile, a cookies.txt or a "
        "Cookie header",
        description="Every session of the current server's site among the cookies is asked "
        "about; those the site still honours become accounts here. Cookies for other "
        "sites are not read.",
    )
    bring.add_argument(
        "--from",
        dest="source",
        choices=(*readable, "cookies-txt"),
        metavar="BROWSER|cookies-txt",
        help=f"a browser's profile (one of: {', '.join(readable)}; read from a copy, also "
        "while it runs), or a Netscape cookies.txt (curl -c, browser add-ons)",
    )
    bring.add_argument(
        "--profile",
        metavar="NAME|PATH",
        help="the browser profile to read (default: its default)",
    )
    bring.add_argument("file", nargs="?", metavar="FILE", help="the cookies.txt file")
    bring.add_argument(
        "--cookie-stdin",
        action="store_true",
        help="read a Cookie header's value (as a browser's developer tools show it) from stdin",
    )
    bring.set_defaults(handler="switcher.cli.importing:run")
    for verb, text, handler in (
        ("use", "make an account the active one", "switcher.cli.use:run"),
        (
            "revoke",
            "end an account's session and forget it",
            "switcher.cli.accounts:accounts_revoke",
        ),
    ):
        parser = acc.add_parser(verb, help=text)
        parser.add_argument("email")
        parser.set_defaults(handler=handler)
    out = acc.add_parser("sign-out", help="sign every account of this device out of the server")
    out.set_defaults(handler="switcher.cli.accounts:accounts_sign_out")

    cookie = commands.add_parser("cookie", help="print the active session's cookies (for scripts)")
    cookie.add_argument("--format", choices=("header", "json"), default="header")
    cookie.set_defaults(handler="switcher.cli.accounts:print_cookie")


def _pick(commands: Commands) -> None:
    pick = commands.add_parser(
        "pick",
        help="a small window to switch accounts from the keyboard (for a desktop shortcut)",
        description="Every account on every server in a small window: type part of a name, "
        "email or server, move with Up and Down, Enter switches to the highlighted account "
        "(its server becomes the current one), Esc closes. While the tray app runs, the app "
        "shows the window and the command ends at once; otherwise the command shows it, "
        "prints the switch it made, and exits with 1 when it is closed without a choice.",
    )
    pick.set_defaults(handler="switcher.cli.pick:run")


def _export(commands: Commands) -> None:
    export = commands.add_parser(
        "export",
        help="put an account's session into a browser profile or a cookies.txt file",
        description="Write the chosen account's session (and this device's other accounts, "
        "so the site's own switcher works) for the server's host only.",
    )
    export.add_argument(
        "target",
        nargs="?",
        choices=("cookies-txt", *ids()),
        metavar="BROWSER|cookies-txt",
        help=f"one of: {', '.join(ids())}; or cookies-txt for a file",
    )
    export.add_argument(
        "--profile", metavar="NAME|PATH", help="browser profile (default: its default)"
    )
    export.add_argument("--container", metavar="NAME", help="Firefox container to sign in")
    export.add_argument("--account", metavar="EMAIL", help="the account (default: the active one)")
    export.add_argument(
        "--output", metavar="FILE", type=Path, help="for cookies-txt: where to write"
    )
    export.add_argument(
        "--encryption",
        choices=CHROMIUM_ENCRYPTIONS,
        default="auto",
        help="Chromium family: how values are stored (default auto: what this OS's browser "
        "reads; v11 = the key in the Secret Service, only for a profile that uses it)",
    )
    export.add_argument(
        "--list-profiles", action="store_true", help="list the browser profiles found"
    )
    export.set_defaults(handler="switcher.cli.export:run")


def _open(commands: Commands) -> None:
    opener = commands.add_parser(
        "open",
        help="open the site in a browser as an account (a profile of its own per account)",
    )
    opener.add_argument("url", nargs="?", help="the page (default: the server's home page)")
    opener.add_argument("--as", dest="account", required=True, metavar="EMAIL")
    opener.add_argument("--browser", choices=ids(), help="default: the first one installed")
    opener.set_defaults(handler="switcher.cli.export:run_open")


def _doctor(commands: Commands) -> None:
    parser = commands.add_parser("doctor", help="check keyring, tray, browsers and servers")
    parser.add_argument("--json", action="store_true", help="print the report as JSON")
    # What the tray check runs in a subprocess (Qt may abort or hang there, not here).
    parser.add_argument("--tray-probe", action="store_true", help=argparse.SUPPRESS)
    parser.set_defaults(handler="switcher.cli.doctor:run")


def _global_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--server", metavar="NAME", help="the server to act on (default: the current one)"
    )
    parser.add_argument(
        "--insecure-storage",
        action="store_true",
        help="keep session cookies in a plain 0600 file instead of the OS keyring",
    )
