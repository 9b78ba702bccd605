"""The servers: each one configured answering ``/api/auth/ok``, and the bundled
``local`` server, started in-process on its own database.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from switcher.bundled import LOCAL
from switcher.doctor.bounds import GRACE, run_bounded
from switcher.doctor.index_check import read_index
from switcher.doctor.report import BUG_HINT, Check
from switcher.paths import bundled_server_dir
from switcher.protocol.endpoints import COMMON_BASE_PATHS
from switcher.vault import Server

SERVER_TIMEOUT = 3.0  # seconds per server request
PORT_TIMEOUT = 1.0  # is the bundled server also on its port? (a local socket answers at once)


def check_servers(timeout: float, only: str | None = None) -> list[Check]:
    index, problem = read_index()
    checks = [problem] if problem else []
    servers = list(index.servers.values())
    if only is not None:
        servers = [s for s in servers if s.name == only]
        if not servers:
            known = ", ".join(index.servers)
            return [
                *checks,
                Check(
                    f"server:{only}",
                    "fail",
                    f"no server named {only!r} (configured: {known})",
                    hint="see switcher server list; add one with switcher server add URL",
                ),
            ]
    groups: list[tuple[str, Callable[[], list[Check]]]] = [
        (f"server:{s.name}", _server_group(s, timeout)) for s in servers
    ]
    return checks + run_bounded(groups, 2 * timeout + PORT_TIMEOUT + GRACE)


def _server_group(server: Server, timeout: float) -> Callable[[], list[Check]]:
    if server.name == LOCAL:
        return lambda: [check_local_server(server, timeout)]
    return lambda: [check_server(server, timeout)]


def _ask_ok(
    server: Server, timeout: float, exchange: Any = None, base_path: str | None = None
) -> float | None:
    """Seconds ``GET {base path}/ok`` took; None when it answered but not ``{"ok": true}``.

    Raises the client's errors (``ClientError`` subclasses) and ``OSError``
    for an unreadable CA bundle.
    """
    from switcher.client.client import AuthClient

    started = time.monotonic()
    with AuthClient(
        server.url,
        base_path=base_path or server.base_path,
        timeout=timeout,
        ca_bundle=server.ca_bundle,
        exchange=exchange,
    ) as client:
        answered = client.ok()
    return time.monotonic() - started if answered else None


def _found_elsewhere(server: Server, timeout: float) -> str | None:
    """The base path another common mount answers ``{"ok": true}`` at, if one does."""
    from switcher.client.errors import ClientError

    for path in COMMON_BASE_PATHS:
        if path == server.base_path:
            continue
        try:
            if _ask_ok(server, timeout, base_path=path) is not None:
                return path
        except (ClientError, OSError):
            continue
    return None


def check_server(server: Server, timeout: float) -> Check:
    from switcher.client.errors import (
        AuthError,
        BadResponseError,
        EndpointMissingError,
        ServerBusyError,
        ServerFailingError,
        ServerTimeoutError,
        ServerUnreachableError,
        UnknownHostError,
        UntrustedCertificateError,
    )

    name = f"server:{server.name}"
    facts: dict[str, Any] = {"url": server.url, "in_process": False, "latency_ms": None}
    remove = f"switcher server remove {server.name}"
    try:
        took = _ask_ok(server, timeout)
    except ServerTimeoutError:
        return Check(
            name,
            "fail",
            f"{server.url} did not answer within {timeout:g} s",
            hint="it accepts connections but hangs: check the server (or ask its admin) and "
            "try again later",
            facts=facts,
        )
    except ServerUnreachableError as error:
        text = str(error)
        if isinstance(error, UntrustedCertificateError):
            hint = (
                f"if it uses a private CA, add it again with its CA bundle: {remove}, then "
                f"switcher server add {server.url} --name {server.name} --ca-bundle PATH"
            )
        elif isinstance(error, UnknownHostError):
            hint = "check the host name in its URL (switcher server list) and your network"
        else:
            hint = (
                "start the server, or check the URL and port (switcher server list); "
                f"if it is gone for good: {remove}"
            )
        return Check(name, "fail", text, hint=hint, facts=facts)
    except ServerBusyError as error:
        return Check(
            name,
            "fail",
            str(error),
            hint="it is up but cannot answer now: try again shortly; if it stays so, check its "
            "logs or ask its admin",
            facts=facts,
        )
    except EndpointMissingError as error:
        elsewhere = _found_elsewhere(server, timeout)
        again = f"{remove}, then switcher server add {server.url} --name {server.name}"
        if server.ca_bundle:
            again += f" --ca-bundle {server.ca_bundle}"
        if elsewhere is not None:
            hint = (
                f"better-auth answers at {server.url}{elsewhere}, not {server.auth_url}: "
                f"{again} --base-path {elsewhere}"
            )
        else:
            hint = (
                f"nothing answers at {server.auth_url}/ok: check the site's URL and where it "
                f"mounts better-auth (its basePath; the default is /api/auth); {again} "
                "--base-path PATH"
            )
        return Check(name, "fail", str(error), hint=hint, facts=facts)
    except BadResponseError as error:
        hint = (
            "the server is up but failing: check its logs, or ask its admin"
            if isinstance(error, ServerFailingError)
            else f"check that the URL is the site's base URL, with better-auth under "
            f"{server.base_path} (switcher server list; {remove} and add it again if not)"
        )
        return Check(name, "fail", str(error), hint=hint, facts=facts)
    except AuthError as error:
        return Check(
            name,
            "fail",
            f"{server.auth_url}/ok answered HTTP {error.status}: {error.message}",
            hint="check that the URL is the site's base URL, with better-auth under "
            f"{server.base_path}",
            facts=facts,
        )
    except OSError as error:
        return Check(
            name,
            "fail",
            f"cannot read its CA bundle {server.ca_bundle}: {error.strerror or error}",
            hint=f"put the file back, or {remove} and add the server again with --ca-bundle",
            facts=facts,
        )
    except ValueError as error:  # a URL the client refuses
        return Check(
            name, "fail", str(error), hint=f"{remove} and add it again with its URL", facts=facts
        )
    if took is None:
        return Check(
            name,
            "warn",
            f'{server.auth_url}/ok answered, but not with better-auth\'s {{"ok": true}}',
            hint="check that the URL is the site's base URL, with better-auth under "
            f"{server.base_path}",
            facts=facts,
        )
    facts["latency_ms"] = round(took * 1000)
    return Check(name, "ok", f"{server.url} answers ({took * 1000:.0f} ms)", facts=facts)


def _port_detail(server: Server) -> str:
    from switcher.client.errors import ClientError, ConnectionRefusedByServerError

    try:
        took = _ask_ok(server, PORT_TIMEOUT)
    except ClientError as error:
        if isinstance(error, ConnectionRefusedByServerError):
            return (
                f"nothing serves it on {server.url} now: browsers reach it there only while "
                "the tray app or switcher serve runs"
            )
        return f"something else answers on {server.url} ({error})"
    if took is None:
        return f"something else answers on {server.url} (not better-auth)"
    return f"also served for browsers on {server.url} (the tray app or switcher serve runs)"


def check_local_server(server: Server, timeout: float) -> Check:
    """The bundled server, started in this process on its own database, as the commands do."""
    from switcher.client.errors import ClientError, ServerBusyError
    from switcher.server.bundled_files import SecretFileError, database_path, secret_path

    name = f"server:{server.name}"
    directory = bundled_server_dir()
    database, secret = database_path(), secret_path()
    facts: dict[str, Any] = {"url": server.url, "in_process": True, "latency_ms": None}
    port = (_port_detail(server),)
    if not (database.exists() and secret.exists()):
        # Starting it would create both: the doctor looks, it doesn't set up.
        return Check(
            name,
            "info",
            f"built in, not used yet: its database and secret are made on first use in {directory}",
            details=port,
            facts=facts,
        )
    from switcher.bundled_server import InProcessExchange, bundled_config
    from switcher.server import AuthApp

    try:
        config = bundled_config()
    except SecretFileError as error:
        return Check(
            name,
            "fail",
            f"built in, but its secret is unusable: {error}",
            hint=f"fix {secret} as the message says (it must be 0600 and not empty)",
            details=port,
            facts=facts,
        )
    exchange = InProcessExchange(AuthApp(config))
    try:
        took = _ask_ok(server, timeout, exchange)
    except ServerBusyError as error:
        return Check(
            name,
            "warn",
            f"built in, but busy: {error}",
            hint="another switcher (the tray app, a command, switcher serve) is writing to its "
            "database; run switcher doctor again shortly",
            details=port,
            facts=facts,
        )
    except ClientError as error:
        return Check(
            name,
            "fail",
            f"built in, but it does not answer in-process: {error}",
            hint=f"its database {database} may be damaged; move it aside to start afresh "
            "(its accounts are then gone) or report a bug",
            details=port,
            facts=facts,
        )
    finally:
        exchange.shutdown()
    if took is None:
        return Check(
            name, "fail", "built in, but it answered /ok wrongly", hint=BUG_HINT, facts=facts
        )
    facts["latency_ms"] = round(took * 1000)
    return Check(
        name,
        "ok",
        f"built in, answers in-process ({took * 1000:.0f} ms); database {database}",
        details=port,
        facts=facts,
    )
