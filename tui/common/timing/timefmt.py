"""Times as the IVS APIs write them: RFC 3339 in UTC with milliseconds.

One function for every part: the local stack writes `createTime` and `expirationTime`
with it, the invite event its `expiresAt`.
"""

from __future__ import annotations

from datetime import UTC, datetime


def rfc3339(moment: datetime | float) -> str:
    """`2026-11-27T12:30:00.123Z`: UTC, milliseconds truncated. A float is seconds since
    the epoch; a naive datetime is taken as UTC."""
    if isinstance(moment, datetime):
        utc = moment.astimezone(UTC) if moment.tzinfo else moment.replace(tzinfo=UTC)
    else:
        utc = datetime.fromtimestamp(moment, UTC)
    return utc.strftime("%Y-%m-%dT%H:%M:%S.") + f"{utc.microsecond // 1000:03d}Z"


__all__ = ["rfc3339"]
