"""The wall clock, as the parts that show or compare times take it: a callable, so a test
passes a fixed one."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

Clock = Callable[[], datetime]
"""Returns the current time, timezone-aware."""


def utc_now() -> datetime:
    return datetime.now(UTC)


__all__ = ["Clock", "utc_now"]
