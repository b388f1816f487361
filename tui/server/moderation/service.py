"""Moderation in the app server: the calls behind the moderation routes, the token
endpoint's decision and the room keeper's offences.

No HTTP here (`tui.server.moderation.routes` maps requests onto it). Every logged action,
manual or the keeper's, goes the same way (`tui.server.moderation.actions`): the store
logs it and changes the target's standing; then SendEvent `ivs-chat-tui:Moderation`
tells the room; then DeleteMessage for a delete, and DisconnectUser when the action
disconnects, which ends the target's current token (IVS cannot change or revoke one
otherwise, docs/ivs-protocol.md §3); then, for a ban or a disconnect, the target's stage
invites are revoked and they are taken off the stage.

Deleting and disconnecting happen only here: no chat token but the room keeper's may
delete, and none may disconnect (`standing`), so the role policy holds for every action
and each one is logged with its actor, the broadcaster's too.

A banned identity's session key fails everywhere (`check_not_banned`, asked by
`caller` and by `AppService.viewer`), a banned moderator's included: a ban also makes
them a viewer.

Roles: the broadcaster is whoever holds the broadcaster key (their identity's role in
`tui.server.store`); anyone else's role is their moderation standing
(`ModerationStore.state(user_id).role`), viewer unless made a moderator.
"""

from __future__ import annotations

import asyncio
import hmac
import logging
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, replace

from tui.common.roles import Role
from tui.common.text import for_log
from tui.ivs.control import ControlError
from tui.ivs.moderation_notice import EVENT_MODERATION
from tui.server.db import DB_ERRORS
from tui.server.domain_errors import IvsFailed, NotAllowed, NotAuthenticated, NotFound, ServiceError
from tui.server.history.store import HistoryStore
from tui.server.models import ModeratedUser
from tui.server.moderation.actions import disconnect_reason, plan_action
from tui.server.moderation.keeper import KeeperHealth, Offence, RoomKeeper
from tui.server.moderation.log_store import ModerationStore, check_log_limit
from tui.server.moderation.policy import ActionRequest, parse_action_request
from tui.server.moderation.records import (
    KEEPER,
    LoggedAction,
    ModerationRecord,
    NewRecord,
    Party,
    utc_time,
)
from tui.server.moderation.room_settings import RoomSettings, parse_settings
from tui.server.moderation.standing import TokenDecision, ban_words, chat_token_decision
from tui.server.raid.notes import NoteStore
from tui.server.raid.offences import count_offences
from tui.server.raid.purge import Purger
from tui.server.review.reviewer import MessageReviewer
from tui.server.stage.control_plane import ServiceControl
from tui.server.store import IdentityRecord, Store

log = logging.getLogger("tui.server")

BROADCASTER_ID_META = "broadcaster_user_id"
"""Store meta: the broadcaster's user id (written by `AppService` on their first token)."""

TakeOffStage = Callable[[str, str], Awaitable[object]]
"""`AppService.disconnect(user_id, reason)`: revoke the user's stage invites and
disconnect their participants (a ban's and a disconnect's last step)."""


@dataclass(frozen=True, slots=True)
class Caller:
    """Who is asking a moderation route: as named in the log, and with what role."""

    party: Party
    role: Role


ADDRESS_SHARED_SECONDS = 3 * 60 * 60
"""Identities that asked for a token from an address this recently count as "there now":
a chat session lasts at most 180 minutes."""


class ModerationService:
    def __init__(
        self,
        control: ServiceControl,
        identities: Store,
        store: ModerationStore,
        *,
        room_arn: str,
        broadcaster_key: str,
        broadcaster_name: str | None = None,
        clock: Callable[[], float] = time.time,
        history: HistoryStore | None = None,
        take_off_stage: TakeOffStage | None = None,
    ) -> None:
        """`history`: where a delete finds its message's sender (without it, every
        delete is 404); `take_off_stage`: what a ban and a disconnect call last."""
        self.control = control
        self.history = history
        self.take_off_stage = take_off_stage
        self.identities = identities
        self.store = store
        self.room_arn = room_arn
        self._broadcaster_key = broadcaster_key
        self._broadcaster_name = broadcaster_name
        self.clock = clock
        self.keeper: RoomKeeper | None = None
        self.reviewer: MessageReviewer | None = None
        """The message review (`POST /api/review`), set at start-up."""
        self.purger: Purger | None = None
        """Runs a ban's or timeout's purge (`purgeSeconds`), set at start-up."""
        self.notes: NoteStore | None = None
        """Notes on users that moderators share, set at start-up."""
        self._settings = store.settings()

    # --- who is asking -----------------------------------------------------------------

    def role_of(self, identity: IdentityRecord) -> Role:
        """The effective role: broadcaster from the identity, else the standing's."""
        if identity.role is Role.BROADCASTER:
            return Role.BROADCASTER
        return self.store.state(identity.user_id).role

    def _broadcaster(self) -> Party:
        user_id = self.identities.get_meta(BROADCASTER_ID_META)
        identity = self.identities.identity(user_id) if user_id else None
        if identity is not None:
            return Party(identity.user_id, identity.display_name)
        # The broadcaster acts before their first chat token: still named in the log.
        return Party(user_id or "broadcaster", self._broadcaster_name or "broadcaster")

    def caller(self, key: str | None) -> Caller:
        """The broadcaster (their key) or a moderator (their session key). 401 without a
        key or with an unknown one; 403 for a viewer."""
        if not key:
            raise NotAuthenticated(
                "moderation needs the broadcaster key or a moderator's session key "
                "(Authorization: Bearer <key>)"
            )
        if hmac.compare_digest(key.encode(), self._broadcaster_key.encode()):
            return Caller(self._broadcaster(), Role.BROADCASTER)
        identity = self.identities.identity_by_session_key(key)
        if identity is None:
            raise NotAuthenticated("this key is not known to this server")
        self.check_not_banned(identity.user_id)
        role = self.role_of(identity)
        if role is Role.VIEWER:
            raise NotAllowed("only the broadcaster and moderators may moderate")
        return Caller(Party(identity.user_id, identity.display_name), role)

    def check_not_banned(self, user_id: str) -> None:
        """NotAllowed (403), with the ban's words, while `user_id` is banned: a banned
        identity's session key works on no route."""
        now = self.clock()
        state = self.store.state(user_id)
        if state.banned(now):
            raise NotAllowed(ban_words(state, now))

    # --- the token endpoint ------------------------------------------------------------

    def check_address(self, address: str | None) -> None:
        """NotAllowed (403) when `address` is banned: asked before a new identity is
        made, so that a refused request takes no name."""
        if address and self.store.address_banned(address, self.clock()):
            raise NotAllowed("this network address is banned from this chat")

    def token_decision(self, identity: IdentityRecord, address: str | None) -> TokenDecision:
        """What `POST /api/chat/token` gives `identity` now (NotAllowed, 403, for a ban).
        The asking address is remembered, so a ban with banAddress can include it."""
        now = self.clock()
        if address:
            self.store.note_address(identity.user_id, address, now)
        own = Role.BROADCASTER if identity.role is Role.BROADCASTER else Role.VIEWER
        return chat_token_decision(
            role=own,
            state=self.store.state(identity.user_id),
            identity_created_at=identity.created_at,
            settings=self._settings,
            address_banned=bool(address) and self.store.address_banned(address or "", now),
            now=now,
        )

    # --- actions -----------------------------------------------------------------------

    async def act(self, key: str | None, body: object) -> ModerationRecord:
        """`POST /api/moderation/actions`: checked, logged, told, carried out."""
        caller = self.caller(key)
        request = parse_action_request(body)
        if request.message_id is not None:
            request, target, target_role = self._sender_of(request.message_id, request)
        elif request.user_id == KEEPER.user_id:  # no identity, and the policy refuses it
            target, target_role = KEEPER, Role.VIEWER
        else:
            identity = self.identities.identity(request.user_id)
            if identity is None:
                raise NotFound(f"no user {request.user_id!r} is known to this server")
            target = Party(identity.user_id, identity.display_name)
            target_role = self.role_of(identity)
        plan = plan_action(
            request,
            actor=caller.party,
            actor_role=caller.role,
            target=target,
            target_role=target_role,
            target_state=self.store.state(target.user_id),
            now=self.clock(),
        )
        record = self.store.apply(plan.record, addresses=plan.ban_addresses)
        failed = await self._carry_out(
            record, plan.disconnect_reason, plan.message_id or "", delete=bool(plan.message_id)
        )
        if plan.off_stage:
            failed = await self._off_stage(record) or failed
        if request.purge_seconds is not None and self.purger is not None:
            record = self.purger.queue(record, request.purge_seconds)
        if failed:
            raise IvsFailed(f"the {record.action.value} is recorded (record {record.id}), {failed}")
        return record

    def _sender_of(
        self, message_id: str, request: ActionRequest
    ) -> tuple[ActionRequest, Party, Role]:
        """A delete's target: the message's sender, from the history (404 if it is not
        there), and their role now."""
        sender = self.history.sender_of(message_id) if self.history is not None else None
        if sender is None:
            raise NotFound(
                f"no message {message_id!r} is in this server's history (it may be "
                "deleted already, or too old)"
            )
        identity = self.identities.identity(sender.user_id)
        if identity is None:  # a token this server did not issue: a viewer to us
            return replace(request, user_id=sender.user_id), Party(*sender), Role.VIEWER
        party = Party(identity.user_id, identity.display_name)
        return replace(request, user_id=identity.user_id), party, self.role_of(identity)

    async def _off_stage(self, record: ModerationRecord) -> str | None:
        """The target's stage invites revoked and their participants disconnected; what
        failed, in words, or None."""
        if self.take_off_stage is None:
            return None
        why = "banned" if record.action is LoggedAction.BAN else "disconnected by a moderator"
        try:
            await self.take_off_stage(record.target.user_id, why)
        except ServiceError as exc:
            log.warning(
                "moderation %s: taking %s off the stage failed: %s",
                record.id,
                for_log(record.target.user_id),
                for_log(exc.message),
            )
            return f"but taking them off the stage failed: {exc.message}"
        return None

    async def _carry_out(
        self,
        record: ModerationRecord,
        reason: str | None,
        message_id: str = "",
        *,
        delete: bool = False,
    ) -> str | None:
        """The notice (none for a disconnect: IVS's aws:DISCONNECT_USER says it), then
        DeleteMessage of `message_id` if `delete`, then DisconnectUser if `reason` is not
        None ("" for no reason); what failed, in words, or None. The standing holds
        already: tokens are refused or read-only whatever IVS says. `message_id`: the
        message a deletion removed, named in its notice."""
        notice = record.notice()
        if message_id:
            notice = replace(notice, message_id=message_id)
        if record.action is not LoggedAction.DISCONNECT:
            try:
                await self.control.send_event(self.room_arn, EVENT_MODERATION, notice.attributes())
            except ControlError as exc:
                log.warning("moderation notice %s not sent: %s", record.id, for_log(str(exc)))
                return f"but telling the room failed: {exc}"
        if delete:
            try:
                await self.control.delete_message(self.room_arn, message_id, record.reason)
            except ControlError as exc:
                log.warning(
                    "moderation %s: deleting %s failed: %s",
                    record.id,
                    for_log(message_id),
                    for_log(str(exc)),
                )
                return f"but deleting it failed: {exc}"
        if reason is None:
            return None
        try:
            await self.control.disconnect_user(self.room_arn, record.target.user_id, reason or None)
        except ControlError as exc:
            log.warning(
                "moderation %s: disconnecting %s failed: %s",
                record.id,
                for_log(record.target.user_id),
                for_log(str(exc)),
            )
            return f"but disconnecting them failed: {exc}"
        return None

    async def log_automatic(self, record: NewRecord) -> ModerationRecord:
        """A record of the review's that changes nobody's standing and tells nobody: a
        message refused for a blocked term (its sender had the refusal)."""
        return self.store.log_record(record)

    async def apply_automatic(self, record: NewRecord, message_id: str = "") -> ModerationRecord:
        """A record of the room keeper's: applied and carried out like a moderator's
        (`message_id`: the message a deletion removed)."""
        kept = self.store.apply(record)
        await self._carry_out(kept, disconnect_reason(record), message_id)
        return kept

    def claim(self, message_id: str) -> bool:
        """The room keeper's claim on an offending message (`ModerationStore.claim`): of
        several instances watching the room, only the first to claim acts. A claim the
        database could not take counts as won: better twice than not at all."""
        try:
            return self.store.claim(message_id, self.clock())
        except DB_ERRORS as exc:
            log.warning("could not claim an offence, acting on it anyway: %s", for_log(str(exc)))
            return True

    async def on_offence(self, offence: Offence) -> None:
        """The room keeper's `on_offence`: its deletion (already done) and, for a flood,
        its timeout go into the log and take effect."""
        for record in offence.records:
            deletion = record.action is LoggedAction.DELETE
            await self.apply_automatic(record, offence.message_id if deletion else "")
        if offence.disconnect:
            # Their token is stale (a fallback let a banned or timed-out sender through).
            try:
                await self.control.disconnect_user(
                    self.room_arn, offence.sender.user_id, offence.disconnect
                )
            except ControlError as exc:
                log.warning(
                    "disconnecting %s failed: %s",
                    for_log(offence.sender.user_id),
                    for_log(str(exc)),
                )

    # --- reading -----------------------------------------------------------------------

    def log(
        self, key: str | None, user_id: str | None, limit: str | None
    ) -> list[ModerationRecord]:
        self.caller(key)
        size = check_log_limit(limit)
        return self.store.log(user_id or None, size)

    def user(self, key: str | None, user_id: str) -> dict[str, object]:
        """`GET /api/moderation/users/{userId}`."""
        self.caller(key)
        identity = self.identities.identity(user_id)
        if identity is None:
            raise NotFound(f"no user {user_id!r} is known to this server")
        now = self.clock()
        state = self.store.state(user_id)
        # What an address ban would take: the address and who else is there now (a
        # proxy, a campus or a carrier's NAT puts many people behind one).
        address = self.store.last_address(user_id)
        since = now - ADDRESS_SHARED_SECONDS
        return ModeratedUser(
            user_id=identity.user_id,
            display_name=identity.display_name,
            role=self.role_of(identity),
            banned_until=utc_time(state.banned_until)
            if state.banned_until is not None and state.banned(now)
            else None,
            timed_out_until=utc_time(state.timed_out_until)
            if state.timed_out_until is not None and state.timed_out(now)
            else None,
            created_at=utc_time(identity.created_at),
            address=address,
            address_shared_by=self.store.identities_at(address, since) if address else 0,
            offences=count_offences(self.store.db, user_id),
        ).to_json()

    # --- settings ----------------------------------------------------------------------

    @property
    def settings(self) -> RoomSettings:
        return self._settings

    def read_settings(self, key: str | None) -> RoomSettings:
        self.caller(key)
        self.reload_settings()
        return self._settings

    def reload_settings(self) -> None:
        """Take the saved settings, which another instance on the same database may have
        changed (the room keeper follows from its next message)."""
        fresh = self.store.settings()
        if fresh != self._settings:
            self._settings = fresh
            if self.keeper is not None:
                self.keeper.update(fresh)

    async def put_settings(self, key: str | None, body: object) -> RoomSettings:
        """`PUT /api/moderation/settings`: the broadcaster's only; a field left out keeps
        its value. Patterns are timed in a worker thread (`parse_settings`)."""
        if self.caller(key).role is not Role.BROADCASTER:
            raise NotAllowed("only the broadcaster may change the room's settings")
        settings = await asyncio.to_thread(parse_settings, body, self._settings)
        self.set_settings(settings)
        return settings

    def set_settings(self, settings: RoomSettings) -> None:
        """Save checked settings; the keeper applies them from its next message."""
        self.store.save_settings(settings)
        self._settings = settings
        if self.keeper is not None:
            self.keeper.update(settings)

    def change_settings(self, body: Mapping[str, object]) -> None:
        """Change the settings `body` names, checked as a PUT of it is, the others kept:
        for a caller in this process (the demo), with no key."""
        self.set_settings(parse_settings(dict(body), self._settings))

    # --- the keeper --------------------------------------------------------------------

    def health(self) -> KeeperHealth | None:
        return None if self.keeper is None else self.keeper.health()

    async def close(self) -> None:
        keeper, self.keeper = self.keeper, None
        if keeper is not None:
            await keeper.stop()
        if self.purger is not None:
            await self.purger.close()
        if self.reviewer is not None:
            await self.reviewer.close()
        self.store.close()


__all__ = ["BROADCASTER_ID_META", "Caller", "ModerationService"]
