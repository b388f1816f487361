"""Typed events the chat room client yields, and the errors its requests raise.

These are the whole contract between the network layer and whoever shows the chat:
the TUI turns each into a Textual message; tests and benchmarks read them directly.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from tui.ivs.protocol import ErrorCode


@dataclass(frozen=True, slots=True)
class ChatMessage:
    """A MESSAGE frame, as the room shows it."""

    id: str
    content: str
    sender_id: str
    sender_attributes: dict[str, str]
    attributes: dict[str, str]
    send_time: datetime
    request_id: str = ""

    @property
    def sender_name(self) -> str:
        """Display name from the token attributes, falling back to the user id."""
        return self.sender_attributes.get("username") or self.sender_id


@dataclass(frozen=True, slots=True)
class MessageDeleted:
    """`aws:DELETE_MESSAGE`: the message is gone for everyone."""

    message_id: str
    reason: str
    event_id: str = ""
    request_id: str = ""


@dataclass(frozen=True, slots=True)
class UserDisconnected:
    """`aws:DISCONNECT_USER`: a moderator disconnected `user_id` (maybe us)."""

    user_id: str
    reason: str
    event_id: str = ""
    request_id: str = ""


@dataclass(frozen=True, slots=True)
class CustomEvent:
    """Any other EVENT, e.g. `StreamCat:MultihostInvite` from SendEvent."""

    id: str
    name: str
    attributes: dict[str, str]
    send_time: datetime
    request_id: str = ""


class ConnectionState(StrEnum):
    CONNECTING = "connecting"
    CONNECTED = "connected"
    RECONNECTING = "reconnecting"
    DISCONNECTED = "disconnected"


class DisconnectReason(StrEnum):
    CLOSED_BY_CLIENT = "closed by client"
    DISCONNECTED_BY_MODERATOR = "disconnected by moderator"
    TOKEN_REJECTED = "token rejected"
    GAVE_UP = "gave up reconnecting"


@dataclass(frozen=True, slots=True)
class StateChanged:
    """Connection state. `retry_in` is set while reconnecting: seconds to the next try.
    `reason` says why, in words a user understands."""

    state: ConnectionState
    retry_in: float | None = None
    reason: str = ""
    disconnect: DisconnectReason | None = None
    attempt: int = 0


RoomEvent = ChatMessage | MessageDeleted | UserDisconnected | CustomEvent | StateChanged


class ChatError(Exception):
    """A chat request failed. `code` is the IVS ErrorCode (or None when there was no
    answer); `message` is the server's words; `str()` is the user's words."""

    def __init__(self, code: int | None, message: str, request_id: str = "") -> None:
        self.code = code
        self.message = message
        self.request_id = request_id
        super().__init__(describe_error(code, message))


class ChatTimeout(ChatError):
    """No confirmation arrived in time."""

    def __init__(self, seconds: float, request_id: str = "") -> None:
        super().__init__(None, f"no answer from the chat server in {seconds:g} s", request_id)


class NotConnected(ChatError):
    """The room is disconnected for good (closed, or by the moderator)."""

    def __init__(self, why: str) -> None:
        super().__init__(None, why)


class TokenRefused(ChatError):
    """A token provider's refusal for good: whoever hands out tokens will not give us one
    again (the app server forgot our session, or refuses the broadcaster key). The room
    client stops retrying and ends with DisconnectReason.TOKEN_REJECTED; `str()` is the
    user's words. Transient failures (unreachable, 5xx, 429) must not raise this."""

    def __init__(self, why: str, status: int | None = None) -> None:
        super().__init__(None, why)
        self.status = status


_WORDS: dict[int, str] = {
    ErrorCode.BAD_REQUEST: "the server could not accept that",
    ErrorCode.UNAUTHORIZED: "your chat session has expired",
    ErrorCode.FORBIDDEN: "not allowed",
    ErrorCode.NOT_FOUND: "the chat room does not exist",
    ErrorCode.NOT_ACCEPTABLE: "blocked by moderation",
    ErrorCode.TOO_LARGE: "too long",
    ErrorCode.TOO_MANY_REQUESTS: "you are sending too fast",
    ErrorCode.INTERNAL: "the chat server had an error",
}


def describe_error(code: int | None, message: str) -> str:
    """The user's words for an IVS error: the code's meaning, then the server's detail."""
    words = _WORDS.get(code) if code is not None else None
    if words is None:
        return message or "unknown error"
    return f"{words} ({message})" if message else words


__all__ = [
    "ChatError",
    "ChatMessage",
    "ChatTimeout",
    "ConnectionState",
    "CustomEvent",
    "DisconnectReason",
    "MessageDeleted",
    "NotConnected",
    "RoomEvent",
    "StateChanged",
    "TokenRefused",
    "UserDisconnected",
    "describe_error",
]
