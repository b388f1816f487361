"""When the room was being recorded: the intervals a history query checks its range against.

Every server that records the room (one on SQLite; each instance on a shared Postgres)
keeps its own intervals, named by its `recorder` id (fresh per start). The keeper calls
`recording(at)` when its room goes live and `stopped(at)` when it reconnects or stops.
While an interval is open its end is a heartbeat (`alive`), written at most once per
`HEARTBEAT_SECONDS`, so an interval whose server died ends at the last moment it is known
to have been up: the range after that reads incomplete, never falsely complete.

A range is covered when the union of all recorders' intervals covers it: with two
instances recording, one may die and the other's interval still covers the room. Only
this server's own open interval reaches `now`; another's reaches its last heartbeat. Times
are epoch microseconds of each recorder's clock.

Bounded: intervals that ended before the retention window are dropped, and at most
`MAX_INTERVALS` are kept (a flapping link); dropping one can only make a query read
incomplete, never wrongly complete.
"""

from __future__ import annotations

from tui.server.db import Database
from tui.server.db.engine import ALL_ROWS

MAX_INTERVALS = 1000
HEARTBEAT_SECONDS = 1.0
_HEARTBEAT_US = int(HEARTBEAT_SECONDS * 1_000_000)


class Coverage:
    """This recorder's connected intervals, and everyone's for `covered`, on the history
    store's connection."""

    def __init__(self, db: Database, max_age_us: int, recorder: str) -> None:
        self._db = db
        self._max_age_us = max_age_us
        self.recorder = recorder
        self._open_start: int | None = None
        self._beat_us = 0

    @property
    def is_recording(self) -> bool:
        return self._open_start is not None

    def recording(self, at_us: int) -> None:
        """The recorder is connected from `at_us` on. A no-op while already recording."""
        if self._open_start is not None:
            return
        with self._db.transaction():
            self._db.execute(
                "INSERT INTO coverage_intervals (recorder, start_us, end_us, open) "
                "VALUES (?, ?, ?, 1) ON CONFLICT (recorder, start_us) "
                "DO UPDATE SET end_us = excluded.end_us, open = 1",
                (self.recorder, at_us, at_us),
            )
            self._prune(at_us)
        self._open_start, self._beat_us = at_us, at_us

    def stopped(self, at_us: int) -> None:
        """The recorder lost the room at `at_us`. A no-op when not recording."""
        start = self._open_start
        if start is None:
            return
        self._open_start = None
        self._db.execute(
            "UPDATE coverage_intervals SET end_us = ?, open = 0 "
            "WHERE recorder = ? AND start_us = ?",
            (max(at_us, start), self.recorder, start),
        )

    def alive(self, at_us: int) -> None:
        """A heartbeat while recording; written at most once per HEARTBEAT_SECONDS."""
        start = self._open_start
        if start is None or at_us - self._beat_us < _HEARTBEAT_US:
            return
        self._db.execute(
            "UPDATE coverage_intervals SET end_us = ? WHERE recorder = ? AND start_us = ?",
            (at_us, self.recorder, start),
        )
        self._beat_us = at_us

    def covered(self, start_us: int, end_us: int, now_us: int) -> bool:
        """Whether some recorder was connected at every moment of [start_us, end_us].
        This recorder's open interval reaches `now_us`."""
        mine = self._open_start if self._open_start is not None else -1
        rows = self._db.execute(
            "SELECT start_us, end_us, recorder FROM coverage_intervals "
            "WHERE end_us >= ? OR (recorder = ? AND start_us = ?) ORDER BY start_us",
            (start_us, self.recorder, mine),
        ).fetchall()
        reached: int | None = None  # covered from start_us up to here
        for begin, end, recorder in rows:
            if begin == mine and recorder == self.recorder:
                end = max(end, now_us)
            if end < start_us:
                continue
            if begin > (start_us if reached is None else reached):
                return False
            reached = max(start_us if reached is None else reached, end)
            if reached >= end_us:
                return True
        return False

    def intervals(self, mine: bool = False) -> list[tuple[int, int]]:
        """(start, end) of every recorder's kept intervals (with `mine`, this one's),
        oldest first; an open one ends at its last heartbeat."""
        if not mine:
            rows = self._db.execute(
                "SELECT start_us, end_us FROM coverage_intervals ORDER BY start_us, recorder"
            )
        else:
            rows = self._db.execute(
                "SELECT start_us, end_us FROM coverage_intervals WHERE recorder = ? "
                "ORDER BY start_us",
                (self.recorder,),
            )
        return [(int(a), int(b)) for a, b in rows]

    def _prune(self, now_us: int) -> None:
        # An interval ends at its last heartbeat, so a live recorder's open interval is
        # never older than a heartbeat: what ended before the window goes, open or not
        # (a recorder that died leaves its interval open).
        self._db.execute(
            "DELETE FROM coverage_intervals WHERE end_us < ?", (now_us - self._max_age_us,)
        )
        self._db.execute(
            "DELETE FROM coverage_intervals WHERE (recorder, start_us) IN (SELECT recorder, "
            f"start_us FROM coverage_intervals ORDER BY start_us DESC LIMIT {ALL_ROWS} "
            "OFFSET ?)",
            (MAX_INTERVALS,),
        )
