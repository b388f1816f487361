"""History records in the IVS wire shapes, so history and live frames cannot drift.

A recorded message is a `MessageFrame` (tui/ivs/protocol.py) and is stored as its own
`to_json()`; a moderation event is an `EventFrame` as IVS sends it (`aws:DELETE_MESSAGE`,
`aws:DISCONNECT_USER`). The TUI reads a page back into the same `ChatMessage` the room
client makes of a live frame (`tui.server.models.parse_history_page`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from tui.ivs.events import ChatMessage, MessageDeleted, UserDisconnected
from tui.ivs.protocol import (
    EVENT_DELETE_MESSAGE,
    EVENT_DISCONNECT_USER,
    EventFrame,
    MessageFrame,
    Sender,
)

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def to_micros(moment: datetime) -> int:
    """Epoch microseconds (UTC): the stored form of every time. Exact, since datetime
    holds microseconds; IVS's nanoseconds are already cut to those by the frame parser."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return (moment - _EPOCH) // timedelta(microseconds=1)


def from_micros(micros: int) -> datetime:
    return _EPOCH + timedelta(microseconds=micros)


def message_frame(message: ChatMessage) -> MessageFrame:
    """The MESSAGE frame a `ChatMessage` came from (the room client's conversion, undone)."""
    return MessageFrame(
        id=message.id,
        request_id=message.request_id,
        content=message.content,
        attributes=message.attributes,
        sender=Sender(user_id=message.sender_id, attributes=message.sender_attributes),
        send_time=message.send_time,
    )


@dataclass(frozen=True, slots=True)
class ModerationEvent:
    """A moderation event the room carried: enough to replay the moderation log.

    `kind` is the IVS event name; `target` the deleted message's id or the disconnected
    user's id. `at` is when the recorder saw it: the room client does not pass an
    event's SendTime on, and the recorder's clock is the one coverage is kept in."""

    event_id: str
    kind: str
    target: str
    reason: str
    at: datetime

    def to_frame(self) -> EventFrame:
        key = "MessageId" if self.kind == EVENT_DELETE_MESSAGE else "UserId"
        attributes = {key: self.target}
        if self.reason:
            attributes["Reason"] = self.reason
        return EventFrame(
            id=self.event_id, event_name=self.kind, attributes=attributes, send_time=self.at
        )


MODERATION_KINDS = (EVENT_DELETE_MESSAGE, EVENT_DISCONNECT_USER)


def moderation_event(event: MessageDeleted | UserDisconnected, at: datetime) -> ModerationEvent:
    if isinstance(event, MessageDeleted):
        kind, target = EVENT_DELETE_MESSAGE, event.message_id
    else:
        kind, target = EVENT_DISCONNECT_USER, event.user_id
    # IVS gives every event an Id; without one, a key that is the same for every recorder.
    event_id = event.event_id or f"{kind}/{target}"
    return ModerationEvent(event_id, kind, target, event.reason, at)


@dataclass(frozen=True, slots=True)
class HistoryPage:
    """What the history route answers: `{"messages": [...], "complete": bool, "more": bool}`.

    `messages_json` are the stored MESSAGE frames, each `MessageFrame.to_json()` of the
    frame recorded, so the body is put together without parsing them again. `more` is
    true when the page stopped at its byte bound before its `limit`: there is more after
    its last message."""

    messages_json: tuple[str, ...]
    complete: bool
    more: bool = False

    def to_json(self) -> str:
        complete = "true" if self.complete else "false"
        more = "true" if self.more else "false"
        messages = ",".join(self.messages_json)
        return f'{{"messages":[{messages}],"complete":{complete},"more":{more}}}'

    def frames(self) -> list[MessageFrame]:
        return [MessageFrame.model_validate_json(raw) for raw in self.messages_json]


__all__ = [
    "MODERATION_KINDS",
    "HistoryPage",
    "ModerationEvent",
    "from_micros",
    "message_frame",
    "moderation_event",
    "to_micros",
]
