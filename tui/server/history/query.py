"""The history query behind `GET /api/chat/history?after=<messageId or RFC 3339 time>&limit=N`.

`history(store, after, limit)` answers a `HistoryPage`: messages in send order (send time,
then Id, the same order for every recorder) after `after`, exclusive, and `complete`,
which is false when the recorder was not connected for part of the range:
- `after` a message Id: from when that message was recorded to now. A message we
  recorded was delivered while we were connected, and IVS delivers in order, so nothing
  after it can have been missed before that moment. A deleted message keeps its place.
- `after` a time: from that time to now.
- no `after`: the newest `limit` messages (what a client shows on join), and the range
  runs from when the oldest of them was recorded to now; with no messages at all, it is
  the instant now (is the recorder connected?).
A page is also bounded in bytes (`MAX_PAGE_BYTES`): a page after an Id or a time stops
before the message that would pass it and says `more`; the newest page keeps the newest
messages that fit. A full page, or one marked `more`, may have more after it: ask again
after its last message. Bad input raises
the service's 400 and an unknown message Id its 404 (tui/server/domain_errors.py).
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta, timezone

from tui.ivs.protocol import ID_ALPHABET, ID_LENGTH, SEND_TIME_MAX_YEAR, SEND_TIME_MIN_YEAR
from tui.server.domain_errors import InvalidRequest, NotFound
from tui.server.history.record import HistoryPage, to_micros
from tui.server.history.store import HistoryStore, StoredMessage

DEFAULT_LIMIT = 50
"""What the TUI shows on join, unless its config says otherwise."""
MAX_LIMIT = 1000
"""Ten seconds of a room at IVS's highest rate (100 msg/s): a reconnect's gap fits one
page, while the largest answer stays bounded (typical frames: about 300 KB; every field
at its bound, about 20 MB). Longer gaps page with `after=<last Id>`."""

MAX_PAGE_BYTES = 512 * 1024
"""The most one answer carries, whatever `limit` says: a page of messages at their field
bounds (control characters written as JSON escapes, full attributes) would otherwise be
megabytes, held in memory for as long as the client takes to read it."""

_ID = re.compile(f"[{re.escape(ID_ALPHABET)}]{{{ID_LENGTH}}}")
_RFC3339 = re.compile(
    r"([0-9]{4})-([0-9]{2})-([0-9]{2})[Tt ]([0-9]{2}):([0-9]{2}):([0-9]{2})(?:\.([0-9]+))?"
    r"(?:([Zz])|([+\- ])([0-9]{2}):([0-9]{2}))"
)


def parse_time(text: str) -> datetime:
    """An RFC 3339 time with its offset; any number of fraction digits (IVS sends
    nanoseconds), cut to the microseconds history keeps. Raises `ValueError` in words."""
    match = _RFC3339.fullmatch(text)
    if match is None:
        raise ValueError(
            f"{text[:40]!r} is not an RFC 3339 time such as 2024-05-01T12:00:00.123456789Z"
        )
    year, month, day, hour, minute, second = (int(g) for g in match.groups()[:6])
    fraction, zulu, sign, off_h, off_m = match.groups()[6:]
    micros = int((fraction or "0")[:6].ljust(6, "0"))
    if zulu:
        zone = UTC
    else:
        if int(off_h) > 23 or int(off_m) > 59:
            raise ValueError(f"{text[:40]!r}: the offset {off_h}:{off_m} is out of range")
        # A '+' in a query string arrives as a space unless it was sent as %2B.
        offset = timedelta(hours=int(off_h), minutes=int(off_m))
        zone = timezone(-offset if sign == "-" else offset)
    if not SEND_TIME_MIN_YEAR <= year <= SEND_TIME_MAX_YEAR:
        raise ValueError(
            f"{text[:40]!r}: the year must be {SEND_TIME_MIN_YEAR}..{SEND_TIME_MAX_YEAR}"
        )
    try:
        return datetime(year, month, day, hour, minute, second, micros, tzinfo=zone)
    except ValueError as exc:  # e.g. month 13, Feb 30, a leap second
        raise ValueError(f"{text[:40]!r} is not a real time: {exc}") from None


def parse_after(after: str | None) -> str | datetime | None:
    """`after` as a message Id (12 characters [A-Za-z0-9]), a time, or None. 400 else."""
    if after is None or after == "":
        return None
    if _ID.fullmatch(after):
        return after
    try:
        return parse_time(after)
    except ValueError as exc:
        raise InvalidRequest(
            f"after must be a message id ({ID_LENGTH} letters and digits) or an RFC 3339 "
            f"time: {exc}"
        ) from None


def parse_limit(limit: str | int | None) -> int:
    """The page size: DEFAULT_LIMIT when absent, 1..MAX_LIMIT otherwise, 400 else."""
    if limit is None or limit == "":
        return DEFAULT_LIMIT
    if isinstance(limit, int):
        value = limit
    elif limit.isascii() and limit.isdigit() and len(limit) <= 6:
        value = int(limit)
    else:
        value = 0
    if not 1 <= value <= MAX_LIMIT:
        raise InvalidRequest(f"limit must be a whole number from 1 to {MAX_LIMIT}")
    return value


def _within(frames: list[str], budget: int, *, keep_newest: bool) -> list[str]:
    """The longest run of `frames` from the start (or, `keep_newest`, from the end) whose
    JSON stays within `budget` bytes; at least one, so a page always moves on."""
    order = reversed(frames) if keep_newest else iter(frames)
    kept: list[str] = []
    used = 0
    for frame in order:
        used += len(frame.encode()) + 1
        if kept and used > budget:
            break
        kept.append(frame)
    return kept[::-1] if keep_newest else kept


def history(
    store: HistoryStore,
    after: str | None = None,
    limit: str | int | None = None,
    *,
    max_bytes: int = MAX_PAGE_BYTES,
) -> HistoryPage:
    """The page the route answers, from the raw query parameters. Raises `ServiceError`."""
    where = parse_after(after)
    size = parse_limit(limit)
    now = store.now_us()
    rows: list[StoredMessage]
    if where is None:
        rows = store.newest(size)
        start = rows[0].recorded_at_us if rows else now
    elif isinstance(where, str):
        position = store.position(where)
        if position is None:
            raise NotFound(
                f"message {where} is not in the history: it is older than the history "
                "keeps, or was never recorded; ask with after=<its send time> instead"
            )
        rows = store.after_position(position, size)
        start = position.recorded_at_us
    else:
        time_us = to_micros(where)
        rows = store.after_time(time_us, size)
        start = time_us
    complete = store.coverage.covered(min(start, now), now, now)
    frames = [row[2] for row in rows]
    kept = _within(frames, max_bytes, keep_newest=where is None)
    # The newest page has nothing after it; a cut page after a point does.
    more = where is not None and len(kept) < len(frames)
    return HistoryPage(tuple(kept), complete, more)


__all__ = [
    "DEFAULT_LIMIT",
    "MAX_LIMIT",
    "MAX_PAGE_BYTES",
    "history",
    "parse_after",
    "parse_limit",
    "parse_time",
]
