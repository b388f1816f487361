"""Moderation actions: what may be asked, and who may ask it of whom. Pure: no I/O.

`parse_action_request(body)` checks the body of `POST /api/moderation/actions`
(`{action, userId, reason?, durationSeconds?, banAddress?, purgeSeconds?}`, or
`{action: "delete", messageId, reason?}`) and `check_may_act` the roles (the README,
"Moderation and the room keeper"):
- the broadcaster may act on anyone but themself;
- a moderator only on viewers, and never makes or removes moderators;
- a viewer never;
- nobody on the room keeper (it is not one of the server's identities either).
Refusals are the service's domain errors (`tui.server.domain_errors`) with the user's words.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

from tui.common.roles import Role
from tui.common.timing.durations import DAY, HOUR, MINUTE, describe_duration
from tui.ivs.protocol import REASON_MAX_LENGTH, USER_ID_MAX_LENGTH, code_points
from tui.server.domain_errors import InvalidRequest, NotAllowed
from tui.server.models import ModerationAction

KEEPER_USER_ID = "room-keeper"
"""The room keeper's user id on its chat token."""

MESSAGE_ID_MAX_LENGTH = 128
"""IVS's message ids are 12 characters; past this an id is not one."""

TIMEOUT_PRESETS: tuple[int, ...] = (MINUTE, 10 * MINUTE, HOUR, DAY)
"""The timeout durations the TUI offers, in seconds: 1 min, 10 min, 1 h, 24 h."""
DEFAULT_TIMEOUT_SECONDS = 10 * MINUTE
"""A timeout with no duration lasts this long (Twitch's and Chatterino's default too)."""
MAX_TIMEOUT_SECONDS = 14 * DAY
"""The longest timeout. Longer is a ban in all but name, and should be one: a ban says so
in the log, the user's card and the 403 the user reads. Two weeks is also what Twitch,
the platform moderators compare us with, allows."""
MAX_BAN_SECONDS = 365 * DAY
"""A ban with a duration lasts at most a year; without one it is permanent."""
MAX_PURGE_SECONDS = HOUR
"""A ban's or timeout's `purgeSeconds` (delete the user's messages of that many seconds
back) reaches at most an hour: a raid's spam is recent, and a longer reach would spend
the room's DeleteMessage quota on old, already answered lines."""
PURGE_ACTIONS = frozenset({ModerationAction.BAN, ModerationAction.TIMEOUT})

_DURATION_LIMITS: dict[ModerationAction, int] = {
    ModerationAction.TIMEOUT: MAX_TIMEOUT_SECONDS,
    ModerationAction.BAN: MAX_BAN_SECONDS,
}
_ACTIONS = ", ".join(a.value for a in ModerationAction)


@dataclass(frozen=True, slots=True)
class ActionRequest:
    action: ModerationAction
    user_id: str
    reason: str | None = None
    duration_seconds: int | None = None
    """Set for timeouts (the default filled in) and timed bans; None otherwise."""
    ban_address: bool = False
    """A ban that also refuses tokens to the addresses the user was seen from."""
    message_id: str | None = None
    """For a delete: the message. Its sender, the target, is found in the history, so
    `user_id` is "" until then."""
    purge_seconds: int | None = None
    """A ban or timeout that also deletes the user's messages of this many seconds back."""


def _duration(action: ModerationAction, value: object) -> int | None:
    limit = _DURATION_LIMITS.get(action)
    if value is None:
        return DEFAULT_TIMEOUT_SECONDS if action is ModerationAction.TIMEOUT else None
    if limit is None:
        raise InvalidRequest(f"{action.value} takes no durationSeconds")
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise InvalidRequest("durationSeconds must be a whole number of seconds")
    if isinstance(value, float):
        if not math.isfinite(value) or not value.is_integer():
            raise InvalidRequest("durationSeconds must be a whole number of seconds")
        value = int(value)
    if value <= 0:
        raise InvalidRequest(
            f"durationSeconds must be at least 1 second, not {value}"
            + ("; to end a timeout, use untimeout" if action is ModerationAction.TIMEOUT else "")
        )
    if value > limit:
        longest = describe_duration(limit)
        hint = "; for longer, ban them" if action is ModerationAction.TIMEOUT else ""
        raise InvalidRequest(
            f"a {action.value} lasts at most {longest} ({limit} seconds), not {value} seconds{hint}"
        )
    return value


def parse_action_request(body: object) -> ActionRequest:
    """The checked request, or InvalidRequest saying what is wrong with it."""
    if not isinstance(body, Mapping):
        raise InvalidRequest("the body must be a JSON object: {action, userId, reason?, ...}")
    raw_action = body.get("action")
    if raw_action is None:
        raise InvalidRequest(f"action is missing; it is one of {_ACTIONS}")
    try:
        action = ModerationAction(raw_action) if isinstance(raw_action, str) else None
    except ValueError:
        action = None
    if action is None:
        shown = raw_action if isinstance(raw_action, str) else type(raw_action).__name__
        raise InvalidRequest(f"unknown action {str(shown)[:40]!r}; it is one of {_ACTIONS}")
    message_id = _message_id(action, body)
    user_id = "" if action is ModerationAction.DELETE else _user_id(body)
    reason = body.get("reason")
    if reason is not None:
        if not isinstance(reason, str):
            raise InvalidRequest("reason must be text")
        reason = reason.strip() or None
        if reason is not None and code_points(reason) > REASON_MAX_LENGTH:
            raise InvalidRequest(
                f"the reason has {code_points(reason)} characters; at most {REASON_MAX_LENGTH}"
            )
    duration = _duration(action, body.get("durationSeconds"))
    ban_address = body.get("banAddress", False)
    if not isinstance(ban_address, bool):
        raise InvalidRequest("banAddress must be true or false")
    if ban_address and action is not ModerationAction.BAN:
        raise InvalidRequest(f"banAddress goes with ban, not with {action.value}")
    purge = _purge_seconds(action, body.get("purgeSeconds"))
    return ActionRequest(action, user_id, reason, duration, ban_address, message_id, purge)


def _purge_seconds(action: ModerationAction, value: object) -> int | None:
    if value is None:
        return None
    if action not in PURGE_ACTIONS:
        raise InvalidRequest(f"purgeSeconds goes with ban or timeout, not with {action.value}")
    if isinstance(value, float) and math.isfinite(value) and value.is_integer():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidRequest("purgeSeconds must be a whole number of seconds")
    if not 1 <= value <= MAX_PURGE_SECONDS:
        raise InvalidRequest(
            f"purgeSeconds must be from 1 to {MAX_PURGE_SECONDS} (an hour), not {value}"
        )
    return value


def _user_id(body: Mapping[str, object]) -> str:
    user_id = body.get("userId")
    if not isinstance(user_id, str) or not user_id:
        raise InvalidRequest("userId is missing: whom is this action for?")
    if len(user_id) > USER_ID_MAX_LENGTH:
        raise InvalidRequest(f"userId has at most {USER_ID_MAX_LENGTH} characters")
    return user_id


def _message_id(action: ModerationAction, body: Mapping[str, object]) -> str | None:
    """A delete's messageId; None for the other actions, which take none."""
    message_id = body.get("messageId")
    if action is not ModerationAction.DELETE:
        if message_id is not None:
            raise InvalidRequest(f"messageId goes with delete, not with {action.value}")
        return None
    if body.get("userId") is not None:
        raise InvalidRequest(
            "delete takes messageId, not userId: the message's sender is found in the history"
        )
    if not isinstance(message_id, str) or not message_id:
        raise InvalidRequest("messageId is missing: which message is to be deleted?")
    if len(message_id) > MESSAGE_ID_MAX_LENGTH:
        raise InvalidRequest(f"messageId has at most {MESSAGE_ID_MAX_LENGTH} characters")
    return message_id


def check_may_act(
    actor_role: Role, actor_id: str, action: ModerationAction, target_role: Role, target_id: str
) -> None:
    """NotAllowed, in words, unless `actor` may do `action` to `target`."""
    if actor_role is Role.VIEWER:
        raise NotAllowed("only the broadcaster and moderators may moderate")
    if actor_id == target_id:
        if action is ModerationAction.DELETE:
            raise NotAllowed("you cannot delete your own message")
        raise NotAllowed(f"you cannot {action.value} yourself")
    if target_role is Role.BROADCASTER:
        raise NotAllowed("nobody can act on the broadcaster")
    if target_id == KEEPER_USER_ID:
        raise NotAllowed("nobody can act on the room keeper")
    if actor_role is Role.BROADCASTER:
        return
    # A moderator.
    if action in (ModerationAction.MOD, ModerationAction.UNMOD):
        raise NotAllowed("only the broadcaster can make or remove moderators")
    if target_role is Role.MODERATOR:
        raise NotAllowed(
            f"a moderator cannot {action.value} another moderator; ask the broadcaster"
        )


def may_act(
    actor_role: Role, actor_id: str, action: ModerationAction, target_role: Role, target_id: str
) -> bool:
    """`check_may_act` as a yes or no: for the TUI's menus, which list only what applies."""
    try:
        check_may_act(actor_role, actor_id, action, target_role, target_id)
    except NotAllowed:
        return False
    return True


def automatic_applies(target_role: Role) -> bool:
    """The room keeper (blocked terms, flood) acts on viewers only: what the broadcaster
    and moderators write is theirs to answer for."""
    return target_role is Role.VIEWER


__all__ = [
    "DEFAULT_TIMEOUT_SECONDS",
    "KEEPER_USER_ID",
    "MAX_BAN_SECONDS",
    "MAX_PURGE_SECONDS",
    "MAX_TIMEOUT_SECONDS",
    "MESSAGE_ID_MAX_LENGTH",
    "TIMEOUT_PRESETS",
    "ActionRequest",
    "automatic_applies",
    "check_may_act",
    "may_act",
    "parse_action_request",
]
