"""The app server's core: chat tokens, stage invites, redemption and the stage link.

A plain class with no HTTP in it: `http.py` maps requests onto these methods and the
domain errors of `tui.server.domain_errors` onto statuses, and the TUI could embed it
in-process. Control-plane failures become `IvsFailed` with the `ControlError`'s words.
"""

from __future__ import annotations

import dataclasses
import hmac
import math
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING
from urllib.parse import quote

from tui.common.roles import Role
from tui.ivs.control import ControlError
from tui.ivs.control import ParticipantToken as IssuedParticipantToken
from tui.ivs.invites import Invite
from tui.ivs.protocol import EVENT_MULTIHOST_INVITE, ChatCapability, StageCapability, new_id
from tui.server.domain_errors import (
    HOST_LINK_REPLACED,
    INVITE_EXPIRED,
    INVITE_REVOKED,
    InvalidRequest,
    IvsFailed,
    NoLongerValid,
    NotAllowed,
    NotAuthenticated,
    NotFound,
)
from tui.server.history.store import HistoryStore
from tui.server.models import (
    ChatGrant,
    DisconnectResult,
    InviteGrant,
    Redemption,
    StageParticipant,
)
from tui.server.moderation.service import ModerationService
from tui.server.names import (
    DisplayNameError,
    check_viewer_name,
    looks,
    same_name,
    validate_display_name,
)
from tui.server.room_limits import LiveRoomLimits
from tui.server.settings import HOST_MINUTES, INVITE_MINUTES
from tui.server.stage.control_plane import ServiceControl, StageMove
from tui.server.store import IdentityRecord, InviteRecord, Store

if TYPE_CHECKING:
    from tui.server.raid.desk import RaidDesk

BROADCAST_REALTIME = "realtime"
WHIP_GLOBAL = "https://global.whip.live-video.net"
"""The WHIP server OBS uses for IVS real-time stages."""
_BROADCASTER_ID_KEY = "broadcaster_user_id"

VIEWER_CAPABILITIES: tuple[ChatCapability, ...] = (ChatCapability.SEND_MESSAGE,)
BROADCASTER_CAPABILITIES = VIEWER_CAPABILITIES
"""The broadcaster deletes and disconnects through `POST /api/moderation/actions`, as
moderators do, so every action is logged with its actor (tui/server/moderation/standing.py
says why no chat token but the room keeper's may delete)."""


@dataclass(frozen=True, slots=True)
class ServiceConfig:
    room_arn: str
    stage_arn: str
    stage_name: str
    chat_url: str
    public_url: str
    """Base of stage links, e.g. http://127.0.0.1:8750."""
    broadcaster_key: str
    whip_url: str = WHIP_GLOBAL
    session_minutes: int = 60
    invite_minutes: int = INVITE_MINUTES
    link_seconds: int = 300
    local_stage: bool = False
    """No media server: the stage page shows the local stand-in instead of the web SDK."""
    room_name: str = ""
    """The IVS room's name, read once at start-up; "" when the room has none."""
    host_minutes: int = HOST_MINUTES
    """How long the broadcaster's own stage link and participant token last."""
    broadcaster_name: str | None = None
    """Reserved for the broadcaster from the start (`--broadcaster-name`): no viewer may
    take it, or anything that looks like it, even before the broadcaster joins."""


@dataclass(frozen=True, slots=True)
class StageLink:
    """What the stage page needs once its one-time code checked out."""

    invite: InviteRecord
    display_name: str
    whip_url: str
    local: bool
    role: Role = Role.VIEWER
    """The broadcaster's own stage link, or a guest's."""


def stage_path(broadcast_type: str, stage_name: str) -> str:
    """The stage page's path; names are URL-quoted, whatever they contain."""
    return f"/multihost/{quote(broadcast_type, safe='')}/{quote(stage_name, safe='')}"


def _role(text: str | None) -> Role | None:
    """A role named in a participant's attributes, if it is one."""
    try:
        return Role(text) if text else None
    except ValueError:
        return None


def _utc(ts: float) -> datetime:
    return datetime.fromtimestamp(ts, UTC)


class AppService:
    def __init__(
        self,
        control: ServiceControl,
        store: Store,
        config: ServiceConfig,
        *,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.control = control
        self.store = store
        self.config = config
        self.clock = clock
        """Wall clock in epoch seconds; tests swap it to expire invites and links."""
        self.moderation: ModerationService | None = None
        """Bans, timeouts, moderators and the room keeper (set at start-up)."""
        self.history: HistoryStore | None = None
        """The room's recorded history (set at start-up)."""
        self.room_limits: LiveRoomLimits | None = None
        """The IVS room's own limits (set at start-up; `tui.server.room_limits`)."""
        self.raid: RaidDesk | None = None
        """Shield mode, the held queue, the moderators' news (set at start-up)."""

    async def close(self) -> None:
        await self.control.close()

    # --- who is calling --------------------------------------------------------------

    def is_broadcaster_key(self, key: str) -> bool:
        return hmac.compare_digest(key.encode(), self.config.broadcaster_key.encode())

    def check_broadcaster(self, key: str | None) -> None:
        """`NotAuthenticated` without a key, `NotAllowed` with a wrong one."""
        if not key:
            raise NotAuthenticated("only the broadcaster may do this: no broadcaster key")
        if not self.is_broadcaster_key(key):
            raise NotAllowed("only the broadcaster may do this: wrong broadcaster key")

    def viewer(self, session_key: str | None) -> IdentityRecord:
        """The identity a session key belongs to, or `NotAuthenticated`; `NotAllowed`
        while that identity is banned (a banned key works on no route)."""
        if not session_key:
            raise NotAuthenticated("a session key is needed (Authorization: Bearer <key>)")
        identity = self.store.identity_by_session_key(session_key)
        if identity is None:
            raise NotAuthenticated("this session key is not known to this server")
        if self.moderation is not None:
            self.moderation.check_not_banned(identity.user_id)
        return identity

    def _broadcaster_identity(self, display_name: str, now: float) -> tuple[IdentityRecord, str]:
        session_key = secrets.token_urlsafe(32)
        user_id = self.store.get_meta(_BROADCASTER_ID_KEY)
        identity = self.store.identity(user_id) if user_id else None
        if identity is None:
            user_id = f"broadcaster-{new_id()}"
            identity = self.store.add_identity(
                user_id, session_key, display_name, Role.BROADCASTER, now, looks(display_name)
            )
            self.store.set_meta(_BROADCASTER_ID_KEY, user_id)
        else:
            self.store.set_session_key(identity.user_id, session_key)
        return identity, session_key

    def _check_viewer_name(self, name: str, user_id: str | None = None) -> None:
        """`InvalidRequest` if a viewer (`user_id`, or a new one) calling themselves
        `name` could pass for the broadcaster (the configured name, reserved from the
        start, or the one they use), the staff, a badge or a system line, or for another
        viewer: a name belongs to one identity."""
        broadcaster_id = self.store.get_meta(_BROADCASTER_ID_KEY)
        broadcaster = self.store.identity(broadcaster_id) if broadcaster_id else None
        taken = tuple(
            n for n in (self.config.broadcaster_name, broadcaster and broadcaster.display_name) if n
        )
        try:
            check_viewer_name(name, taken)
        except DisplayNameError as exc:
            raise InvalidRequest(str(exc)) from None
        if self.store.name_holder(looks(name), other_than=user_id) is not None:
            raise InvalidRequest(
                f"{name!r} is taken: someone else in this chat goes by that name (or one "
                "that looks the same); choose another"
            )

    # --- chat tokens -----------------------------------------------------------------

    async def chat_token(
        self,
        display_name: object,
        *,
        session_key: str | None = None,
        broadcaster_key: str | None = None,
        address: str | None = None,
    ) -> ChatGrant:
        """A chat token for a new identity, or for the one `session_key` names (the
        broadcaster with the right `broadcaster_key`)."""
        try:
            name = validate_display_name(display_name)
        except DisplayNameError as exc:
            raise InvalidRequest(str(exc)) from None
        now = self.clock()
        if broadcaster_key is not None:
            if not self.is_broadcaster_key(broadcaster_key):
                raise NotAuthenticated("wrong broadcaster key")
            known = self.store.identity_by_session_key(session_key) if session_key else None
            if known is not None and known.role is Role.BROADCASTER:
                identity, key = known, session_key or ""
            else:
                identity, key = self._broadcaster_identity(name, now)
        elif session_key:
            identity, key = self.viewer(session_key), session_key
            if identity.role is Role.BROADCASTER:
                raise NotAuthenticated("the broadcaster's session needs the broadcaster key")
            # A name kept from before the broadcaster took it stays: reconnects must work.
            if not same_name(name, identity.display_name):
                self._check_viewer_name(name, identity.user_id)
        else:
            self._check_viewer_name(name)
            if self.moderation is not None:  # a banned address makes no new identity
                self.moderation.check_address(address)
            key = secrets.token_urlsafe(32)
            identity = self.store.add_identity(
                f"viewer-{new_id()}", key, name, Role.VIEWER, now, looks(name)
            )
        role = identity.role
        capabilities = BROADCASTER_CAPABILITIES if role is Role.BROADCASTER else VIEWER_CAPABILITIES
        read_only_until: float | None = None
        if self.moderation is not None:  # a ban is 403 here; a timeout, read-only
            decision = self.moderation.token_decision(identity, address)
            role, capabilities = decision.role, decision.capabilities
            read_only_until = decision.read_only_until
        try:
            token = await self.control.create_chat_token(
                self.config.room_arn,
                identity.user_id,
                capabilities=capabilities,
                attributes={"username": name, "role": role},
                session_minutes=self.config.session_minutes,
            )
        except ControlError as exc:
            raise IvsFailed(f"could not create a chat token: {exc}") from None
        self.store.token_issued(identity.user_id, name, now, looks(name))
        return ChatGrant(
            token=token.token,
            token_expiration_time=token.token_expiration_time,
            session_expiration_time=token.session_expiration_time,
            user_id=identity.user_id,
            display_name=name,
            role=role,
            session_key=key,
            chat_url=self.config.chat_url,
            room_name=self.config.room_name or None,
            timed_out_until=None if read_only_until is None else _utc(read_only_until),
            max_message_length=self.room_limits.current.max_message_length
            if self.room_limits
            else None,
        )

    # --- invites ---------------------------------------------------------------------

    async def invite(self, user_id: str, broadcast_type: str = BROADCAST_REALTIME) -> InviteGrant:
        """Invite a chat user on stage (the caller is the broadcaster: the HTTP layer
        checks). The participant token stays here; the chat event carries only ids."""
        if broadcast_type != BROADCAST_REALTIME:
            raise InvalidRequest(
                f"broadcastType {broadcast_type!r} is not supported: this server invites to "
                f"a real-time stage, broadcastType {BROADCAST_REALTIME!r}"
            )
        identity = self.store.identity(user_id)
        if identity is None or identity.token_issued_at is None:
            raise NotFound(f"no user {user_id!r} has joined this chat")
        if identity.role is Role.BROADCASTER:
            raise InvalidRequest(
                "the broadcaster is not invited: they go on stage themselves "
                "(POST /api/multihost/host, the TUI's 'go on stage')"
            )
        now = self.clock()
        record = await self._add_invite(identity, broadcast_type, self.config.invite_minutes, now)
        self.store.forget_participant_tokens(now=now)  # the expired ones: nobody needs them
        expires_at = _utc(record.expires_at)
        event = Invite(
            user_id, broadcast_type, self.config.stage_name, record.invite_id, expires_at
        )
        try:
            await self.control.send_event(
                self.config.room_arn, EVENT_MULTIHOST_INVITE, event.attributes()
            )
        except ControlError as exc:
            # Nobody was told, so nobody may use it.
            self.store.revoke(record.invite_id, self.clock())
            raise IvsFailed(f"could not send the invite to the chat: {exc}") from None
        return InviteGrant(invite_id=record.invite_id, expires_at=expires_at)

    def _usable_invite(self, invite_id: str, identity: IdentityRecord) -> InviteRecord:
        record = self.store.invite(invite_id)
        if record is None:
            raise NotFound("there is no such invitation")
        if record.user_id != identity.user_id:
            raise NotAllowed("this invitation is for someone else")
        self._check_live(record)
        return record

    def _check_live(self, record: InviteRecord) -> None:
        """`NoLongerValid`, saying whether it was revoked, replaced or is over, unless
        the invite (or the broadcaster's own stage link) still works."""
        if record.revoked_at is not None:
            host = record.user_id == self.store.get_meta(_BROADCASTER_ID_KEY)
            raise NoLongerValid(HOST_LINK_REPLACED if host else INVITE_REVOKED)
        if self.moderation is not None:  # a ban revokes invites; this holds if that failed
            self.moderation.check_not_banned(record.user_id)
        # An invite to another stage (e.g. a local stage before a restart) cannot be used.
        if not record.usable(self.clock()) or record.stage_arn != self.config.stage_arn:
            raise NoLongerValid(INVITE_EXPIRED)

    async def redeem(self, session_key: str | None, invite_id: str) -> Redemption:
        """The invited user's stage credentials and a one-time, short-lived join link."""
        identity = self.viewer(session_key)
        record = self._usable_invite(invite_id, identity)
        now = self.clock()
        if not record.participant_token:  # used on the stage page and dropped: a new one
            record = await self._new_participant(record, identity, now)
        return self._stage_link_for(record, now)

    def _stage_link_for(self, record: InviteRecord, now: float) -> Redemption:
        """A new one-time code for `record`'s stage link, and the answer that carries it."""
        code = secrets.token_urlsafe(24)
        self.store.set_code(record.invite_id, code, now + self.config.link_seconds, now)
        path = stage_path(record.broadcast_type, record.stage_name)
        return Redemption(
            join_url=f"{self.config.public_url.rstrip('/')}{path}?code={code}",
            participant_token=record.participant_token,
            participant_id=record.participant_id,
            whip_url=self.config.whip_url,
            expires_at=_utc(record.expires_at),
        )

    async def go_on_stage(self) -> Redemption:
        """The broadcaster's own stage credentials and one-time stage link (the caller is
        the broadcaster: the HTTP layer checks), shaped as `redeem` answers.

        One broadcaster participant at a time: the participants made by an earlier call
        are disconnected first (DisconnectParticipant, which IVS takes as a revoke of
        their tokens) and their links stop working, so an old browser tab or OBS cannot
        stay on the stage beside the new one. No chat event is sent: nobody is invited.
        """
        user_id = self.store.get_meta(_BROADCASTER_ID_KEY)
        identity = self.store.identity(user_id) if user_id else None
        if identity is None or identity.token_issued_at is None:
            raise NotFound(
                "the broadcaster has not joined the chat yet: join it first (with the "
                "broadcaster key), then go on stage"
            )
        now = self.clock()
        await self._take_host_off(identity.user_id, now)
        record = await self._add_invite(identity, BROADCAST_REALTIME, self.config.host_minutes, now)
        return self._stage_link_for(record, now)

    async def _take_host_off(self, user_id: str, now: float) -> None:
        """Disconnect the broadcaster's earlier participants: those of their stage links
        that still work, and any of theirs connected now (IVS lists them by user id)."""
        stage_arn = self.config.stage_arn
        live = [
            r.participant_id
            for r in self.store.invites_of(user_id)
            if r.usable(now) and r.stage_arn == stage_arn
        ]
        try:
            connected = [
                p.participant_id
                for p in await self.control.list_participants(stage_arn, user_id=user_id)
                if p.state == "CONNECTED"
            ]
            for participant_id in sorted(set(live) | set(connected)):
                try:
                    await self.control.disconnect_participant(
                        stage_arn, participant_id, "replaced by the broadcaster's new stage link"
                    )
                except ControlError as exc:
                    if not exc.not_found:  # never joined, or long gone
                        raise
        except ControlError as exc:
            raise IvsFailed(
                f"could not take your earlier stage link off the stage, so no new one was "
                f"made (two of you would knock each other off): {exc}"
            ) from None
        self.store.revoke_all(user_id, now)
        self.store.forget_participant_tokens(user_id)

    async def _add_invite(
        self, identity: IdentityRecord, broadcast_type: str, minutes: int, now: float
    ) -> InviteRecord:
        """A stage invite for `identity` with a fresh participant token, lasting
        `minutes`, stored."""
        participant = await self._participant_token(identity, minutes)
        record = InviteRecord(
            invite_id=new_id(),
            user_id=identity.user_id,
            stage_arn=self.config.stage_arn,
            stage_name=self.config.stage_name,
            broadcast_type=broadcast_type,
            participant_id=participant.participant_id,
            participant_token=participant.token,
            created_at=now,
            expires_at=now + minutes * 60,
        )
        self.store.add_invite(record)
        return record

    async def _participant_token(
        self, identity: IdentityRecord, minutes: int
    ) -> IssuedParticipantToken:
        try:
            return await self.control.create_participant_token(
                self.config.stage_arn,
                identity.user_id,
                capabilities=(StageCapability.PUBLISH, StageCapability.SUBSCRIBE),
                attributes={"username": identity.display_name, "role": identity.role},
                duration_minutes=minutes,
            )
        except ControlError as exc:
            raise IvsFailed(f"could not create the stage token: {exc}") from None

    async def _new_participant(
        self, record: InviteRecord, identity: IdentityRecord, now: float
    ) -> InviteRecord:
        minutes = max(1, math.ceil((record.expires_at - now) / 60))  # no longer than the invite
        participant = await self._participant_token(identity, minutes)
        self.store.new_participant(record.invite_id, participant.participant_id, participant.token)
        return dataclasses.replace(
            record, participant_id=participant.participant_id, participant_token=participant.token
        )

    def open_stage_link(self, broadcast_type: str, stage: str, code: str | None) -> StageLink:
        """Check and spend a link's one-time code. Refusals say why and carry no token."""
        again = "Open the invitation again from your terminal for a new link."
        if not code:
            raise NotAuthenticated(f"This link has no access code. {again}")
        record = self.store.invite_by_code(code)
        if record is None:
            raise NotFound(f"This link is not valid. {again}")
        if record.broadcast_type != broadcast_type or record.stage_name != stage:
            raise NotFound(f"This link does not belong to this stage. {again}")
        now = self.clock()
        self._check_live(record)
        used = f"This link has been used already: each link works once. {again}"
        if record.code_used_at is not None:
            raise NoLongerValid(used)
        if record.code_expires_at is not None and now >= record.code_expires_at:
            raise NoLongerValid(f"This link has expired: links work for a few minutes. {again}")
        if not self.store.use_code(code, now):
            raise NoLongerValid(used)
        identity = self.store.identity(record.user_id)
        return StageLink(
            invite=record,
            display_name=identity.display_name if identity else record.user_id,
            whip_url=self.config.whip_url,
            local=self.config.local_stage,
            role=identity.role if identity else Role.VIEWER,
        )

    # --- the stage -------------------------------------------------------------------

    def _invite_for_token(self, participant_token: str | None) -> InviteRecord:
        if not participant_token:
            raise NotAuthenticated("a participant token is needed")
        record = self.store.invite_by_participant_token(participant_token)
        if record is None:
            raise NotAuthenticated("this participant token is not one this server gave")
        self._check_live(record)
        return record

    async def participants(self, participant_token: str | None) -> list[StageParticipant]:
        """Who is on the stage, for a holder of a live invite's participant token."""
        self._invite_for_token(participant_token)
        try:
            found = await self.control.list_participants(self.config.stage_arn)
        except ControlError as exc:
            raise IvsFailed(f"could not list the stage: {exc}") from None
        out = []
        for p in found:
            identity = self.store.identity(p.user_id) if p.user_id else None
            name = p.attributes.get("username") or (identity.display_name if identity else "")
            out.append(
                StageParticipant(
                    user_id=p.user_id,
                    display_name=name,
                    state=p.state,
                    role=identity.role if identity else _role(p.attributes.get("role")),
                )
            )
        return out

    async def local_stage(self, participant_token: str | None, move: StageMove) -> None:
        """Local stack only: no media server runs, so the control plane itself marks the
        participant as on (`join`) or off (`leave`) the stage."""
        self._invite_for_token(participant_token)
        if not self.control.local_stage:
            raise InvalidRequest("joining without media works only with the local stack")
        try:
            await self.control.move(participant_token or "", move)
        except ControlError as exc:
            raise IvsFailed(str(exc)) from None

    async def disconnect(
        self, user_id: str, reason: str = "removed by the broadcaster"
    ) -> DisconnectResult:
        """Revoke every invite of the user and take them off the stage: DisconnectParticipant
        for every participant id ever issued to them, on the stage or not, since IVS then
        refuses that participant's token for good (a token from a redeemed invite would
        otherwise still join until it expires)."""
        identity = self.store.identity(user_id)
        if identity is None:
            raise NotFound(f"no user {user_id!r} is known to this server")
        revoked = self.store.revoke_all(user_id, self.clock())
        stage_arn = self.config.stage_arn
        try:
            on_stage = {
                p.participant_id
                for p in await self.control.list_participants(stage_arn)
                if p.user_id == user_id and p.state == "CONNECTED"
            }
            issued = set(self.store.participant_ids_of(user_id))
            for participant_id in sorted(issued | on_stage):
                try:
                    await self.control.disconnect_participant(stage_arn, participant_id, reason)
                except ControlError as exc:
                    if not exc.not_found:  # a token of another stage, or long expired
                        raise
        except ControlError as exc:
            raise IvsFailed(
                f"the invites are revoked, but removing {user_id} from the stage failed: {exc}"
            ) from None
        self.store.forget_participant_tokens(user_id)
        return DisconnectResult(
            user_id=user_id, revoked_invites=revoked, removed_from_stage=len(on_stage)
        )
