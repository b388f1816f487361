"""The message list's time column: a moment as "HH:MM" in the viewer's zone.

Converting to a zone costs microseconds (the system zone most: `time.localtime`), and a
busy room sends thousands of messages within one minute. Every instant of one UTC minute
shows the same local "HH:MM" while the zone's offset is the same whole number of minutes
across it, which `TimeColumn` checks once per minute before it reuses the text.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, tzinfo
from typing import Final

UNKNOWN_TIME: Final = "--:--"
"""A time that cannot be shown in the local zone."""
_MINUTE: Final = 60


class TimeColumn:
    """Formats moments as "HH:MM" in `tz` (None: the system's zone), one conversion per
    UTC minute."""

    __slots__ = ("_minute", "_text", "_tz")

    def __init__(self, tz: tzinfo | None = None) -> None:
        self._tz = tz
        self._minute = -1.0  # the UTC minute `_text` holds (a timestamp // 60); -1: none
        self._text = ""

    def text(self, moment: datetime) -> str:
        try:
            # A naive moment is local time, for timestamp() as for astimezone().
            minute = moment.timestamp() // _MINUTE
        except (OverflowError, ValueError, OSError):
            return self._convert(moment)
        if minute == self._minute:
            return self._text
        text = self._convert(moment)
        if text != UNKNOWN_TIME and self._steady(minute):
            self._minute, self._text = minute, text
        return text

    def _convert(self, moment: datetime) -> str:
        try:
            local = moment.astimezone(self._tz)
        except (OverflowError, ValueError, OSError):
            # Out of range in this zone (year 1 at +01:00, say): the message still shows.
            return UNKNOWN_TIME
        return f"{local.hour:02d}:{local.minute:02d}"

    def _steady(self, minute: float) -> bool:
        """Does the zone keep one whole-minute offset from the start of this UTC minute
        to its end (no change of offset inside it, no seconds in it, as in LMT)?"""
        try:
            start = self._offset_at(minute * _MINUTE)
            end = self._offset_at(minute * _MINUTE + _MINUTE - 1e-6)
        except (OverflowError, ValueError, OSError):
            return False
        return start == end and start is not None and start % timedelta(minutes=1) == timedelta()

    def _offset_at(self, timestamp: float) -> timedelta | None:
        return datetime.fromtimestamp(timestamp, UTC).astimezone(self._tz).utcoffset()


__all__ = ["UNKNOWN_TIME", "TimeColumn"]
