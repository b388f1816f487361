"""A user's offences, counted from the moderation log for the user card
(`GET /api/moderation/users/{userId}` answers them as `offences: {automatic, manual}`).

Automatic: what the message review and the room keeper did on their own (a blocked
term's deletion, a flood's timeout). Manual: bans, timeouts, deletions and disconnects
by the broadcaster and moderators. Lifting one (unban, untimeout) is no offence, nor is
being made a moderator. The log keeps every record, so the counts cover all time.
"""

from __future__ import annotations

from tui.server.db import Database
from tui.server.models import Offences
from tui.server.moderation.records import LoggedAction

OFFENCE_ACTIONS: tuple[LoggedAction, ...] = (
    LoggedAction.BAN,
    LoggedAction.TIMEOUT,
    LoggedAction.DELETE,
    LoggedAction.DISCONNECT,
    LoggedAction.REFUSE,
)


def count_offences(db: Database, user_id: str) -> Offences:
    """One indexed query (the log's index by target)."""
    marks = ", ".join("?" for _ in OFFENCE_ACTIONS)
    rows = db.execute(
        f"SELECT automatic, count(*) FROM moderation_log WHERE target_id = ?"
        f" AND action IN ({marks}) GROUP BY automatic",
        (user_id, *(a.value for a in OFFENCE_ACTIONS)),
    ).fetchall()
    counts = {bool(automatic): int(n) for automatic, n in rows}
    return Offences(automatic=counts.get(True, 0), manual=counts.get(False, 0))


__all__ = ["OFFENCE_ACTIONS", "Offences", "count_offences"]
