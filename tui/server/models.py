"""The app server's API bodies, shared by the service, the HTTP layer and the client.

JSON names are camelCase, as StreamCat's API has them. Requests ignore unknown fields
(clients may be newer than the server); answers are frozen values.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Literal

from pydantic import (
    AliasGenerator,
    BaseModel,
    ConfigDict,
    Field,
    StrictBool,
    StrictInt,
    ValidationError,
)
from pydantic.alias_generators import to_camel

from tui.common.roles import Role
from tui.ivs.convert import message_of
from tui.ivs.events import ChatMessage
from tui.ivs.protocol import MessageFrame
from tui.ivs.tokens import ChatToken

log = logging.getLogger("tui.server")


class ApiModel(BaseModel):
    model_config = ConfigDict(
        alias_generator=AliasGenerator(alias=to_camel),
        populate_by_name=True,
        frozen=True,
        extra="ignore",
        str_strip_whitespace=False,
    )

    def to_json(self) -> dict[str, object]:
        return self.model_dump(mode="json", by_alias=True, exclude_none=True)


# --- requests ------------------------------------------------------------------------


class ChatTokenRequest(ApiModel):
    display_name: str = Field(max_length=1000)
    session_key: str | None = Field(None, max_length=200)


class InviteRequest(ApiModel):
    user_id: str = Field(min_length=1, max_length=128)
    broadcast_type: str = Field("realtime", max_length=32)


class RedeemRequest(ApiModel):
    invite_id: str = Field(min_length=1, max_length=128)


class DisconnectRequest(ApiModel):
    user_id: str = Field(min_length=1, max_length=128)


# --- answers -------------------------------------------------------------------------


class ChatGrant(ApiModel):
    token: str
    token_expiration_time: datetime
    session_expiration_time: datetime
    user_id: str
    display_name: str
    role: Role
    session_key: str
    chat_url: str
    room_name: str | None = None
    """The IVS room's name, for people to read; absent when the room has none (and
    from servers older than this field)."""
    timed_out_until: datetime | None = None
    """Present only when the token is read-only (no SEND_MESSAGE), because of a timeout
    or the room's new-identity wait: when sending comes back."""
    max_message_length: int | None = None
    """The room's longest message in code points (its `maximumMessageLength`), for the
    composer to count against; absent from servers older than this field."""

    def chat_token(self) -> ChatToken:
        return ChatToken(
            token=self.token,
            url=self.chat_url,
            token_expiration_time=self.token_expiration_time,
            session_expiration_time=self.session_expiration_time,
            user_id=self.user_id,
        )


class InviteGrant(ApiModel):
    invite_id: str
    expires_at: datetime


class Redemption(ApiModel):
    """A stage link and its credentials: the answer of `POST /api/multihost/redeem` (a
    guest's invitation) and of `POST /api/multihost/host` (the broadcaster's own)."""

    join_url: str
    participant_token: str
    participant_id: str
    whip_url: str
    expires_at: datetime


class DisconnectResult(ApiModel):
    user_id: str
    revoked_invites: int
    removed_from_stage: int


class StageParticipant(ApiModel):
    user_id: str
    display_name: str
    state: str
    role: Role | None = None
    """`broadcaster` for the host, `viewer` for a guest; absent for a participant this
    server did not make (and from servers older than this field)."""


class StageParticipants(ApiModel):
    participants: list[StageParticipant]


class ErrorBody(ApiModel):
    status: int
    message: str


# --- notes on users and offence counts (the moderation routes) -------------------------


class NoteRequest(ApiModel):
    """`POST /api/moderation/users/{userId}/notes`: at most 500 characters; the server
    stores it cleaned (controls and bidi overrides made visible)."""

    text: str


class NoteAuthor(ApiModel):
    """Who wrote a note, named as they were then (untrusted text)."""

    user_id: str
    display_name: str


class UserNote(ApiModel):
    """One note on a user that every moderator shares (its text untrusted)."""

    id: int
    at: datetime
    author: NoteAuthor
    text: str


class UserNotes(ApiModel):
    """`GET /api/moderation/users/{userId}/notes`: newest first."""

    notes: list[UserNote]


class Offences(ApiModel):
    """A user's offences in the moderation log (the user profile's `offences`):
    `automatic`, what the review handler and the room keeper did (blocked terms,
    floods); `manual`, bans, timeouts, deletions and disconnects by people."""

    automatic: int = 0
    manual: int = 0


# --- shield mode, the held queue, the moderators' news ----------------------------------
# `tui/server/raid/` writes these; the TUI reads them (`tui.moderation_api`).


class ShieldRequest(ApiModel):
    """`POST /api/moderation/shield`: on (for `minutes`, else the room's default) or off."""

    on: StrictBool
    minutes: StrictInt | None = Field(None, ge=1, le=24 * 60)


class ShieldSettings(ApiModel):
    """Shield mode's defaults (the room settings' `shield`)."""

    minutes: int
    min_identity_age_seconds: int
    slow_mode_seconds: int


class ShieldState(ApiModel):
    """`GET` and `POST /api/moderation/shield`: `until` is when it turns itself off (None
    while it is off)."""

    on: bool
    until: datetime | None = None
    settings: ShieldSettings

    def to_json(self) -> dict[str, object]:
        data = super().to_json()
        data["until"] = data.get("until")  # null while off, as the route promises
        return data


class HeldSender(ApiModel):
    user_id: str
    display_name: str
    """Untrusted text: the name they chose."""


class HeldMessage(ApiModel):
    """A message held for review. `content` and the sender's name are untrusted text.
    `reason` says why in words ("hold term: …", "new identity during shield mode");
    `term` is the hold term that matched, as the broadcaster wrote it (None for a new
    identity), for the queue to point at."""

    id: str
    at: datetime
    sender: HeldSender
    content: str
    reason: str
    term: str | None = None
    expires_at: datetime | None = None
    """When it leaves the queue unanswered (absent from servers that do not say)."""


class HeldMessages(ApiModel):
    """`GET /api/moderation/held`: oldest first."""

    messages: list[HeldMessage]


class HeldDecisionRequest(ApiModel):
    decision: Literal["approve", "deny"]


class HeldDecision(ApiModel):
    """`POST /api/moderation/held/{id}`'s answer: for an approval, `message_id` is the
    id the message has in the room."""

    id: str
    decision: Literal["approve", "deny"]
    message_id: str | None = None


class ShieldNews(ApiModel):
    on: bool
    until: datetime | None = None


class OffenceNews(ApiModel):
    """An automatic moderation the log recorded: `kind` is "blocked term" or "flood"."""

    id: int
    at: datetime
    kind: str
    user: HeldSender


class ModerationNews(ApiModel):
    """One event of `GET /api/moderation/events` (`text/event-stream`, event `news`):
    the held count and shield state now, and the offences logged and the messages
    approved since the last event (none in the first). No message content."""

    held: int
    shield: ShieldNews
    offences: list[OffenceNews] = Field(default_factory=list)
    approved: list[str] = Field(default_factory=list)
    """The room's ids of messages a moderator approved from the held queue: the
    messages as everyone sees them, for a moderator's list to mark as approved."""


# --- moderation ----------------------------------------------------------------------
# The server writes these (`tui.server.moderation`: its records and settings make them);
# the TUI reads them (`tui.client.moderation_api`). Times are RFC 3339 in UTC.


class ModerationAction(StrEnum):
    """What `POST /api/moderation/actions` asks (`action`): the server checks it, the
    client asks it."""

    BAN = "ban"
    UNBAN = "unban"
    TIMEOUT = "timeout"
    UNTIMEOUT = "untimeout"
    MOD = "mod"
    UNMOD = "unmod"
    DELETE = "delete"
    """A message deleted for everyone (DeleteMessage); its sender is the target."""
    DISCONNECT = "disconnect"
    """A user's chat connections closed (DisconnectUser), and their stage invites
    revoked; they may come back at once."""


class Party(ApiModel):
    """Someone in a log record, named as they were when it happened (untrusted text)."""

    user_id: str
    display_name: str


class ModerationRecord(ApiModel):
    """One entry of the moderation log: what `POST /api/moderation/actions` answers and
    `GET /api/moderation/log` lists. `action` is one of the moderation actions, or what
    the room keeper did on its own (e.g. "delete"), so it stays a string a newer server
    may extend."""

    id: int | str
    at: datetime
    actor: Party
    automatic: bool
    action: str
    target: Party
    reason: str | None = None
    duration_seconds: int | None = None
    expires_at: datetime | None = None
    ban_address: bool = False
    """A ban that also banned the addresses the user was seen from (`banAddress`)."""
    purge_queued: int | None = None
    """A ban's or timeout's purge: how many of the user's messages were queued for
    deletion (`purgeQueued`); None without a purge."""
    purged: int | None = None
    """Of those, how many were deleted, once the purge is done (None until then)."""

    def to_json(self) -> dict[str, object]:
        """Absent values are null; `banAddress` is there for a ban only, `purgeQueued` and
        `purged` for a purge only."""
        skip = set() if self.action == "ban" else {"ban_address"}
        if self.purge_queued is None:
            skip |= {"purge_queued", "purged"}
        return self.model_dump(mode="json", by_alias=True, exclude=skip)


class ModerationLog(ApiModel):
    records: list[ModerationRecord]


class ModeratedUser(ApiModel):
    """`GET /api/moderation/users/{userId}`: a ban or a timeout is present while it holds."""

    user_id: str
    display_name: str
    role: Role
    banned_until: datetime | None = None
    timed_out_until: datetime | None = None
    created_at: datetime
    address: str | None = None
    """Where they last asked for a chat token from: what an address ban takes (null when
    not known)."""
    address_shared_by: int = 0
    """How many identities asked from that address lately (a home, an office, a NAT)."""
    offences: Offences | None = None
    """Their offences in the moderation log; None from older servers."""

    def to_json(self) -> dict[str, object]:
        held = {"banned_until", "timed_out_until"}
        skip = {name for name in held if getattr(self, name) is None}
        return self.model_dump(mode="json", by_alias=True, exclude=skip)


class FloodLimits(ApiModel):
    """More than `messages` messages in `seconds` seconds from one user brings a timeout of
    `timeout_seconds`."""

    messages: int
    seconds: int
    timeout_seconds: int


class RoomSettings(ApiModel):
    """`GET` and `PUT /api/moderation/settings`. The server checks a PUT body on its own
    (`tui.server.moderation.room_settings.parse_settings`: a field left out keeps its
    value, and each has its bounds)."""

    blocked_terms: list[str] = Field(default_factory=list)
    flood: FloodLimits
    new_identity_wait_seconds: int
    hold_terms: list[str] | None = None
    """Terms that hold a message for review; None from older servers, and a save that
    leaves it None keeps the server's."""
    shield: ShieldSettings | None = None
    """Shield mode's defaults; None as for `hold_terms`."""
    max_message_rate: int | None = None
    """The IVS room's messages a second, all senders together; None from older servers."""
    max_message_length: int | None = None
    """The IVS room's longest message in characters; None from older servers."""


# --- the history page ----------------------------------------------------------------
# The server writes it (`tui.server.history.record.HistoryPage`); the TUI reads it here.


def chat_message(frame: MessageFrame) -> ChatMessage:
    """A history frame as the room client shows a live one."""
    return message_of(frame)


class _WirePage(BaseModel):
    messages: list[dict[str, object]]
    complete: bool
    more: bool = False  # absent from older servers


class _FramePage(BaseModel):
    """The same page when every message fits: validated in one pass."""

    messages: list[MessageFrame]
    complete: bool
    more: bool = False


@dataclass(frozen=True, slots=True)
class FetchedHistory:
    """A history page as the TUI uses it: messages as the room client makes them."""

    messages: tuple[ChatMessage, ...]
    complete: bool
    more: bool = False
    """The server cut the page at its byte bound: ask again after its last message."""


class HistoryFormatError(ValueError):
    """A history answer that is not `{"messages": [...], "complete": bool}`."""


def parse_history_page(body: str | bytes) -> FetchedHistory:
    """Read the route's answer. A message that does not fit the MESSAGE frame is skipped
    and logged, as the room client skips a malformed live frame, and the page is then
    marked incomplete: it is a gap the TUI must show. Raises `HistoryFormatError`."""
    try:
        whole = _FramePage.model_validate_json(body)
    except ValidationError:
        pass  # something does not fit: look at each message below
    else:
        return FetchedHistory(tuple(map(chat_message, whole.messages)), whole.complete, whole.more)
    try:
        page = _WirePage.model_validate_json(body)
    except ValidationError as exc:
        raise HistoryFormatError(f"not a history page: {exc.error_count()} problem(s)") from None
    return fetched_history(page.messages, page.complete, page.more)


def fetched_history(
    raw_messages: Iterable[object], complete: bool, more: bool = False
) -> FetchedHistory:
    """A page's messages one by one: one that does not fit the MESSAGE frame is skipped,
    logged, and makes the page incomplete."""
    messages: list[ChatMessage] = []
    for raw in raw_messages:
        try:
            messages.append(chat_message(MessageFrame.model_validate(raw)))
        except ValidationError as exc:
            log.warning("skipped a malformed history message: %s", exc.errors()[0]["msg"])
            complete = False
    return FetchedHistory(tuple(messages), complete, more)
