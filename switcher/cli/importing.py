"""``switcher accounts import``: the sessions a browser holds, brought in.

From a browser profile (read from a copy), a cookies.txt, or a pasted
``Cookie`` header; the service asks the site about each session.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from urllib.parse import urlsplit

from switcher.accounts import Accounts, AccountsError, Imported, NoSessionsFoundError
from switcher.browsers import CookieReadError, cookies_txt
from switcher.browsers.registry import is_firefox, label, readable_ids
from switcher.cli.accounts import build_service
from switcher.cli.errors import CliError
from switcher.secrets import SecretStoreError
from switcher.session_import import parse_cookie_header
from switcher.vault import Server, VaultError


def run(args: argparse.Namespace) -> int:
    _check(args)
    service = build_service(args)
    where = _where(args)
    try:
        server = service.server(args.server)
        result = _bring_in(service, server, args)
    except NoSessionsFoundError as error:
        late = (
            " (a running Chromium-family browser saves a new sign-in up to 30 s later)"
            if args.source in readable_ids() and not is_firefox(args.source)
            else ""
        )
        raise CliError(f"{error} ({where}); sign in to {server.url} there first{late}") from None
    except (AccountsError, CookieReadError, SecretStoreError, VaultError) as error:
        raise CliError(str(error)) from None
    _report(service, server, result)
    if not (result.added or result.already):
        raise CliError(f"no session in {where} is still signed in on {server.url}")
    return 0


def _check(args: argparse.Namespace) -> None:
    from_file = args.source == "cookies-txt"
    if args.cookie_stdin == bool(args.source or args.file):
        raise CliError(
            "give one source: --from BROWSER, --from cookies-txt FILE, or --cookie-stdin"
        )
    if from_file and not args.file:
        raise CliError("--from cookies-txt needs the FILE to read")
    if args.file and not from_file:
        raise CliError(f"say what {args.file} is: --from cookies-txt {args.file}")
    if args.profile and not (args.source and not from_file):
        raise CliError("--profile goes with --from BROWSER")


def _where(args: argparse.Namespace) -> str:
    if args.cookie_stdin:
        return "the Cookie header"
    if args.source == "cookies-txt":
        return str(args.file)
    return f"{label(args.source)} profile {args.profile or '(default)'}"


def _bring_in(service: Accounts, server: Server, args: argparse.Namespace) -> Imported:
    if args.cookie_stdin:
        host = urlsplit(server.url).hostname or ""
        return service.import_sessions(parse_cookie_header(sys.stdin.read(), host), server.name)
    if args.source == "cookies-txt":
        read = cookies_txt.read(Path(args.file))
        if read.skipped:
            many = read.skipped != 1
            print(
                f"switcher: {read.skipped} line{'s' if many else ''} of {args.file} "
                f"{'are' if many else 'is'} not a cookie; skipped",
                file=sys.stderr,
            )
        return service.import_sessions(read.cookies, server.name)
    from switcher.browser_sessions import import_from
    from switcher.cli.export import choose_profile

    profile = choose_profile(args.source, args.profile)
    return import_from(service, profile, server.name)


def _report(service: Accounts, server: Server, result: Imported) -> None:
    active = service.server(server.name).active
    for account in result.added:
        print(f"imported {account.email}{' (active)' if account.user_id == active else ''}")
    for account in result.already:
        print(f"already signed in here: {account.email}")
    if result.ended:
        plural = "s" if result.ended != 1 else ""
        # Cookies ignore ports: another site on this host is "not honoured" too.
        print(
            f"{result.ended} session{plural} not honoured by the site (ended, or another "
            "site's on this host); not imported"
        )
