"""When the recorder was connected: the intervals a history query checks its range against.

The keeper calls `recording(at)` when its room goes live and `stopped(at)` when it
reconnects or stops. While an interval is open its end is a heartbeat (`alive`), written
at most once per `HEARTBEAT_SECONDS`, so after a crash the restart closes it at the last
moment the recorder is known to have been up: the range after that reads incomplete,
never falsely complete. Times are epoch microseconds of the recorder's clock.

Bounded: intervals that ended before the retention window are dropped, and at most
`MAX_INTERVALS` are kept (a flapping link); dropping one can only make a query read
incomplete, never wrongly complete.
"""

from __future__ import annotations

import sqlite3

from tui.server.history.sql import transaction

SCHEMA = """
CREATE TABLE IF NOT EXISTS coverage (
    start_us BIGINT NOT NULL PRIMARY KEY,
    end_us BIGINT NOT NULL,
    open SMALLINT NOT NULL CHECK (open IN (0, 1))
);
"""
MAX_INTERVALS = 1000
HEARTBEAT_SECONDS = 1.0
_HEARTBEAT_US = int(HEARTBEAT_SECONDS * 1_000_000)


class Coverage:
    """The recorder's connected intervals, on the history store's connection."""

    def __init__(self, db: sqlite3.Connection, max_age_us: int) -> None:
        self._db = db
        self._max_age_us = max_age_us
        self._open_start: int | None = None
        self._beat_us = 0
        # A process that ended without `stopped` left its interval open: close it at its
        # last heartbeat, the last moment it is known to have been recording.
        db.execute("UPDATE coverage SET open = 0 WHERE open = 1")

    @property
    def is_recording(self) -> bool:
        return self._open_start is not None

    def recording(self, at_us: int) -> None:
        """The recorder is connected from `at_us` on. A no-op while already recording."""
        if self._open_start is not None:
            return
        with transaction(self._db):
            self._db.execute(
                "INSERT INTO coverage (start_us, end_us, open) VALUES (?, ?, 1) "
                "ON CONFLICT (start_us) DO UPDATE SET end_us = excluded.end_us, open = 1",
                (at_us, at_us),
            )
            self._prune(at_us)
        self._open_start, self._beat_us = at_us, at_us

    def stopped(self, at_us: int) -> None:
        """The recorder lost the room at `at_us`. A no-op when not recording."""
        start = self._open_start
        if start is None:
            return
        self._db.execute(
            "UPDATE coverage SET end_us = ?, open = 0 WHERE start_us = ?",
            (max(at_us, start), start),
        )
        self._open_start = None

    def alive(self, at_us: int) -> None:
        """A heartbeat while recording; written at most once per HEARTBEAT_SECONDS."""
        start = self._open_start
        if start is None or at_us - self._beat_us < _HEARTBEAT_US:
            return
        self._db.execute("UPDATE coverage SET end_us = ? WHERE start_us = ?", (at_us, start))
        self._beat_us = at_us

    def covered(self, start_us: int, end_us: int, now_us: int) -> bool:
        """Whether the recorder was connected for all of [start_us, end_us]. The open
        interval of this process reaches `now_us`."""
        rows = self._db.execute(
            "SELECT start_us, end_us FROM coverage WHERE end_us >= ? OR start_us = ? "
            "ORDER BY start_us",
            (start_us, self._open_start if self._open_start is not None else -1),
        ).fetchall()
        reached: int | None = None  # covered from start_us up to here
        for begin, end in rows:
            if begin == self._open_start:
                end = max(end, now_us)
            if end < start_us:
                continue
            if begin > (start_us if reached is None else reached):
                return False
            reached = max(start_us if reached is None else reached, end)
            if reached >= end_us:
                return True
        return False

    def intervals(self) -> list[tuple[int, int]]:
        """(start, end) of every kept interval, oldest first; the open one ends at its
        last heartbeat."""
        return [
            (int(a), int(b))
            for a, b in self._db.execute("SELECT start_us, end_us FROM coverage ORDER BY start_us")
        ]

    def _prune(self, now_us: int) -> None:
        self._db.execute(
            "DELETE FROM coverage WHERE open = 0 AND end_us < ?", (now_us - self._max_age_us,)
        )
        # LIMIT -1 OFFSET n is SQLite's "all rows after n"; Postgres: OFFSET n alone.
        self._db.execute(
            "DELETE FROM coverage WHERE start_us IN (SELECT start_us FROM coverage "
            "ORDER BY start_us DESC LIMIT -1 OFFSET ?)",
            (MAX_INTERVALS,),
        )
