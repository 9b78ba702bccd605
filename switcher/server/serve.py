"""``switcher serve``: run the bundled server under uvicorn."""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass
from typing import Any

from switcher.logs import uvicorn_log_config
from switcher.server.app import AuthApp
from switcher.server.config import RateLimit, ServerConfig
from switcher.server.host_guard import HostGuard, hosts_for, loopback_hosts

_CONFIG_ENV = "SWITCHER_SERVE_CONFIG"  # hands the config to uvicorn's worker processes
_HOSTS_ENV = "SWITCHER_SERVE_HOSTS"  # and the host names they answer


class ServeError(Exception):
    """A setting that makes the server unsafe or impossible to start."""


@dataclass(frozen=True, slots=True)
class ServeOptions:
    host: str = "127.0.0.1"
    port: int = 3000
    workers: int = 1
    # Host names answered (host_guard.hosts_for); empty: the base URL's alone.
    allowed_hosts: frozenset[str] = frozenset()
    # Proxies whose X-Forwarded-For / X-Forwarded-Proto are believed (--trust-proxy).
    trusted_proxies: tuple[str, ...] = ()


def default_base_url(host: str, port: int) -> str:
    shown = f"[{host}]" if ":" in host and not host.startswith("[") else host
    return f"http://{shown}:{port}"


def _config_to_env(config: ServerConfig) -> str:
    return json.dumps(asdict(config))


def _config_from_env() -> ServerConfig:
    raw = json.loads(os.environ[_CONFIG_ENV])
    rate = raw.pop("rate_limit")
    for key in ("trusted_origins", "ip_headers"):
        raw[key] = tuple(raw[key])
    limit = (
        None
        if rate is None
        else RateLimit(
            rate["window_seconds"],
            rate["max_requests"],
            tuple(rate["path_prefixes"]),
            rate["storage"],
        )
    )
    return ServerConfig(rate_limit=limit, **raw)


def worker_app() -> HostGuard:
    """uvicorn's factory in each worker process."""
    hosts = frozenset(json.loads(os.environ[_HOSTS_ENV]))
    return HostGuard(AuthApp(_config_from_env()), hosts)


def serve(config: ServerConfig, options: ServeOptions) -> None:
    import uvicorn

    from switcher.server.http_limits import uvicorn_limits

    common: dict[str, Any] = {
        "host": options.host,
        "port": options.port,
        **uvicorn_limits(options.trusted_proxies),
        "lifespan": "on",
        # No access lines anywhere: a line per request floods a support log and
        # tells a person nothing (better-auth's own server logs none either).
        "access_log": False,
        "server_header": False,
        "timeout_graceful_shutdown": 5,
        "log_level": "info",
        # The terminal shows uvicorn's lines as it always did; they reach the log file too.
        "log_config": uvicorn_log_config(),
    }
    try:
        import uvloop  # noqa: F401

        common["loop"] = "uvloop"
    except ImportError:
        common["loop"] = "asyncio"
    # Its own loopback names too: a health check or a proxy on this machine
    # (curl 127.0.0.1:3000) is answered whatever the public name.
    hosts = (options.allowed_hosts or hosts_for(config.base_url)) | loopback_hosts(options.port)
    if options.workers > 1:
        os.environ[_CONFIG_ENV] = _config_to_env(config)
        os.environ[_HOSTS_ENV] = json.dumps(sorted(hosts))
        uvicorn.run(
            "switcher.server.serve:worker_app", factory=True, workers=options.workers, **common
        )
    else:
        uvicorn.run(HostGuard(AuthApp(config), hosts), **common)
