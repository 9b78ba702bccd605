"""Where better-auth's endpoints live on a site."""

from __future__ import annotations

# better-auth's default ``basePath``: a site mounts every endpoint below it.
DEFAULT_BASE_PATH = "/api/auth"

# Where sites mount better-auth, most common first: tried when a server is
# added without its base path, and by the doctor when the saved one answers
# nothing.
COMMON_BASE_PATHS = (DEFAULT_BASE_PATH, "/auth", "/api/v1/auth")
