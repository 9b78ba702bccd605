"""better-auth's fixed-window rate limiter: in memory (per process) or in the database.

In memory, each process counts alone: with ``--workers 4`` (or four hosts on
one PostgreSQL) a client gets four times the budget. In the database
(better-auth's ``rateLimit.storage: "database"``) every process, switcher's
or better-auth's, counts in the same ``rateLimit`` row, keyed ``ip|path`` as
better-auth keys it.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable

from switcher.server.config import RateLimit
from switcher.server.errors import RateLimitedError
from switcher.server.store import Store

_PRUNE_AT = 10_000  # entries; old ones are dropped so memory stays bounded


class RateLimiter:
    def __init__(self, rule: RateLimit, clock: Callable[[], float] = time.monotonic) -> None:
        self.rule = rule
        self._clock = clock
        self._hits: dict[tuple[str, str], tuple[int, float]] = {}

    def applies_to(self, path: str) -> bool:
        return path.startswith(self.rule.path_prefixes)

    async def consume(self, client: str, path: str) -> None:
        self.check(client, path)

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


class DatabaseRateLimiter:
    def __init__(
        self, rule: RateLimit, store: Store, clock: Callable[[], float] = time.time
    ) -> None:
        self.rule = rule
        self._store = store
        self._clock = clock  # wall time: every process and host must agree on it

    def applies_to(self, path: str) -> bool:
        return path.startswith(self.rule.path_prefixes)

    async def consume(self, client: str, path: str) -> None:
        """Count this request; raise if the client is over its budget for the path."""
        now = int(self._clock() * 1000)
        window = int(self.rule.window_seconds * 1000)
        count, last = await self._store.consume_rate_limit(
            f"{client}|{path}", window, self.rule.max_requests, now
        )
        if count > self.rule.max_requests:
            raise RateLimitedError(max(1, math.ceil((last + window - now) / 1000)))


def rate_limiter(rule: RateLimit | None, store: Store) -> RateLimiter | DatabaseRateLimiter | None:
    """The limiter ``rule`` asks for (``rule.storage``), or none."""
    if rule is None:
        return None
    return DatabaseRateLimiter(rule, store) if rule.storage == "database" else RateLimiter(rule)
