"""A per-client token bucket that limits how fast one address may post tickets.

The buckets live in the memory of one process: they are the only state the
service keeps between requests, and each copy of the service counts on its
own (the README's limits say so). Nothing is stored about a client that has
been quiet long enough for its bucket to fill up again.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from ticket_schema.intake.settings import RateLimit

# Buckets kept before the full (idle) ones are forgotten.
PRUNE_ABOVE = 10_000


@dataclass
class _Bucket:
    tokens: float
    updated: float


class RateLimiter:
    """Allows `limit.requests` posts per client in a burst, refilled evenly over `limit.period`."""

    def __init__(self, limit: RateLimit, clock: Callable[[], float] = time.monotonic) -> None:
        self.capacity = float(limit.requests)
        self.refill_per_second = limit.requests / limit.period
        self._clock = clock
        self._buckets: dict[str, _Bucket] = {}
        self._lock = threading.Lock()

    def take(self, client: str) -> float:
        """Spend one token of `client`; returns 0 when allowed, else the seconds to wait."""
        now = self._clock()
        with self._lock:
            bucket = self._buckets.get(client)
            if bucket is None:
                if len(self._buckets) >= PRUNE_ABOVE:
                    self._forget_idle(now)
                bucket = self._buckets[client] = _Bucket(self.capacity, now)
            else:
                elapsed = max(0.0, now - bucket.updated)
                bucket.tokens = min(self.capacity, bucket.tokens + elapsed * self.refill_per_second)
                bucket.updated = now
            if bucket.tokens >= 1:
                bucket.tokens -= 1
                return 0.0
            return (1 - bucket.tokens) / self.refill_per_second

    def _forget_idle(self, now: float) -> None:
        full_after = self.capacity / self.refill_per_second
        idle = [key for key, b in self._buckets.items() if now - b.updated >= full_after]
        for key in idle:
            del self._buckets[key]


def retry_after(wait: float) -> int:
    """Seconds for a Retry-After header: whole, and at least one."""
    return max(1, math.ceil(wait))
