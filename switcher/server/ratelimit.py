"""better-auth's fixed-window rate limiter, in memory, per process."""

from __future__ import annotations

import math
import time
from collections.abc import Callable

from switcher.server.config import RateLimit
from switcher.server.errors import RateLimitedError

_PRUNE_AT = 10_000  # entries; old ones are dropped so memory stays bounded


class RateLimiter:
    def __init__(self, rule: RateLimit, clock: Callable[[], float] = time.monotonic) -> None:
        self.rule = rule
        self._clock = clock
        self._hits: dict[tuple[str, str], tuple[int, float]] = {}

    def applies_to(self, path: str) -> bool:
        return path.startswith(self.rule.path_prefixes)

    def check(self, client: str, path: str) -> None:
        """Count this request; raise if the client is over its budget for the path."""
        now = self._clock()
        window = self.rule.window_seconds
        key = (client, path)
        count, last = self._hits.get(key, (0, -math.inf))
        if now - last < window and count >= self.rule.max_requests:
            raise RateLimitedError(math.ceil(last + window - now))
        # As better-auth: a gap longer than the window starts the count afresh.
        self._hits[key] = (1, now) if now - last > window else (count + 1, now)
        if len(self._hits) > _PRUNE_AT:
            self._hits = {k: v for k, v in self._hits.items() if now - v[1] <= window}
