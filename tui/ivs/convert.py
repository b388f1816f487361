"""From one server frame to what it means: an event, a server error, or a skip in words.

Pure: `frame_to_fact` parses once, drops a frame whose `Id` was already seen (two links
overlap during a refresh), and returns a fact. It spawns nothing, resolves nothing and
logs nothing; the supervisor (`tui.ivs.room`) acts on the fact.
"""

from __future__ import annotations

from dataclasses import dataclass

from tui.ivs.connection.recent_ids import RecentIds
from tui.ivs.events import ChatMessage, CustomEvent, MessageDeleted, UserDisconnected
from tui.ivs.protocol import (
    EVENT_DELETE_MESSAGE,
    EVENT_DISCONNECT_USER,
    ErrorFrame,
    EventFrame,
    FrameError,
    MessageFrame,
    parse_server_frame,
)


@dataclass(frozen=True, slots=True)
class ServerError:
    """An ERROR frame: it rejects the request it names; 401 ends the link's session."""

    code: int
    message: str
    request_id: str


@dataclass(frozen=True, slots=True)
class Skipped:
    """A frame that says nothing usable; `why` is the log's words."""

    why: str


FrameEvent = ChatMessage | MessageDeleted | UserDisconnected | CustomEvent
"""An event a server frame carries: the room's events less the link's own `StateChanged`."""
Fact = FrameEvent | ServerError | Skipped


def message_of(frame: MessageFrame) -> ChatMessage:
    """A MESSAGE frame as the chat shows it: live, or read back from history."""
    sender = frame.sender
    return ChatMessage(
        frame.id,
        frame.content,
        sender.user_id,
        sender.attributes,
        frame.attributes,
        frame.send_time,
        frame.request_id,
    )


def frame_to_fact(raw: str | bytes, seen: RecentIds) -> Fact | None:
    """What the frame `raw` means; None for a duplicate or a frame type this client does
    not know (tolerated, as the official SDK does)."""
    try:
        frame = parse_server_frame(raw)
    except FrameError as exc:
        return Skipped(f"a malformed chat frame: {exc}")
    frame_id = frame.id
    if frame_id and not seen.add(frame_id):
        return None
    if type(frame) is MessageFrame:  # the hot path: nearly every frame is a message
        return message_of(frame)
    if isinstance(frame, EventFrame):
        return _event(frame)
    if isinstance(frame, ErrorFrame):
        return ServerError(frame.error_code, frame.error_message, frame.request_id)
    return None


def _event(frame: EventFrame) -> FrameEvent | Skipped:
    name = frame.event_name
    attrs = frame.attributes
    if name == EVENT_DELETE_MESSAGE:
        # MessageID is the deprecated spelling; the official SDK 1.1.1 reads only that.
        message_id = attrs.get("MessageId") or attrs.get("MessageID")
        if not message_id:
            return Skipped(f"{name} without a message id")
        return MessageDeleted(message_id, attrs.get("Reason", ""), frame.id, frame.request_id)
    if name == EVENT_DISCONNECT_USER:
        user_id = attrs.get("UserId")
        if not user_id:
            return Skipped(f"{name} without a user id")
        return UserDisconnected(user_id, attrs.get("Reason", ""), frame.id, frame.request_id)
    return CustomEvent(frame.id, name, attrs, frame.send_time, frame.request_id)


__all__ = ["Fact", "FrameEvent", "ServerError", "Skipped", "frame_to_fact"]
