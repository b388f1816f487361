"""What one moderation action does, decided before anything is done. Pure.

`plan_action` turns a checked request (`policy.parse_action_request`) into the record to
log and the effects the service carries out, in this order:
1. `ModerationStore.apply(plan.record, addresses=plan.ban_addresses)`: log it and change
   the target's standing (from then on the token endpoint answers accordingly,
   `standing.chat_token_decision`);
2. SendEvent `ivs-chat-tui:Moderation` with `record.notice().attributes()`: every
   moderator's TUI shows a line; a renewing target's TUI expects what follows (not for
   a disconnect, which IVS's own aws:DISCONNECT_USER says);
3. DeleteMessage of `plan.message_id` for a delete;
4. DisconnectUser with `plan.disconnect_reason` when it is set ("" for none given): the
   target's current token (its capabilities, its SEND_MESSAGE) stops working now.
   Tokens cannot be changed or revoked otherwise (docs/ivs-protocol.md §3);
5. with `plan.off_stage`, the target's stage invites revoked and their participants
   disconnected (DisconnectParticipant).

| action     | standing                    | DisconnectUser | off stage | target's client then  |
|------------|-----------------------------|----------------|-----------|-----------------------|
| ban        | banned (or until), a viewer | yes            | yes       | gets 403, the reason  |
| unban      | not banned, still a viewer  | no             | no        | may ask for a token   |
| timeout    | timed out until             | yes            | no        | renews: read-only     |
| untimeout  | not timed out               | yes            | no        | renews: sending token |
| mod        | moderator                   | yes            | no        | renews: moderator     |
| unmod      | viewer                      | yes            | no        | renews: viewer token  |
| delete     | unchanged                   | no             | no        | sees the message go   |
| disconnect | unchanged                   | yes            | yes       | may reconnect at once |
"""

from __future__ import annotations

from dataclasses import dataclass

from tui.common.timing.durations import describe_duration
from tui.ivs.protocol import REASON_MAX_LENGTH
from tui.server.domain_errors import InvalidRequest
from tui.server.models import ModerationAction
from tui.server.moderation.policy import (
    ActionRequest,
    Role,
    check_may_act,
)
from tui.server.moderation.records import LoggedAction, ModerationState, NewRecord, Party


@dataclass(frozen=True, slots=True)
class ActionPlan:
    record: NewRecord
    disconnect_reason: str | None
    """The DisconnectUser reason ("" when none was given), or None when nobody is
    disconnected."""
    ban_addresses: bool = False
    message_id: str | None = None
    """The message a delete removes (DeleteMessage)."""
    off_stage: bool = False
    """Revoke the target's stage invites and take them off the stage."""


def disconnect_reason(record: NewRecord) -> str | None:
    """The DisconnectUser reason that goes with a logged action ("" for a disconnect
    without one), or None when it disconnects nobody (unban, a deletion). Also for the
    room keeper's flood timeouts."""
    action, reason = record.action, record.reason
    duration = record.duration_seconds
    if action is LoggedAction.DISCONNECT:
        return (reason or "")[:REASON_MAX_LENGTH]
    if action is LoggedAction.BAN:
        words = "banned" + (f" for {describe_duration(duration)}" if duration else "")
    elif action is LoggedAction.TIMEOUT:
        words = f"timed out for {describe_duration(duration or 0)}"
    elif action is LoggedAction.UNTIMEOUT:
        words = "your timeout is over: reconnecting"
    elif action in (LoggedAction.MOD, LoggedAction.UNMOD):
        words = "your role changed: reconnecting"
    else:
        return None
    if reason and action in (LoggedAction.BAN, LoggedAction.TIMEOUT):
        words = f"{words}: {reason}"
    return words[:REASON_MAX_LENGTH]


def _check_state(
    request: ActionRequest, target: Party, role: Role, state: ModerationState, now: float
) -> None:
    """Refuse what would change nothing, in words (and keep the log free of it)."""
    name = target.display_name
    action = request.action
    if action is ModerationAction.UNBAN and not state.banned(now):
        raise InvalidRequest(f"{name} is not banned")
    if action is ModerationAction.UNTIMEOUT and not state.timed_out(now):
        raise InvalidRequest(f"{name} is not timed out")
    if action is ModerationAction.MOD and role is Role.MODERATOR:
        raise InvalidRequest(f"{name} is a moderator already")
    if action is ModerationAction.UNMOD and role is not Role.MODERATOR:
        raise InvalidRequest(f"{name} is not a moderator")


def plan_action(
    request: ActionRequest,
    *,
    actor: Party,
    actor_role: Role,
    target: Party,
    target_role: Role,
    target_state: ModerationState,
    now: float,
) -> ActionPlan:
    """The record and effects of `request`, or NotAllowed / InvalidRequest in words."""
    check_may_act(actor_role, actor.user_id, request.action, target_role, target.user_id)
    _check_state(request, target, target_role, target_state, now)
    duration = request.duration_seconds
    record = NewRecord(
        at=now,
        actor=actor,
        automatic=False,
        action=LoggedAction(request.action.value),
        target=target,
        reason=request.reason,
        duration_seconds=duration,
        expires_at=None if duration is None else now + duration,
    )
    return ActionPlan(
        record,
        disconnect_reason(record),
        request.ban_address,
        request.message_id,
        off_stage=request.action in (ModerationAction.BAN, ModerationAction.DISCONNECT),
    )


__all__ = ["ActionPlan", "disconnect_reason", "plan_action"]
