"""``switcher serve``: the bundled better-auth server."""

from __future__ import annotations

import argparse
import os
import sys
from urllib.parse import urlsplit

from switcher.cli.errors import CliError


def run(args: argparse.Namespace) -> int:
    from switcher.protocol.hosts import is_loopback
    from switcher.server.bundled_files import SecretFileError, default_database_url, local_secret
    from switcher.server.config import RateLimit, ServerConfig
    from switcher.server.serve import ServeOptions, default_base_url, serve

    if not 0 < args.port < 65536:
        raise CliError(f"--port must be between 1 and 65535, got {args.port}")
    if args.workers < 1:
        raise CliError("--workers must be at least 1")
    if args.max_sessions < 1:
        raise CliError("--max-sessions must be at least 1")
    secret = args.secret or os.environ.get("BETTER_AUTH_SECRET") or os.environ.get("AUTH_SECRET")
    if not secret:
        if not is_loopback(args.host):
            raise CliError(
                f"refusing to listen on {args.host} with the generated local secret: "
                "set BETTER_AUTH_SECRET (or pass --secret) for a server others can reach"
            )
        try:
            secret = local_secret()
        except SecretFileError as error:
            raise CliError(str(error)) from error
    elif len(secret) < 32:
        if not is_loopback(args.host):
            raise CliError(
                "a server others can reach needs a secret of at least 32 characters "
                "(BETTER_AUTH_SECRET; e.g. openssl rand -base64 32)"
            )
        print(
            "switcher: warning: a secret shorter than 32 characters is easy to guess",
            file=sys.stderr,
        )
    given_url = args.base_url or os.environ.get("BETTER_AUTH_URL")
    if not given_url and not is_loopback(args.host):
        raise CliError(
            f"--host {args.host} needs --base-url (or BETTER_AUTH_URL): the URL browsers "
            f"reach this server at, e.g. https://auth.example.com; http://{args.host}:"
            f"{args.port} is no address a browser's Origin will ever match"
        )
    base_url = given_url or default_base_url(args.host, args.port)
    if _names_no_host(base_url):
        raise CliError(
            f"--base-url {base_url} names no host: give the URL browsers reach this server at, "
            "e.g. https://auth.example.com"
        )
    if not is_loopback(args.host) and base_url.startswith("http://"):
        print(
            "switcher: WARNING: serving plain http to the network: passwords and session "
            "cookies cross it readable by anyone on the way. Put an https reverse proxy "
            "in front (and give --base-url https://…, --trust-proxy ADDRESS).",
            file=sys.stderr,
        )
    allowed = [host.strip() for host in args.allowed_host if host.strip()]
    for host in allowed:
        if "/" in host or "@" in host or any(c.isspace() for c in host):
            raise CliError(f"--allowed-host takes a host name and port, not {host!r}")
    proxies = tuple(_proxy_address(address) for address in args.trust_proxy)
    database = args.database or default_database_url()
    if args.workers > 1 and database.startswith("sqlite:"):
        print(
            "switcher: warning: several workers on SQLite share one file lock; "
            "use PostgreSQL to scale across processes",
            file=sys.stderr,
        )
    try:
        config = ServerConfig(
            secret=secret,
            base_url=base_url,
            database_url=database,
            trusted_origins=tuple(args.trusted_origin),
            maximum_sessions=args.max_sessions,
            rate_limit=None if args.no_rate_limit else RateLimit(storage=args.rate_limit_storage),
        )
    except ValueError as error:
        raise CliError(str(error)) from error
    import asyncio

    from switcher.server.store import StoreError, open_store

    # Open the database once here: a bad URL or an unreachable server is one
    # clear line and exit 1 (uvicorn's workers would just exit), and the
    # tables exist before several workers race to create them.
    async def check() -> None:
        store = open_store(database)
        try:
            await store.open()
        finally:
            await store.close()

    try:
        asyncio.run(check())
    except (ValueError, ImportError, StoreError) as error:
        raise CliError(str(error)) from error
    _check_port_free(args.host, args.port)
    from switcher.server.host_guard import hosts_for

    options = ServeOptions(
        args.host, args.port, args.workers, hosts_for(config.base_url, allowed), proxies
    )
    serve(config, options)
    return 0


def _names_no_host(url: str) -> bool:
    """A base URL on 0.0.0.0 or [::]: an address to listen on, which no browser can reach."""
    import ipaddress

    try:
        return ipaddress.ip_address((urlsplit(url).hostname or "").strip("[]")).is_unspecified
    except ValueError:
        return False


def _proxy_address(address: str) -> str:
    """An IP address or network (uvicorn's forwarded_allow_ips), checked here."""
    import ipaddress

    try:
        return str(ipaddress.ip_network(address.strip(), strict=False))
    except ValueError:
        raise CliError(
            f"--trust-proxy takes the proxy's IP address (or network), not {address!r}"
        ) from None


def _check_port_free(host: str, port: int) -> None:
    """One clear line (and exit 1) for a taken port, instead of uvicorn's own exit 3."""
    import socket

    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    probe = socket.socket(family, socket.SOCK_STREAM)
    try:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as uvicorn binds
        probe.bind((host.strip("[]"), port))
    except OSError as error:
        raise CliError(
            f"cannot listen on {host}:{port}: {error.strerror} (is another server, or the "
            "switcher app, using it? pick another with --port)"
        ) from None
    finally:
        probe.close()
