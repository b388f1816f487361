"""What the message review reads and writes in the shared store (SQLite or Postgres).

Calls are synchronous on the event loop, as every store's are, so each review makes as
few as it can, each on an indexed key:
- `standing`: one query for the sender's role, ban, timeout and whether their address
  is banned (identities, moderation_state and moderation_banned_addresses together);
- `count_flood`: for a viewer, one upsert that counts the message in their flood window
  and returns the count.

Nothing is cached in memory: with several instances on one Postgres, a ban made through
one must hold at once on every other, and a query on a primary key costs less than any
invalidation would.
"""

from __future__ import annotations

from tui.common.roles import Role
from tui.server.db import Database, migrate, review_schema
from tui.server.moderation.room_settings import FloodLimits
from tui.server.review.decision import Flood, Standing

_STANDING = (
    "SELECT i.role, s.role, s.banned_until, s.timed_out_until,"
    " EXISTS (SELECT 1 FROM moderation_banned_addresses"
    " WHERE address = ? AND banned_until > ?)"
    " FROM (SELECT CAST(? AS TEXT) AS uid) AS q"
    " LEFT JOIN identities i ON i.user_id = q.uid"
    " LEFT JOIN moderation_state s ON s.user_id = q.uid"
)

_COUNT = (
    "INSERT INTO review_flood (user_id, window_start, messages) VALUES (?, ?, 1)"
    " ON CONFLICT (user_id) DO UPDATE SET"
    " messages = CASE WHEN review_flood.window_start > ? THEN review_flood.messages + 1"
    " ELSE 1 END,"
    " window_start = CASE WHEN review_flood.window_start > ? THEN review_flood.window_start"
    " ELSE excluded.window_start END"
    " RETURNING messages"
)


class ReviewStore:
    """On the moderation store's connection (the core tables it reads live there)."""

    def __init__(self, db: Database) -> None:
        self._db = db
        migrate(db, review_schema.COMPONENT, review_schema.STEPS)

    def standing(self, user_id: str, address: str | None, now: float) -> Standing:
        """The sender's standing now; `address` (Sender.Ip), when known, is checked
        against the banned addresses."""
        row = self._db.execute(_STANDING, (address or "", now, user_id)).fetchone()
        own, role, banned_until, timed_out_until, address_banned = row
        if own == Role.BROADCASTER.value:
            effective = Role.BROADCASTER
        elif role == Role.MODERATOR.value:
            effective = Role.MODERATOR
        else:
            effective = Role.VIEWER
        return Standing(
            role=effective,
            banned=banned_until is not None and now < banned_until,
            timed_out=timed_out_until is not None and now < timed_out_until,
            address_banned=bool(address_banned),
        )

    def count_flood(self, user_id: str, now: float, limits: FloodLimits) -> Flood:
        """Count one message of `user_id`'s now. A window opens at a sender's first
        message and lasts `limits.seconds`; more than `limits.messages` in it is a flood,
        which the message that first goes over starts (one upsert, atomic: of several
        instances counting at once, exactly one sees the start)."""
        opened_after = now - limits.seconds
        row = self._db.execute(_COUNT, (user_id, now, opened_after, opened_after)).fetchone()
        count = int(row[0])
        if count <= limits.messages:
            return Flood.NO
        return Flood.STARTS if count == limits.messages + 1 else Flood.CONTINUES


__all__ = ["ReviewStore"]
