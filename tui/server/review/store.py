"""What the message review reads and writes in the shared store (SQLite or Postgres).

Calls are synchronous on the event loop, as every store's are, so a review makes one
statement, on indexed keys: `review` counts the message in its sender's flood window
(one upsert) and returns, in the same round trip, the sender's role, ban, timeout and
whether their address is banned (identities, moderation_state and
moderation_banned_addresses, read by primary key in its RETURNING clause). On Postgres,
where each statement is a round trip to another process, one instead of two halved the
time a decision waits on a loaded machine. Every message counts, whoever sends it: the
decision looks at the count only for viewers, and a count costs nothing more here.

`standing` reads the same without counting: the room keeper's question about a message
already delivered (and so already counted).

Nothing is cached in memory: with several instances on one Postgres, a ban made through
one must hold at once on every other, and a query on a primary key costs less than any
invalidation would.
"""

from __future__ import annotations

from typing import Any

from tui.common.roles import Role
from tui.server.db import Database, migrate, review_schema
from tui.server.moderation.room_settings import FloodLimits
from tui.server.review.decision import Flood, Standing

_SENDER = (
    " (SELECT role FROM identities WHERE user_id = {uid}),"
    " (SELECT role FROM moderation_state WHERE user_id = {uid}),"
    " (SELECT banned_until FROM moderation_state WHERE user_id = {uid}),"
    " (SELECT timed_out_until FROM moderation_state WHERE user_id = {uid}),"
    " EXISTS (SELECT 1 FROM moderation_banned_addresses"
    " WHERE address = ? AND banned_until > ?)"
)

_STANDING = "SELECT" + _SENDER.format(uid="q.uid") + " FROM (SELECT CAST(? AS TEXT) AS uid) AS q"

_REVIEW = (
    "INSERT INTO review_flood (user_id, window_start, messages) VALUES (?, ?, 1)"
    " ON CONFLICT (user_id) DO UPDATE SET"
    " messages = CASE WHEN review_flood.window_start > ? THEN review_flood.messages + 1"
    " ELSE 1 END,"
    " window_start = CASE WHEN review_flood.window_start > ? THEN review_flood.window_start"
    " ELSE excluded.window_start END"
    " RETURNING messages," + _SENDER.format(uid="review_flood.user_id")
)


def _standing(row: tuple[Any, ...], now: float) -> Standing:  # as the driver returns it
    own, role, banned_until, timed_out_until, address_banned = row
    if own == Role.BROADCASTER:
        effective = Role.BROADCASTER
    elif role == Role.MODERATOR:
        effective = Role.MODERATOR
    else:
        effective = Role.VIEWER
    return Standing(
        role=effective,
        banned=banned_until is not None and now < float(banned_until),
        timed_out=timed_out_until is not None and now < float(timed_out_until),
        address_banned=bool(address_banned),
    )


def _flood(count: int, limits: FloodLimits) -> Flood:
    if count <= limits.messages:
        return Flood.NO
    return Flood.STARTS if count == limits.messages + 1 else Flood.CONTINUES


class ReviewStore:
    """On the moderation store's connection (the core tables it reads live there)."""

    def __init__(self, db: Database) -> None:
        self._db = db
        migrate(db, review_schema.COMPONENT, review_schema.STEPS)

    def review(
        self, user_id: str, address: str | None, now: float, limits: FloodLimits
    ) -> tuple[Standing, Flood]:
        """Count one message of `user_id`'s now, and read their standing (`address`,
        Sender.Ip, when known, is checked against the banned addresses). A window opens
        at a sender's first message and lasts `limits.seconds`; more than
        `limits.messages` in it is a flood, which the message that first goes over
        starts (one upsert, atomic: of several instances counting at once, exactly one
        sees the start)."""
        opened_after = now - limits.seconds
        row = self._db.execute(
            _REVIEW, (user_id, now, opened_after, opened_after, address or "", now)
        ).fetchone()
        return _standing(row[1:], now), _flood(int(row[0]), limits)

    def standing(self, user_id: str, address: str | None, now: float) -> Standing:
        """The sender's standing now, nothing counted."""
        row = self._db.execute(_STANDING, (address or "", now, user_id)).fetchone()
        return _standing(row, now)


__all__ = ["ReviewStore"]
