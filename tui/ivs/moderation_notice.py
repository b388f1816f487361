"""The `ivs-chat-tui:Moderation` chat event: every client hears what a moderator did.

The app server sends it (SendEvent) after each action it logged, before any
DisconnectUser, so that:
- every moderator's TUI shows a system line ("Ana timed out Bob for 10 min: caps");
- the target's TUI knows that the aws:DISCONNECT_USER which follows is a renewal, not
  an end, when `renew` is "true": it asks the app server for a new token (read-only with
  `timedOutUntil` after a timeout, with new capabilities after mod or unmod) and
  reconnects, keeping what the user typed.

Attributes are str -> str and at most 1 KB in total (IVS's limit, ATTRIBUTES_MAX_BYTES):
the reason is cut to fit, everything else is bounded (ids 128, names 32 characters). No
chat client can send an event (SendEvent is a control-plane call, with AWS credentials),
so the app server is its only author and clients may believe it; its text is still
untrusted words to show (tui.common.text.clean).

It lives in tui.ivs because both sides read it: the server writes it, the TUI reads it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TypeVar

from tui.ivs.events import CustomEvent
from tui.ivs.invites import parse_expiry, rfc3339
from tui.ivs.protocol import ATTRIBUTES_MAX_BYTES, attributes_size

EVENT_MODERATION = "ivs-chat-tui:Moderation"
ACTIONS = ("ban", "unban", "timeout", "untimeout", "mod", "unmod", "delete")
MESSAGE_ID_MAX_LENGTH = 128
"""IVS's message ids are 12 characters; a longer one is cut, like the other ids here."""
RENEWING_ACTIONS = frozenset(("timeout", "untimeout", "mod", "unmod"))
"""After these the target's token changes (capabilities, read-only): its client renews."""


@dataclass(frozen=True, slots=True)
class ModerationNotice:
    action: str
    record_id: int
    actor_id: str
    actor_name: str
    target_id: str
    target_name: str
    automatic: bool = False
    reason: str = ""
    duration_seconds: int | None = None
    expires_at: datetime | None = None
    message_id: str = ""
    """For a deletion: the message's IVS id, so a moderator's TUI can tell it is the
    deletion IVS announces too (aws:DELETE_MESSAGE) and say it once."""

    @property
    def renew(self) -> bool:
        return self.action in RENEWING_ACTIONS

    def attributes(self) -> dict[str, str]:
        """The SendEvent attributes: at most 1 KB, the reason cut to fit."""
        attrs = {
            "action": self.action,
            "recordId": str(self.record_id),
            "actorUserId": self.actor_id,
            "actorName": self.actor_name,
            "targetUserId": self.target_id,
            "targetName": self.target_name,
            "automatic": "true" if self.automatic else "false",
            "renew": "true" if self.renew else "false",
        }
        if self.duration_seconds is not None:
            attrs["durationSeconds"] = str(self.duration_seconds)
        if self.expires_at is not None:
            attrs["expiresAt"] = rfc3339(self.expires_at)
        if self.message_id:
            attrs["messageId"] = self.message_id
        room = ATTRIBUTES_MAX_BYTES - attributes_size(attrs) - len(b"reason")
        if self.reason and room > 0:
            reason = self.reason.encode()[:room].decode("utf-8", "ignore")
            if reason:
                attrs["reason"] = reason
        return attrs


def parse_notice(event: CustomEvent) -> ModerationNotice | None:
    """The notice an event carries, or None if it is not a well-formed one."""
    if event.name != EVENT_MODERATION:
        return None
    attrs = event.attributes
    action = attrs.get("action", "")
    target = attrs.get("targetUserId", "")
    if action not in ACTIONS or not target:
        return None
    try:
        record_id = int(attrs.get("recordId", ""))
    except ValueError:
        return None
    duration: int | None = None
    if "durationSeconds" in attrs:
        raw = attrs["durationSeconds"]
        if not raw.isdigit() or len(raw) > 12:
            return None
        duration = int(raw)
    return ModerationNotice(
        action=action,
        record_id=record_id,
        actor_id=attrs.get("actorUserId", ""),
        actor_name=attrs.get("actorName", ""),
        target_id=target,
        target_name=attrs.get("targetName", ""),
        automatic=attrs.get("automatic") == "true",
        reason=attrs.get("reason", ""),
        duration_seconds=duration,
        expires_at=parse_expiry(attrs.get("expiresAt")),
        message_id=attrs.get("messageId", "")[:MESSAGE_ID_MAX_LENGTH],
    )


E = TypeVar("E")


def read_notice(event: E) -> E | ModerationNotice:
    """The notice in place of the event that carries it; any other event as it is. The
    TUI reads a notice here once (tui/controller.py, as it follows the room) and hands
    on what it read; an event read already passes through."""
    if isinstance(event, CustomEvent) and (notice := parse_notice(event)) is not None:
        return notice
    return event


__all__ = [
    "EVENT_MODERATION",
    "RENEWING_ACTIONS",
    "ModerationNotice",
    "parse_notice",
    "read_notice",
]
