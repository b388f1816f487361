"""What the review reads and counts, on SQLite and on Postgres: standing in one query,
and a flood count that holds across connections (reconnects, other instances)."""

from __future__ import annotations

from tui.common.roles import Role
from tui.server.db import DatabaseTarget
from tui.server.moderation.log_store import ModerationStore
from tui.server.moderation.records import KEEPER, LoggedAction, NewRecord, Party
from tui.server.moderation.room_settings import FloodLimits
from tui.server.review.decision import Flood, Standing
from tui.server.review.store import ReviewStore
from tui.server.store import Store

NOW = 1_800_000_000.0


def record(action: LoggedAction, user: str, expires: float | None = None) -> NewRecord:
    return NewRecord(NOW, KEEPER, False, action, Party(user, user), None, None, expires)


def test_standing_from_one_query(where: DatabaseTarget) -> None:
    identities = Store(where.open_core())
    moderation = ModerationStore(where.open_core(), owned=True)
    review = ReviewStore(moderation.db)
    try:
        identities.add_identity("host", "k1", "Host", Role.BROADCASTER, NOW)
        assert review.standing("host", None, NOW) == Standing(role=Role.BROADCASTER)
        assert review.standing("nobody", None, NOW) == Standing()
        moderation.apply(record(LoggedAction.MOD, "mod"))
        assert review.standing("mod", None, NOW).role is Role.MODERATOR
        moderation.apply(record(LoggedAction.TIMEOUT, "t", NOW + 60))
        assert review.standing("t", None, NOW).timed_out
        assert not review.standing("t", None, NOW + 61).timed_out
        moderation.note_address("b", "10.0.0.9", NOW)
        moderation.apply(record(LoggedAction.BAN, "b"), addresses=True)
        assert review.standing("b", None, NOW).banned
        assert review.standing("other", "10.0.0.9", NOW).address_banned
        assert not review.standing("other", "10.0.0.8", NOW).address_banned
        # Counting reads the same standing in the same statement.
        limits = FloodLimits()
        for user, address in (("host", None), ("mod", None), ("t", None), ("b", "10.0.0.9")):
            counted, _ = review.review(user, address, NOW, limits)
            assert counted == review.standing(user, address, NOW)
        assert review.review("x", "10.0.0.9", NOW, limits)[0].address_banned
    finally:
        moderation.close()
        identities.close()


def test_the_flood_count_holds_across_connections(where: DatabaseTarget) -> None:
    limits = FloodLimits(messages=2, seconds=10)
    first = ModerationStore(where.open_core(), owned=True)
    second = ModerationStore(where.open_core(), owned=True)  # another instance
    try:
        one, two = ReviewStore(first.db), ReviewStore(second.db)
        counts = [
            (one if n % 2 else two).review("u", None, NOW + n * 0.1, limits)[1] for n in range(5)
        ]
        assert counts == [Flood.NO, Flood.NO, Flood.STARTS, Flood.CONTINUES, Flood.CONTINUES]
        assert one.review("other", None, NOW, limits)[1] is Flood.NO  # per identity
        # A window later, the count starts again.
        assert two.review("u", None, NOW + 10.5, limits)[1] is Flood.NO
    finally:
        first.close()
        second.close()
