"""The app server's API bodies, shared by the service, the HTTP layer and the client.

JSON names are camelCase, as StreamCat's API has them. Requests ignore unknown fields
(clients may be newer than the server); answers are frozen values.
"""

from __future__ import annotations

from datetime import datetime

from pydantic import AliasGenerator, BaseModel, ConfigDict, Field
from pydantic.alias_generators import to_camel

from tui.common.roles import Role
from tui.ivs.tokens import ChatToken


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
    or the room's new-identity wait: when sending comes back (issue 10)."""
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
