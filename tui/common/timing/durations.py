"""Durations as moderators type and read them: `90s`, `15m`, `2h`, `3d`, or `1h30m`.

Standard library only: the timeout picker and the room settings screen parse what is
typed here and show durations the same way back, and `describe_duration` words them for
reading on both sides, the TUI's lines and the app server's log lines and refusals.
"""

from __future__ import annotations

import re
from typing import Final

MINUTE: Final = 60
HOUR: Final = 60 * MINUTE
DAY: Final = 24 * HOUR

_UNITS: Final = {
    **dict.fromkeys(("s", "sec", "secs", "second", "seconds"), 1),
    **dict.fromkeys(("m", "min", "mins", "minute", "minutes"), MINUTE),
    **dict.fromkeys(("h", "hr", "hrs", "hour", "hours"), HOUR),
    **dict.fromkeys(("d", "day", "days"), DAY),
}
# A number of at most 7 digits and its unit, repeated: "1h30m"; only the last may go
# without a unit (seconds).
_PART: Final = re.compile(r"(\d{1,7})\s*([a-z]*)")
_WHOLE: Final = re.compile(r"(?:\d{1,7}\s*[a-z]+\s*)*\d{1,7}\s*[a-z]*")
EXAMPLES: Final = "such as 90s, 15m, 2h or 3d"


class DurationError(ValueError):
    """What was typed is not a duration; `str()` says so in the user's words."""


def parse_duration(text: str, *, what: str = "a duration", allow_zero: bool = False) -> int:
    """Seconds from `text` (`90s`, `15m`, `2h`, `3d`, `1h30m`; a bare number is seconds).
    Raises DurationError naming `what` when it is not one, or is zero (unless allowed)."""
    typed = text.strip().lower()
    if not typed:
        raise DurationError(f"type {what} {EXAMPLES}")
    if _WHOLE.fullmatch(typed) is None:
        raise DurationError(f"{_shown(text)} is not {what}: type one {EXAMPLES}")
    seconds = 0
    for number, unit in _PART.findall(typed):
        size = _UNITS.get(unit or "s")
        if size is None:
            raise DurationError(f"{_shown(unit)} is not a unit: use s, m, h or d ({EXAMPLES})")
        seconds += int(number) * size
    if seconds == 0 and not allow_zero:
        raise DurationError(f"{what} must be longer than 0 s")
    return seconds


def format_duration(seconds: int) -> str:
    """`seconds` in the largest units that say it exactly, as parse_duration reads it:
    600 -> "10m", 5400 -> "1h30m", 90 -> "1m30s", 0 -> "0s"."""
    if seconds <= 0:
        return "0s"
    parts = []
    for size, unit in ((DAY, "d"), (HOUR, "h"), (MINUTE, "m"), (1, "s")):
        count, seconds = divmod(seconds, size)
        if count:
            parts.append(f"{count}{unit}")
    return "".join(parts)


def describe_duration(seconds: int) -> str:
    """For reading: 60 -> "1 min", 86400 -> "24 h", 5400 -> "1 h 30 min", 90 -> "1 min 30 s".
    Whole days up to two are said in hours, as the timeout presets name them."""
    if seconds <= 0:
        return "0 s"
    sizes: tuple[tuple[int, str], ...] = ((HOUR, "h"), (MINUTE, "min"), (1, "s"))
    if seconds > 2 * DAY:
        sizes = ((DAY, "d"), *sizes)
    parts = []
    for size, unit in sizes:
        count, seconds = divmod(seconds, size)
        if count:
            parts.append(f"{count} {unit}")
    return " ".join(parts)


def _shown(text: str) -> str:
    """What was typed, quoted and kept short, for an error message (drawn as plain text)."""
    text = text.strip()
    return repr(text if len(text) <= 20 else text[:19] + "…")


__all__ = [
    "DAY",
    "HOUR",
    "MINUTE",
    "DurationError",
    "describe_duration",
    "format_duration",
    "parse_duration",
]
