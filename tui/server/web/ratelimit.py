"""Per-client-address rate limiting: a token bucket per address, in this process's memory.

Several instances on one Postgres each keep their own buckets: behind a load balancer
that spreads an address over N instances, the address gets up to N times each budget
(the README's "Several instances on Postgres" says so and what to do)."""

from __future__ import annotations

import time
from collections.abc import Callable

from tui.common.token_bucket import TokenBucket


class AddressBudget:
    """`burst` requests at once, then `per_minute` a minute, for each key (an address).
    Full buckets are forgotten, so memory follows the number of recent callers."""

    def __init__(
        self, per_minute: float, burst: int, *, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.rate = per_minute / 60.0
        self.burst = float(burst)
        self.clock = clock
        self._buckets: dict[str, TokenBucket] = {}
        self._last_sweep = clock()

    def check(self, key: str) -> float:
        """Take one request for `key`: 0.0 if allowed, else the seconds until it would be."""
        now = self.clock()
        self._sweep(now)
        bucket = self._buckets.get(key)
        if bucket is None:
            bucket = self._buckets[key] = TokenBucket(self.rate, self.burst, clock=self.clock)
        return bucket.take()

    def wait(self, key: str) -> float:
        """Like `check`, without taking anything: 0.0 if one request would be allowed."""
        bucket = self._buckets.get(key)
        return 0.0 if bucket is None else bucket.wait()

    def _sweep(self, now: float) -> None:
        if now - self._last_sweep < self.burst / self.rate:
            return
        self._last_sweep = now
        stale = [k for k, b in self._buckets.items() if b.full_since(now)]
        for key in stale:
            del self._buckets[key]
