"""The emulator's in-memory state: rooms, chat tokens, stages and participants.

Plain data only: everything lives in dicts on `EmulatorState`, which tests may inspect.
What changes with every frame (a room's sockets, outbox and rate) is `live_room`'s.
Nothing is persisted: a restart starts empty, as the issue asks.
"""

from __future__ import annotations

import base64
import binascii
import json
import secrets
from dataclasses import dataclass, field
from typing import Any

from tui.common.timing.timefmt import rfc3339
from tui.ivs.protocol import ID_ALPHABET

TOKEN_GRACE = 300.0
"""Seconds an expired chat token is remembered, to say why it is refused."""


@dataclass(eq=False)
class Room:
    arn: str
    id: str
    name: str
    create_time: float
    update_time: float
    maximum_message_rate_per_second: int
    maximum_message_length: int
    message_review_handler: dict[str, str] | None = None
    """{uri, fallbackResult} as set; the stack's `review` runs it."""
    tags: dict[str, str] = field(default_factory=dict)
    logging_configuration_identifiers: list[str] = field(default_factory=list)

    def summary(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "arn": self.arn,
            "id": self.id,
            "name": self.name,
            "createTime": rfc3339(self.create_time),
            "updateTime": rfc3339(self.update_time),
            "tags": dict(self.tags),
            "loggingConfigurationIdentifiers": list(self.logging_configuration_identifiers),
        }
        if self.message_review_handler is not None:
            out["messageReviewHandler"] = dict(self.message_review_handler)
        return out

    def describe(self) -> dict[str, Any]:
        return {
            **self.summary(),
            "maximumMessageRatePerSecond": self.maximum_message_rate_per_second,
            "maximumMessageLength": self.maximum_message_length,
        }


@dataclass(eq=False)
class IssuedChatToken:
    """What a chat token allows: single use, before `expires_at`."""

    token: str
    room_arn: str
    user_id: str
    capabilities: frozenset[str]
    attributes: dict[str, str]
    expires_at: float
    session_expires_at: float
    used: bool = False


@dataclass(eq=False)
class ParticipantRecord:
    """The local stack's record of one participant of a stage session (ListParticipants
    answers a summary of it)."""

    participant_id: str
    user_id: str
    attributes: dict[str, str]
    state: str = "CONNECTED"
    first_join_time: float = 0.0
    published: bool = False

    def summary(self) -> dict[str, Any]:
        return {
            "participantId": self.participant_id,
            "userId": self.user_id,
            "state": self.state,
            "firstJoinTime": rfc3339(self.first_join_time),
            "published": self.published,
        }

    def describe(self) -> dict[str, Any]:
        return {**self.summary(), "attributes": dict(self.attributes), "protocol": "UNKNOWN"}


@dataclass(eq=False)
class ParticipantGrant:
    """A participant token as issued by CreateParticipantToken."""

    token: str
    participant_id: str
    stage_arn: str
    user_id: str
    attributes: dict[str, str]
    capabilities: list[str]
    duration: int
    expiration_time: float
    revoked: bool = False

    def describe(self) -> dict[str, Any]:
        return {
            "participantId": self.participant_id,
            "token": self.token,
            "userId": self.user_id,
            "attributes": dict(self.attributes),
            "duration": self.duration,
            "capabilities": list(self.capabilities),
            "expirationTime": rfc3339(self.expiration_time),
        }


@dataclass(eq=False)
class Stage:
    arn: str
    id: str
    name: str
    tags: dict[str, str] = field(default_factory=dict)
    active_session_id: str | None = None
    # session id -> participant id -> participant; past sessions stay listable.
    sessions: dict[str, dict[str, ParticipantRecord]] = field(default_factory=dict)

    def summary(self) -> dict[str, Any]:
        out: dict[str, Any] = {"arn": self.arn, "name": self.name, "tags": dict(self.tags)}
        if self.active_session_id:
            out["activeSessionId"] = self.active_session_id
        return out

    def describe(self, endpoints: dict[str, str]) -> dict[str, Any]:
        return {**self.summary(), "endpoints": endpoints}


def new_session_id() -> str:
    """`st-` and 13 characters: the 16-character StageSessionId of the model."""
    return "st-" + "".join(secrets.choice(ID_ALPHABET) for _ in range(13))


@dataclass
class EmulatorState:
    rooms: dict[str, Room] = field(default_factory=dict)
    chat_tokens: dict[str, IssuedChatToken] = field(default_factory=dict)
    stages: dict[str, Stage] = field(default_factory=dict)
    participant_tokens: dict[str, ParticipantGrant] = field(default_factory=dict)
    revoked_participants: set[str] = field(default_factory=set)
    """Participant ids DisconnectParticipant revoked: none of them joins again."""
    _last_sweep: float = 0.0

    def forget_expired_tokens(self, now: float) -> None:
        """Drop chat tokens long past their expiry, so the dict does not grow forever.

        Kept a while after expiry, so a late or second use is refused with the reason
        (expired, already used) rather than as unknown. Sweeps at most once a second.
        """
        if now - self._last_sweep < 1.0:
            return
        self._last_sweep = now
        stale = [t for t, g in self.chat_tokens.items() if g.expires_at < now - TOKEN_GRACE]
        for token in stale:
            del self.chat_tokens[token]


def page(items: list[Any], max_results: int, next_token: str | None) -> tuple[list[Any], str]:
    """One page of `items` and the token of the next one ("" when there is none).

    Raises ValueError for a token this emulator did not hand out.
    """
    start = decode_page_token(next_token) if next_token else 0
    end = start + max_results
    return items[start:end], (encode_page_token(end) if end < len(items) else "")


def encode_page_token(offset: int) -> str:
    return base64.urlsafe_b64encode(json.dumps({"offset": offset}).encode()).decode()


def decode_page_token(token: str) -> int:
    try:
        offset = json.loads(base64.urlsafe_b64decode(token.encode()))["offset"]
    except (binascii.Error, ValueError, KeyError, TypeError, UnicodeError):
        raise ValueError(f"invalid nextToken: {token!r}") from None
    if not isinstance(offset, int) or offset < 0:
        raise ValueError(f"invalid nextToken: {token!r}")
    return offset
