"""What the moderation log and a user's card hold, and their JSON shapes.

The log record is what `POST /api/moderation/actions` answers and
`GET /api/moderation/log` lists (newest first):
`{id, at, actor: {userId, displayName}, automatic, action, target: {userId, displayName},
reason, durationSeconds, expiresAt}`, and for a ban `banAddress` (whether the addresses the
user was seen from were banned too). A ban or timeout that purged the user's recent
messages also has `purgeQueued` (how many deletions were queued) and `purged` (how many
were done; null until the purge ends). Times are RFC 3339 in UTC; absent values are null.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum

from tui.common.roles import Role
from tui.ivs.moderation_notice import ModerationNotice
from tui.server import models as wire
from tui.server.models import ModerationAction
from tui.server.moderation.policy import KEEPER_USER_ID

PERMANENT = datetime(9998, 1, 1, tzinfo=UTC).timestamp()
"""`banned_until` of a permanent ban: a real time, so "banned while now < banned_until"
needs no special case in SQL or code, and one every client can show. It is the first
day of the last year tui.ivs.protocol lets a time have (SEND_TIME_MAX_YEAR), so
converting it to any local time zone cannot overflow; `is_permanent` tells it apart."""


def is_permanent(until: float | None) -> bool:
    return until is not None and until >= PERMANENT


class LoggedAction(StrEnum):
    """What the log records: the requests, and the room keeper's deletions."""

    BAN = ModerationAction.BAN.value
    UNBAN = ModerationAction.UNBAN.value
    TIMEOUT = ModerationAction.TIMEOUT.value
    UNTIMEOUT = ModerationAction.UNTIMEOUT.value
    MOD = ModerationAction.MOD.value
    UNMOD = ModerationAction.UNMOD.value
    DELETE = ModerationAction.DELETE.value
    """A message deleted (by a moderator, or by the room keeper for a blocked term or a
    flood)."""
    DISCONNECT = ModerationAction.DISCONNECT.value
    SHIELD = "shield"
    """Shield mode turned on (its end is `expires_at`); the target is `ROOM`."""
    UNSHIELD = "unshield"
    """Shield mode turned off, by a moderator or, automatic, when its time was up."""
    APPROVE = "approve"
    """A message held for review let into the room; the target is its sender."""
    DENY = "deny"
    """A message held for review dropped."""
    REFUSE = "refuse"
    """A message the review refused for a blocked term (automatic): never delivered, and
    its sender was told; nobody else is, and nobody's standing changes."""


KEEPER_DISPLAY_NAME = "room keeper"


def utc_text(ts: float | None) -> str | None:
    """Epoch seconds as RFC 3339 UTC (`2026-12-01T20:00:00Z`), or None."""
    if ts is None:
        return None
    return datetime.fromtimestamp(ts, UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def utc_time(ts: float) -> datetime:
    """Epoch seconds as a UTC time to the second, as `utc_text` writes it."""
    return datetime.fromtimestamp(ts, UTC).replace(microsecond=0)


@dataclass(frozen=True, slots=True)
class Party:
    """Someone in a record: the actor or the target, as named when it happened."""

    user_id: str
    display_name: str

    def wire(self) -> wire.Party:
        return wire.Party(user_id=self.user_id, display_name=self.display_name)


KEEPER = Party(KEEPER_USER_ID, KEEPER_DISPLAY_NAME)
ROOM = Party("room", "the room")
"""The target of what concerns the whole room (shield mode)."""


@dataclass(frozen=True, slots=True)
class NewRecord:
    """A record before the store gives it its id."""

    at: float
    actor: Party
    automatic: bool
    action: LoggedAction
    target: Party
    reason: str | None = None
    duration_seconds: int | None = None
    expires_at: float | None = None


@dataclass(frozen=True, slots=True)
class ModerationRecord:
    id: int
    at: float
    actor: Party
    automatic: bool
    action: LoggedAction
    target: Party
    reason: str | None
    duration_seconds: int | None
    expires_at: float | None
    ban_address: bool = False
    """A ban that also banned the addresses the user was seen from."""
    purge_queued: int | None = None
    """A ban's or timeout's purge: the user's messages queued for deletion."""
    purged: int | None = None
    """Of those, how many were deleted, once the purge is done."""

    def to_json(self) -> dict[str, object]:
        """The body both sides read (`tui.server.models.ModerationRecord`)."""
        return wire.ModerationRecord(
            id=self.id,
            at=utc_time(self.at),
            actor=self.actor.wire(),
            automatic=self.automatic,
            action=self.action.value,
            target=self.target.wire(),
            reason=self.reason,
            duration_seconds=self.duration_seconds,
            expires_at=None if self.expires_at is None else utc_time(self.expires_at),
            ban_address=self.ban_address,
            purge_queued=self.purge_queued,
            purged=self.purged,
        ).to_json()

    def notice(self) -> ModerationNotice:
        """The `ivs-chat-tui:Moderation` event that tells the room about this record."""
        return ModerationNotice(
            action=self.action.value,
            record_id=self.id,
            actor_id=self.actor.user_id,
            actor_name=self.actor.display_name,
            target_id=self.target.user_id,
            target_name=self.target.display_name,
            automatic=self.automatic,
            reason=self.reason or "",
            duration_seconds=self.duration_seconds,
            expires_at=None
            if self.expires_at is None
            else datetime.fromtimestamp(self.expires_at, UTC),
        )


@dataclass(frozen=True, slots=True)
class ModerationState:
    """One identity's standing: its role and what holds against it. Times are epoch
    seconds; a ban or timeout holds while now < its `_until`."""

    user_id: str
    role: Role = Role.VIEWER
    banned_until: float | None = None
    timed_out_until: float | None = None
    ban_reason: str | None = None

    def banned(self, now: float) -> bool:
        return self.banned_until is not None and now < self.banned_until

    def timed_out(self, now: float) -> bool:
        return self.timed_out_until is not None and now < self.timed_out_until

    def to_json(self, now: float) -> dict[str, object]:
        """The moderation part of `GET /api/moderation/users/{userId}`: `role`, and
        `bannedUntil` / `timedOutUntil` while they hold."""
        out: dict[str, object] = {"role": self.role.value}
        if self.banned(now):
            out["bannedUntil"] = utc_text(self.banned_until)
        if self.timed_out(now):
            out["timedOutUntil"] = utc_text(self.timed_out_until)
        return out


__all__ = [
    "KEEPER",
    "PERMANENT",
    "ROOM",
    "LoggedAction",
    "ModerationRecord",
    "ModerationState",
    "NewRecord",
    "Party",
    "is_permanent",
    "utc_text",
    "utc_time",
]
