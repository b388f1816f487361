"""A token bucket: `burst` at once, then `rate` a second. One implementation for the local
stack's per-room message rate (as IVS counts it) and the app server's per-address budgets.

The `limits` library was weighed: it has fixed and sliding windows but no token bucket,
which is what IVS's room rate behaves like, and a limit object cannot change its rate.
"""

from __future__ import annotations

import time
from collections.abc import Callable


class TokenBucket:
    __slots__ = ("burst", "clock", "rate", "tokens", "updated")

    def __init__(
        self, rate: float, burst: float, *, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.rate = rate
        """Tokens added per second."""
        self.burst = float(burst)
        self.clock = clock
        self.tokens = float(burst)
        self.updated = clock()

    def _refill(self, now: float) -> float:
        return min(self.burst, self.tokens + (now - self.updated) * self.rate)

    def take(self) -> float:
        """Take one token: 0.0 if there was one, else the seconds until there will be."""
        now = self.clock()
        self.tokens = self._refill(now)
        self.updated = now
        if self.tokens >= 1.0:
            self.tokens -= 1.0
            return 0.0
        return (1.0 - self.tokens) / self.rate

    def wait(self) -> float:
        """Like `take`, without taking anything."""
        tokens = self._refill(self.clock())
        return 0.0 if tokens >= 1.0 else (1.0 - tokens) / self.rate

    def full_since(self, now: float) -> bool:
        """Idle long enough to be full again: a caller keeping many may forget it."""
        return now - self.updated >= self.burst / self.rate

    def set_rate(self, rate: float, burst: float | None = None) -> None:
        """A new rate (and burst) from now on; tokens above the new burst are dropped."""
        now = self.clock()
        self.tokens = self._refill(now)
        self.updated = now
        self.rate = rate
        self.burst = float(rate if burst is None else burst)
        self.tokens = min(self.tokens, self.burst)


__all__ = ["TokenBucket"]
