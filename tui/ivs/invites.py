"""The `StreamCat:MultihostInvite` event: what it carries and how a client reads it.

Every user in the room receives every event, so the event carries no token and no link
that holds one: only who is invited, to which stage, and an invite id that the invited
user redeems with the app server.
"""

from __future__ import annotations

from dataclasses import dataclass

from tui.ivs.events import CustomEvent
from tui.ivs.protocol import EVENT_MULTIHOST_INVITE

BROADCAST_TYPES = ("realtime", "lowlatency")


@dataclass(frozen=True, slots=True)
class Invite:
    user_id: str
    broadcast_type: str
    stage: str
    invite_id: str

    def attributes(self) -> dict[str, str]:
        """The SendEvent attributes, as StreamCat names them (plus `inviteId`)."""
        return {
            "userId": self.user_id,
            "broadcastType": self.broadcast_type,
            "stage": self.stage,
            "inviteId": self.invite_id,
        }


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
    return Invite(user_id, broadcast_type, attrs.get("stage", ""), invite_id)


def invite_for(event: CustomEvent, user_id: str) -> Invite | None:
    """The invite, only if it is addressed to `user_id`: everyone else sees nothing."""
    invite = parse_invite(event)
    return invite if invite is not None and invite.user_id == user_id else None
