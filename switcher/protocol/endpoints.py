"""Where better-auth's endpoints live on a site."""

from __future__ import annotations

# better-auth's default ``basePath``: a site mounts every endpoint below it.
DEFAULT_BASE_PATH = "/api/auth"
