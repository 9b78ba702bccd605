"""The bundled server as the rest of switcher knows it: its name in the index and its address.

Its files (database, secret) are ``switcher.server.bundled_files``; the
server itself, run in this process, is ``switcher.bundled_server``.
"""

from __future__ import annotations

LOCAL = "local"
LOCAL_URL = "http://127.0.0.1:3000"
