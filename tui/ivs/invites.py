"""The `StreamCat:MultihostInvite` event: what it carries and how a client reads it.

Every user in the room receives every event, so the event carries no token and no link
that holds one: only who is invited, to which stage, and an invite id that the invited
user redeems with the app server, and when the invite expires (`expiresAt`, RFC 3339 in
UTC), so a client can take its prompt down on time without asking anyone.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from tui.common.timing.timefmt import rfc3339
from tui.ivs.events import CustomEvent
from tui.ivs.protocol import EVENT_MULTIHOST_INVITE, SEND_TIME_MAX_YEAR, SEND_TIME_MIN_YEAR

BROADCAST_TYPES = ("realtime", "lowlatency")


@dataclass(frozen=True, slots=True)
class Invite:
    user_id: str
    broadcast_type: str
    stage: str
    invite_id: str
    expires_at: datetime | None = None
    """When the invite stops working (aware, UTC); None if the event did not say."""

    def attributes(self) -> dict[str, str]:
        """The SendEvent attributes, as StreamCat names them (plus `inviteId` and
        `expiresAt`)."""
        attrs = {
            "userId": self.user_id,
            "broadcastType": self.broadcast_type,
            "stage": self.stage,
            "inviteId": self.invite_id,
        }
        if self.expires_at is not None:
            attrs["expiresAt"] = rfc3339(self.expires_at)
        return attrs


def parse_expiry(value: str | None) -> datetime | None:
    """An RFC 3339 time as an aware UTC datetime; None when absent or not a time a
    client can show (an invite without a readable expiry is still an invite)."""
    if not value or len(value) > 64:
        return None
    try:
        moment = datetime.fromisoformat(value)
        # RFC 3339 requires an offset; take a bare time as UTC
        utc = moment.astimezone(UTC) if moment.tzinfo else moment.replace(tzinfo=UTC)
    except (ValueError, OverflowError):  # 0001-01-01T00:00+01:00 is year 0 in UTC
        return None
    if not SEND_TIME_MIN_YEAR <= utc.year <= SEND_TIME_MAX_YEAR:
        return None  # local time could overflow
    return utc


def parse_invite(event: CustomEvent) -> Invite | None:
    """The invite an event carries, or None if it is not a well-formed invite."""
    if event.name != EVENT_MULTIHOST_INVITE:
        return None
    attrs = event.attributes
    user_id = attrs.get("userId", "")
    invite_id = attrs.get("inviteId", "")
    broadcast_type = attrs.get("broadcastType", "")
    if not user_id or not invite_id or broadcast_type not in BROADCAST_TYPES:
        return None
    expires_at = parse_expiry(attrs.get("expiresAt"))
    return Invite(user_id, broadcast_type, attrs.get("stage", ""), invite_id, expires_at)


def invite_for(event: CustomEvent, user_id: str) -> Invite | None:
    """The invite, only if it is addressed to `user_id`: everyone else sees nothing."""
    # Everyone sees every invite: one for someone else is not even parsed.
    if event.name != EVENT_MULTIHOST_INVITE or event.attributes.get("userId") != user_id:
        return None
    return parse_invite(event)


# rfc3339 lives in tui.common.timing.timefmt; it stays importable from here for older callers.
__all__ = ["BROADCAST_TYPES", "Invite", "invite_for", "parse_expiry", "parse_invite", "rfc3339"]
