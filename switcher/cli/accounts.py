"""``switcher server …``, ``switcher accounts …`` and ``switcher cookie``."""

from __future__ import annotations

import argparse
import json
import logging
import sys
from collections.abc import Callable
from typing import Any, TypeVar

from switcher import bootstrap
from switcher.accounts import (
    Accounts,
    AccountsError,
    NoStoredSessionError,
    ServerNotFoundError,
    SignInRefusedError,
)
from switcher.bootstrap import ServiceUnavailableError
from switcher.cli.errors import CliError
from switcher.display_text import who
from switcher.paths import insecure_secrets_path
from switcher.secrets import SecretStoreError
from switcher.sign_in_steps import BROWSER_ONLY
from switcher.vault import Account, AccountStatus, Server, VaultError

log = logging.getLogger("switcher.cli")
T = TypeVar("T")


def build_service(args: argparse.Namespace) -> Accounts:
    """The service (``switcher.bootstrap``), its notices told on stderr."""
    try:
        service = bootstrap.build_service(insecure_storage=args.insecure_storage)
    except ServiceUnavailableError as error:
        raise CliError(str(error)) from None
    for notice in service.vault.notices:
        print(f"switcher: {notice}", file=sys.stderr)
    return service


# -- handlers --------------------------------------------------------------------
def server_list(args: argparse.Namespace) -> int:
    service = build_service(args)
    index = service.vault.index
    for name, server in index.servers.items():
        mark = "*" if name == index.current else " "
        count = sum(1 for a in server.accounts if a.status == AccountStatus.VALID)
        ended = len(server.accounts) - count
        detail = f"{count} signed in" + (f", {ended} ended" if ended else "")
        if server.origin:
            detail += f", sends Origin {server.origin}"
        print(f"{mark} {name}\t{server.shown_url}\t{detail}")
    return 0


def server_add(args: argparse.Namespace) -> int:
    service = build_service(args)

    def add() -> Server:
        try:
            return service.add_server(
                args.url,
                args.name,
                args.ca_bundle,
                args.base_path,
                ask=not args.no_check,
                origin=args.origin,
                sign_in_url=args.sign_in_url,
            )
        except ServerNotFoundError as error:
            if error.reachable:
                raise
            raise CliError(f"{error} (to add it anyway, pass --no-check)") from None

    server = _guard_value(add)
    sends = f", sending Origin {server.origin}" if server.origin else ""
    print(f"added {server.name} ({server.shown_url}{sends})")
    if service.vault.index.current != server.name:
        # Commands act on the current server: say how to make it this one.
        print(f"to use it: switcher server use {server.name} (or --server {server.name})")
    return 0


def server_use(args: argparse.Namespace) -> int:
    service = build_service(args)
    server = _guard_value(lambda: service.use_server(args.name))
    print(f"now using {server.name} ({server.shown_url})")
    return 0


def server_remove(args: argparse.Namespace) -> int:
    service = build_service(args)
    was_current = service.vault.index.current == args.name
    _guard_value(lambda: service.remove_server(args.name))
    now = service.vault.index.current
    print(f"removed {args.name}" + (f"; now using {now}" if was_current else ""))
    return 0


def _guard_value(call: Callable[[], Any], args: argparse.Namespace | None = None) -> Any:
    try:
        return call()
    except NoStoredSessionError as error:
        message = str(error)
        if args is not None and not args.insecure_storage and insecure_secrets_path().exists():
            message += " (or, if you signed it in with --insecure-storage, pass that again)"
        raise CliError(message) from None
    except (AccountsError, SecretStoreError, VaultError) as error:
        raise CliError(str(error)) from None


def account_json(server: Server, account: Any) -> dict[str, Any]:
    return {
        "email": account.email,
        "name": account.name,
        "user_id": account.user_id,
        "image": account.image,
        "active": account.user_id == server.active,
        "status": account.status,
        "expires_at": account.expires_at,
        "last_seen": account.last_seen,
    }


def accounts_list(args: argparse.Namespace) -> int:
    service = build_service(args)
    server = _guard_value(lambda: service.server(args.server))
    stale = service.is_stale(server)
    try:
        # What an interrupted `accounts add` left behind (nothing to do, and
        # no keyring read, unless one is known to have died).
        for notice in service.reconcile(server.name):
            print(f"switcher: {notice}", file=sys.stderr)
    except (AccountsError, SecretStoreError, VaultError) as error:
        print(f"switcher: could not check for interrupted sign-ins: {error}", file=sys.stderr)
    server = service.server(server.name)
    if stale and any(a.status == AccountStatus.VALID for a in server.accounts):
        try:
            server = service.refresh(server.name)
        except (AccountsError, SecretStoreError, VaultError) as error:
            print(f"switcher: showing saved state, could not refresh: {error}", file=sys.stderr)
    if args.json:
        payload = {
            "server": {"name": server.name, "url": server.url},
            "accounts": [account_json(server, a) for a in server.accounts],
        }
        print(json.dumps(payload, indent=2))
        return 0
    print(f"{server.name} ({server.shown_url})")
    if not server.accounts:
        print("  no accounts; add one with: switcher accounts add EMAIL")
    for account in server.accounts:
        mark = "*" if account.user_id == server.active else " "
        shown = who(account.name, account.email)
        if account.status != AccountStatus.VALID:
            # Also when it is the active one: its session is of no use, say so.
            detail = f"{account.status.ended or 'ended'}: sign in again"
        else:
            detail = "active" if mark == "*" else "signed in"
            if account.expires_at:
                detail += f", until {account.expires_at[:16].replace('T', ' ')} UTC"
        print(f"{mark} {shown}  ({detail})")
    return 0


def accounts_add(args: argparse.Namespace) -> int:
    from switcher.cli import sign_in

    sign_in.check_arguments(args)
    service = build_service(args)
    if args.browser is not None:
        from switcher.cli.browser_sign_in import run

        code: int = _guard_value(lambda: run(service, args))
        return code

    def attempt() -> Account:
        try:
            return sign_in.sign_in(service, args)
        except SignInRefusedError as error:
            if error.code not in BROWSER_ONLY:
                raise
            raise CliError(f"{error} (switcher accounts add --browser)") from None

    account: Account = _guard_value(attempt)
    print(f"signed in as {account.email} (active)")
    return 0


def accounts_use(args: argparse.Namespace) -> int:
    """The switch made here (``switcher.cli.use`` asks a running app first)."""
    service = build_service(args)
    account = _guard_value(lambda: service.use(args.email, args.server), args)
    print(f"active: {account.email}")
    return 0


def accounts_revoke(args: argparse.Namespace) -> int:
    service = build_service(args)
    _guard_value(lambda: service.revoke(args.email, args.server))
    server = service.server(args.server)
    active = server.account(server.active) if server.active else None
    suffix = f"; active: {active.email}" if active else ""
    print(f"revoked {args.email}{suffix}")
    return 0


def accounts_sign_out(args: argparse.Namespace) -> int:
    service = build_service(args)
    count = _guard_value(lambda: service.sign_out(args.server))
    print(f"signed out {count} account{'s' if count != 1 else ''}")
    return 0


def print_cookie(args: argparse.Namespace) -> int:
    service = build_service(args)
    cookies = _guard_value(lambda: service.active_cookies(args.server), args)
    if args.format == "json":
        print(
            json.dumps(
                [
                    {
                        "name": c.name,
                        "value": c.value,
                        "domain": c.domain,
                        "path": c.path,
                        "secure": c.secure,
                        "httpOnly": c.http_only,
                        "sameSite": c.same_site,
                        "expires": c.expires,
                    }
                    for c in cookies
                ],
                indent=2,
            )
        )
    else:
        print("; ".join(f"{c.name}={c.value}" for c in cookies))
    return 0
