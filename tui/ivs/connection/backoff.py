"""Reconnect delays: exponential backoff with full jitter.

Full jitter (AWS Architecture Blog, "Exponential Backoff and Jitter") spreads clients that
lost the same server over the whole window, so they do not all come back at once.
"""

from __future__ import annotations

import random


def backoff_delay(attempt: int, *, base: float, cap: float, rng: random.Random) -> float:
    """Seconds to wait before retry number `attempt` (0 for the first retry):
    uniform(0, min(cap, base * 2**attempt))."""
    if attempt < 0:
        raise ValueError(f"attempt must be >= 0, not {attempt}")
    # 2**attempt overflows float for huge attempt counts; the cap is reached long before.
    ceiling = cap if attempt >= 64 else min(cap, base * 2.0**attempt)
    return rng.uniform(0.0, ceiling)
