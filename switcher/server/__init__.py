"""The bundled better-auth server: email/password core plus multi-session.

``create_app(config)`` returns a plain ASGI application; ``switcher serve``
runs it under uvicorn, and any ASGI framework can mount it.
"""

from __future__ import annotations

from switcher.server.app import AuthApp, create_app
from switcher.server.config import RateLimit, ServerConfig

__all__ = ["AuthApp", "RateLimit", "ServerConfig", "create_app"]
