"""What the token endpoint gives an identity, given its standing. Pure.

`chat_token_decision` is the whole of moderation at `POST /api/chat/token`:
- a ban (of the identity, or of the address asking) is a refusal: 403 with the reason;
- a timeout, or an identity younger than the room's `newIdentityWaitSeconds`, is a
  read-only token (no SEND_MESSAGE) and `timedOutUntil`, when sending comes back;
- a moderator gets `role: moderator` in the token attributes (the only place a `[mod]`
  badge can come from), and SEND_MESSAGE like anyone: no chat token but the
  room keeper's carries DELETE_MESSAGE, and none DISCONNECT_USER. A token cannot be
  revoked, so a moderator's spare one would keep those powers after a demotion or a ban;
  moderators (and the broadcaster) delete and disconnect through the app server's
  `POST /api/moderation/actions` instead, which checks the role at each call.
"""

from __future__ import annotations

from dataclasses import dataclass

from tui.common.roles import Role
from tui.common.timing.durations import describe_duration
from tui.ivs.protocol import ChatCapability
from tui.server.domain_errors import NotAllowed
from tui.server.moderation.records import ModerationState, is_permanent, utc_text
from tui.server.moderation.room_settings import RoomSettings

SEND = (ChatCapability.SEND_MESSAGE,)


@dataclass(frozen=True, slots=True)
class TokenDecision:
    role: Role
    capabilities: tuple[ChatCapability, ...]
    read_only_until: float | None = None
    """Epoch seconds when sending comes back (the grant's `timedOutUntil`); None if the
    token may send."""
    read_only_why: str | None = None
    """"timed out" or "new identity", for the TUI's words."""

    def attributes(self, display_name: str) -> dict[str, str]:
        """The token attributes: what every client reads from Sender.Attributes."""
        return {"username": display_name, "role": self.role.value}


def ban_words(state: ModerationState, now: float) -> str:
    """What a banned identity reads: on its token refusal and on every keyed route."""
    if is_permanent(state.banned_until):
        words = "you are banned from this chat"
    else:
        left = describe_duration(max(1, round((state.banned_until or now) - now)))
        words = (
            f"you are banned from this chat until {utc_text(state.banned_until)} ({left} from now)"
        )
    return words + (f": {state.ban_reason}" if state.ban_reason else "")


def chat_token_decision(
    *,
    role: Role,
    state: ModerationState,
    identity_created_at: float,
    settings: RoomSettings,
    address_banned: bool,
    now: float,
) -> TokenDecision:
    """The token an identity gets now, or NotAllowed (403) with the words to show. `role` is the
    identity's own (broadcaster or viewer, from the store); the moderator role comes
    from `state`."""
    if role is Role.BROADCASTER:
        return TokenDecision(Role.BROADCASTER, SEND)
    if state.banned(now):
        raise NotAllowed(ban_words(state, now))
    effective = Role.MODERATOR if state.role is Role.MODERATOR else Role.VIEWER
    # The role first: an address ban is aimed at a viewer, and behind a shared address
    # (a proxy, a campus, a carrier's NAT) it must not lock out the room's moderators.
    if address_banned and effective is not Role.MODERATOR:
        raise NotAllowed("this network address is banned from this chat")
    if state.timed_out(now):
        return TokenDecision(effective, (), state.timed_out_until, "timed out")
    wait_ends = identity_created_at + settings.new_identity_wait_seconds
    if effective is Role.VIEWER and now < wait_ends:
        return TokenDecision(effective, (), wait_ends, "new identity")
    return TokenDecision(effective, SEND)


__all__ = ["TokenDecision", "ban_words", "chat_token_decision"]
