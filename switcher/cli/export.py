"""``switcher export``: an account's session into a browser profile or a cookies.txt file."""

from __future__ import annotations

import argparse
import logging
from pathlib import Path

from switcher.accounts import AccountsError
from switcher.browsers import ExportError, Profile
from switcher.browsers.cookies_txt import write as write_cookies_txt
from switcher.browsers.opener import all_profiles, write_profile
from switcher.browsers.registry import Family, ids, is_firefox, label
from switcher.cli.accounts import build_service
from switcher.cli.errors import CliError
from switcher.secrets import SecretStoreError
from switcher.vault import VaultError

log = logging.getLogger("switcher.cli")


def run_open(args: argparse.Namespace) -> int:
    from switcher.browser_sessions import OtherSiteError, open_as

    service = build_service(args)
    try:
        opened = open_as(
            service, args.account, browser=args.browser, url=args.url, server_name=args.server
        )
    except OtherSiteError as error:
        hint = (
            f"it is on server {error.owner!r}: switcher --server {error.owner} open "
            f"{args.url} --as EMAIL"
            if error.owner
            else "give a page on that site (or no URL: its home page), "
            "or add the page's site first with switcher server add"
        )
        raise CliError(f"{error}; {hint}") from None
    except (AccountsError, ExportError, SecretStoreError, VaultError) as error:
        raise CliError(str(error)) from None
    print(f"opened {opened.url} as {opened.email} in {opened.browser} (pid {opened.pid})")
    return 0


def _profiles(target: str | None) -> list[Profile]:
    return [p for p in all_profiles() if not target or p.browser == target]


def choose_profile(target: str, wanted: str | None) -> Profile:
    """``target``'s profile named or at ``wanted``, else its default one."""
    profiles = _profiles(target)
    if wanted:
        path = Path(wanted).expanduser()
        if path.is_dir():
            return Profile(target, path.name, path)
        named = [p for p in profiles if p.name == wanted]
        if named:
            return named[0]
        names = ", ".join(p.name for p in profiles) or "none found"
        raise CliError(f"no {target} profile named {wanted!r} (profiles: {names})")
    defaults = [p for p in profiles if p.is_default] or profiles
    if not defaults:
        raise CliError(f"no {target} profile found; pass --profile PATH")
    return defaults[0]


def run(args: argparse.Namespace) -> int:
    if args.list_profiles:
        for profile in _profiles(args.target):
            mark = "*" if profile.is_default else " "
            print(f"{mark} {profile.browser}\t{profile.name}\t{profile.path}")
        return 0
    if args.target is None:
        raise CliError("say where to export: a browser or cookies-txt (switcher export --help)")
    if args.container and not is_firefox(args.target):
        raise CliError("--container is a Firefox feature")
    if args.encryption != "auto" and args.target not in ids(Family.CHROMIUM):
        raise CliError("--encryption is for the Chromium family (chromium, chrome, brave, …)")
    service = build_service(args)
    try:
        cookies = service.device_cookies(args.account, args.server)
    except (AccountsError, SecretStoreError, VaultError) as error:
        raise CliError(str(error)) from None
    try:
        if args.target == "cookies-txt":
            if args.output is None:
                raise CliError("cookies-txt needs --output FILE")
            write_cookies_txt(args.output, cookies)
            log.info("exported %d cookies to cookies.txt file %s", len(cookies), args.output)
            print(f"wrote {len(cookies)} cookies to {args.output} (keep it private)")
            return 0
        profile = choose_profile(args.target, args.profile)
        write_profile(
            args.target,
            profile.path,
            cookies,
            container=args.container,
            encryption=args.encryption,
        )
    except ExportError as error:
        raise CliError(str(error)) from None
    print(f"exported {len(cookies)} cookies to {label(args.target)} profile {profile.name}")
    return 0
