"""The stage service: stage invites, their redemption, the one-time stage link, the
broadcaster going on stage, who is on the stage, and taking someone off it.

`StageInvitations` is mixed into `AppService` (`tui/server/service.py`), which holds the
control plane, the store and the config these methods read, and says who a session key
belongs to. Control-plane failures become `IvsFailed` with the `ControlError`'s words.
"""

from __future__ import annotations

import dataclasses
import math
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import quote

from tui.common.roles import Role
from tui.ivs.control import ControlError
from tui.ivs.control import ParticipantToken as IssuedParticipantToken
from tui.ivs.invites import Invite
from tui.ivs.protocol import EVENT_MULTIHOST_INVITE, StageCapability, new_id
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
from tui.server.models import DisconnectResult, InviteGrant, Redemption, StageParticipant
from tui.server.moderation.service import BROADCASTER_ID_META, ModerationService
from tui.server.settings import ServiceConfig
from tui.server.stage.control_plane import ServiceControl, StageMove
from tui.server.store import IdentityRecord, InviteRecord, Store

BROADCAST_REALTIME = "realtime"


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


def epoch_utc(ts: float) -> datetime:
    """An epoch-seconds time (the store's) as an aware UTC datetime (the bodies')."""
    return datetime.fromtimestamp(ts, UTC)


class StageInvitations:
    """The stage's half of `AppService`: what it reads is declared here, set there."""

    control: ServiceControl
    store: Store
    config: ServiceConfig
    clock: Callable[[], float]
    moderation: ModerationService | None

    def viewer(self, session_key: str | None) -> IdentityRecord:
        """The identity a session key belongs to (`AppService.viewer`)."""
        raise NotImplementedError

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
        expires_at = epoch_utc(record.expires_at)
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
            host = record.user_id == self.store.get_meta(BROADCASTER_ID_META)
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
            expires_at=epoch_utc(record.expires_at),
        )

    async def go_on_stage(self) -> Redemption:
        """The broadcaster's own stage credentials and one-time stage link (the caller is
        the broadcaster: the HTTP layer checks), shaped as `redeem` answers.

        One broadcaster participant at a time: the participants made by an earlier call
        are disconnected first (DisconnectParticipant, which IVS takes as a revoke of
        their tokens) and their links stop working, so an old browser tab or OBS cannot
        stay on the stage beside the new one. No chat event is sent: nobody is invited.
        """
        user_id = self.store.get_meta(BROADCASTER_ID_META)
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
