"""IVS Chat wire models and limits: the single source of names and numbers.

Client actions are what we send over the messaging WebSocket; server frames are what
we receive. Frames are parsed tolerantly, as the official SDK does: unknown frame types
become `UnknownFrame` and unknown fields are ignored. Anything else that does not fit
raises `FrameError`, and nothing else.
"""

from __future__ import annotations

import secrets
import string
from datetime import UTC, datetime, timedelta
from enum import IntEnum, StrEnum
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Discriminator,
    Field,
    GetCoreSchemaHandler,
    Tag,
    TypeAdapter,
    ValidationError,
)
from pydantic_core import CoreSchema, core_schema

from tui.common.validation import validation_words

# --- Limits (botocore's ivschat and ivs-realtime models, which ship with botocore) ----

MAX_MESSAGE_LENGTH = 500
"""Largest `maximumMessageLength` a room may have, in code points."""
DEFAULT_MAX_MESSAGE_LENGTH = 500
MAX_MESSAGE_RATE_PER_SECOND = 100
"""The most messages a room carries per second, all senders together."""
DEFAULT_MESSAGE_RATE_PER_SECOND = 10
TOKEN_TTL_SECONDS = 60
"""A chat token must be used within this long of its creation."""
MIN_SESSION_MINUTES = 1
MAX_SESSION_MINUTES = 180
DEFAULT_SESSION_MINUTES = 60
ATTRIBUTES_MAX_BYTES = 1024
"""Token attributes and event attributes: at most this many bytes in total, each."""
ID_LENGTH = 12
ID_ALPHABET = string.ascii_letters + string.digits
USER_ID_MAX_LENGTH = 128
REASON_MAX_LENGTH = 256
MIN_PARTICIPANT_TOKEN_MINUTES = 1
MAX_PARTICIPANT_TOKEN_MINUTES = 20160
DEFAULT_PARTICIPANT_TOKEN_MINUTES = 720
REQUEST_ID_MAX_LENGTH = 128
"""IVS documents no length for RequestId. The SDKs send a UUID (36 characters); 128 leaves
room for any client's own scheme while a hostile 1 MiB RequestId, which the server would
copy into the MESSAGE frame it sends everyone, is refused with ERROR 413."""
MESSAGE_ATTRIBUTES_MAX_BYTES = ATTRIBUTES_MAX_BYTES
"""SEND_MESSAGE attributes: held to the same 1 KB as token and event attributes
(inferred: IVS bounds every attribute map it documents at 1 KB)."""
_JSON_WORST_BYTES_PER_CHAR = 12
"""A code point past U+FFFF, ASCII-escaped in JSON, is a surrogate pair: 12 bytes."""
MAX_FRAME_BYTES = 64 * 1024
"""The largest frame a client accepts. The largest legitimate frame is a MESSAGE whose
every field is at its bound, each character at its worst JSON escaping: about 20 KB
(`largest_legitimate_frame_bytes()`); the rest is margin."""
SEND_TIME_MIN_YEAR = 1970
SEND_TIME_MAX_YEAR = 9998
"""A frame's SendTime must fall in these years (UTC): a day's margin from datetime's
limits, so converting it to any local time cannot overflow."""

# Close code of a clean server close: the moderator disconnected this user. Not retried.
CLOSE_NORMAL = 1000
CLOSE_REASON_MAX_BYTES = 123
"""RFC 6455: a close frame's payload is at most 125 bytes, 2 of them the code; a longer
reason makes the peer fail the connection (websockets closes with 1006)."""

# Built-in and custom event names.
EVENT_DELETE_MESSAGE = "aws:DELETE_MESSAGE"
EVENT_DISCONNECT_USER = "aws:DISCONNECT_USER"
EVENT_MULTIHOST_INVITE = "StreamCat:MultihostInvite"


class ChatCapability(StrEnum):
    SEND_MESSAGE = "SEND_MESSAGE"
    DELETE_MESSAGE = "DELETE_MESSAGE"
    DISCONNECT_USER = "DISCONNECT_USER"


class StageCapability(StrEnum):
    PUBLISH = "PUBLISH"
    SUBSCRIBE = "SUBSCRIBE"


class ErrorCode(IntEnum):
    """ErrorCode values of ERROR frames."""

    BAD_REQUEST = 400
    UNAUTHORIZED = 401
    FORBIDDEN = 403
    NOT_FOUND = 404
    NOT_ACCEPTABLE = 406
    TOO_LARGE = 413
    TOO_MANY_REQUESTS = 429
    INTERNAL = 500


def messaging_url(endpoint_url: str) -> str:
    """The chat messaging WebSocket of an endpoint that serves it at its root, as the local
    stack does: `http://host:port` becomes `ws://host:port/`, `https://…` `wss://…/`.
    (Real IVS serves it elsewhere: `wss://edge.ivschat.<region>.amazonaws.com`.)"""
    base = endpoint_url.strip().rstrip("/")
    scheme, sep, rest = base.partition("://")
    if not sep or scheme.lower() not in ("http", "https") or not rest:
        raise ValueError(f"not an http(s) URL: {endpoint_url!r}")
    return ("wss" if scheme.lower() == "https" else "ws") + "://" + rest + "/"


LOCAL_STAGE_PATH = "/_local/stage"
"""Not IVS: the local stack's own join and leave routes, `{LOCAL_STAGE_PATH}/join` and
`/leave`, stand in for a media server. The emulator serves them and the app server's local
control plane calls them; both import the path from here."""


def new_id() -> str:
    """A 12-character `[a-zA-Z0-9]` id, the shape IVS gives frame and room ids."""
    return "".join(secrets.choice(ID_ALPHABET) for _ in range(ID_LENGTH))


def code_points(text: str) -> int:
    """Length as IVS counts it: Python str length is already in code points."""
    return len(text)


def attributes_size(attributes: dict[str, str] | None) -> int:
    """Total UTF-8 size of keys and values, which IVS caps at 1 KB."""
    if not attributes:
        return 0
    return sum(len(k.encode()) + len(v.encode()) for k, v in attributes.items())


def attributes_json_bound(size: int) -> int:
    """The most bytes an attribute map of `size` bytes (`attributes_size`) takes in JSON.
    A byte escapes to at most 6 (a control character, `\\u0001`; a code point past U+FFFF
    is 4 bytes escaped to 12), and every pair adds at most 6 (`"":"",`); a map has at most
    `size + 1` pairs (only one key can be empty); 2 more for the braces."""
    return 6 * size + 6 * (size + 1) + 2


def largest_legitimate_frame_bytes() -> int:
    """An upper bound on a MESSAGE frame's size with every field at its bound."""
    worst = _JSON_WORST_BYTES_PER_CHAR
    fields = (
        MAX_MESSAGE_LENGTH * worst  # Content
        + attributes_json_bound(MESSAGE_ATTRIBUTES_MAX_BYTES)  # the message's attributes
        + attributes_json_bound(ATTRIBUTES_MAX_BYTES)  # the sender's (token) attributes
        + (USER_ID_MAX_LENGTH + REQUEST_ID_MAX_LENGTH) * worst
        + ID_LENGTH
        + 64  # SendTime with nanoseconds
    )
    return fields + 256  # keys, quotes and braces


# --- Client -> server actions ---------------------------------------------------------


class _Wire(BaseModel):
    model_config = ConfigDict(populate_by_name=True, extra="ignore", frozen=True)

    def to_json(self) -> str:
        return self.model_dump_json(by_alias=True, exclude_none=True)


class SendMessage(_Wire):
    action: Literal["SEND_MESSAGE"] = Field("SEND_MESSAGE", alias="Action")
    request_id: str = Field(alias="RequestId")
    content: str = Field(alias="Content")
    attributes: dict[str, str] | None = Field(None, alias="Attributes")


class DeleteMessage(_Wire):
    action: Literal["DELETE_MESSAGE"] = Field("DELETE_MESSAGE", alias="Action")
    request_id: str = Field(alias="RequestId")
    id: str = Field(alias="Id")
    reason: str | None = Field(None, alias="Reason")


class DisconnectUser(_Wire):
    action: Literal["DISCONNECT_USER"] = Field("DISCONNECT_USER", alias="Action")
    request_id: str = Field(alias="RequestId")
    user_id: str = Field(alias="UserId")
    reason: str | None = Field(None, alias="Reason")


ClientAction = Annotated[
    SendMessage | DeleteMessage | DisconnectUser, Field(discriminator="action")
]
_client_action = TypeAdapter(ClientAction)


def parse_client_action(data: str | bytes) -> SendMessage | DeleteMessage | DisconnectUser:
    """Parse a frame a client sent (the emulator's side). Raises `FrameError`."""
    try:
        return _client_action.validate_json(data)
    except ValidationError as exc:
        raise FrameError(validation_words(exc, whole="frame", first_only=True)) from None
    except ValueError as exc:  # e.g. invalid UTF-8 in bytes
        raise FrameError(str(exc)) from None


# --- Server -> client frames ----------------------------------------------------------


_NO_OFFSET = timedelta()


def _convertible(moment: datetime) -> datetime:
    """A SendTime a client can show: convertible to UTC and to any local time."""
    if moment.tzinfo is not None and moment.utcoffset() == _NO_OFFSET:
        utc = moment  # what IVS sends ("...Z"): nothing to convert, half the cost
    else:
        try:
            utc = moment.astimezone(UTC) if moment.tzinfo else moment.replace(tzinfo=UTC)
        except (OverflowError, ValueError, OSError):
            raise ValueError("time out of range") from None
    if not SEND_TIME_MIN_YEAR <= utc.year <= SEND_TIME_MAX_YEAR:
        raise ValueError(f"time outside the years {SEND_TIME_MIN_YEAR}..{SEND_TIME_MAX_YEAR}")
    return moment


WireTime = Annotated[datetime, AfterValidator(_convertible)]


class Sender(_Wire):
    user_id: str = Field(alias="UserId")
    attributes: dict[str, str] = Field(default_factory=dict, alias="Attributes")


class MessageFrame(_Wire):
    type: Literal["MESSAGE"] = Field("MESSAGE", alias="Type")
    id: str = Field(alias="Id")
    request_id: str = Field("", alias="RequestId")
    content: str = Field(alias="Content")
    attributes: dict[str, str] = Field(default_factory=dict, alias="Attributes")
    sender: Sender = Field(alias="Sender")
    send_time: WireTime = Field(alias="SendTime")


class EventFrame(_Wire):
    type: Literal["EVENT"] = Field("EVENT", alias="Type")
    id: str = Field(alias="Id")
    request_id: str = Field("", alias="RequestId")
    event_name: str = Field(alias="EventName")
    attributes: dict[str, str] = Field(default_factory=dict, alias="Attributes")
    send_time: WireTime = Field(alias="SendTime")


class ErrorFrame(_Wire):
    type: Literal["ERROR"] = Field("ERROR", alias="Type")
    id: str = Field("", alias="Id")
    request_id: str = Field("", alias="RequestId")
    error_code: int = Field(alias="ErrorCode")
    error_message: str = Field("", alias="ErrorMessage")


class UnknownFrame(_Wire):
    """A frame of a type this client does not know. Tolerated and ignored."""

    type: str = Field(alias="Type")
    id: str = Field("", alias="Id")


ServerFrame = MessageFrame | EventFrame | ErrorFrame | UnknownFrame


def _frame_tag(value: Any) -> str:
    kind = value.get("Type") if isinstance(value, dict) else getattr(value, "type", None)
    return kind if kind in ("MESSAGE", "EVENT", "ERROR") else "UNKNOWN"


_server_frame: TypeAdapter[ServerFrame] = TypeAdapter(
    Annotated[
        Annotated[MessageFrame, Tag("MESSAGE")]
        | Annotated[EventFrame, Tag("EVENT")]
        | Annotated[ErrorFrame, Tag("ERROR")]
        | Annotated[UnknownFrame, Tag("UNKNOWN")],
        Discriminator(_frame_tag),
    ]
)


class _KnownFrame:
    """The three frame types as a union tagged by the JSON key "Type" itself, which
    pydantic reads without leaving JSON: `_frame_tag` is called with the frame turned
    into Python objects first, which took longer than the rest of parsing a MESSAGE.
    The key is looked up by its alias alone, as `_frame_tag` does (the models' field
    names are accepted as well for every other field)."""

    @classmethod
    def __get_pydantic_core_schema__(cls, source: Any, handler: GetCoreSchemaHandler) -> CoreSchema:
        by_alias: list[list[str | int]] = [["Type"]]  # a path of one key, not the field name
        return core_schema.tagged_union_schema(
            {
                "MESSAGE": handler.generate_schema(MessageFrame),
                "EVENT": handler.generate_schema(EventFrame),
                "ERROR": handler.generate_schema(ErrorFrame),
            },
            discriminator=by_alias,
        )


_known_frame: TypeAdapter[Any] = TypeAdapter(_KnownFrame)


class FrameError(ValueError):
    """A frame that is not valid JSON or does not fit the protocol. The only error
    `parse_server_frame` and `parse_client_action` raise."""


def parse_server_frame(data: str | bytes) -> ServerFrame:
    """Parse one server frame. Raises `FrameError` and nothing else."""
    try:
        return _known_frame.validate_json(data)
    except (ValidationError, ValueError, TypeError, RecursionError):
        # Another type, no type, or no fit: the whole union says which, in its words.
        pass
    try:
        return _server_frame.validate_json(data)
    except ValidationError as exc:
        raise FrameError(validation_words(exc, whole="frame", first_only=True)) from None
    except (ValueError, TypeError, RecursionError) as exc:
        raise FrameError(f"unreadable frame: {exc}") from None
