"""The app server's core: who is calling and their chat tokens; the stage service
(invites, redemption, the stage link) is `tui/server/stage/invitations.py`, mixed in.

A plain class with no HTTP in it: `http.py` maps requests onto these methods and the
domain errors of `tui.server.domain_errors` onto statuses, and the TUI could embed it
in-process. Control-plane failures become `IvsFailed` with the `ControlError`'s words.
"""

from __future__ import annotations

import hmac
import secrets
import time
from collections.abc import Callable
from typing import TYPE_CHECKING

from tui.common.roles import Role
from tui.ivs.control import ControlError
from tui.ivs.protocol import ChatCapability, new_id
from tui.server.domain_errors import InvalidRequest, IvsFailed, NotAllowed, NotAuthenticated
from tui.server.history.store import HistoryStore
from tui.server.models import ChatGrant
from tui.server.moderation.service import BROADCASTER_ID_META, ModerationService
from tui.server.names import (
    DisplayNameError,
    check_viewer_name,
    looks,
    same_name,
    validate_display_name,
)
from tui.server.room_limits import LiveRoomLimits
from tui.server.settings import ServiceConfig
from tui.server.stage.control_plane import ServiceControl
from tui.server.stage.invitations import StageInvitations, epoch_utc
from tui.server.store import IdentityRecord, Store

if TYPE_CHECKING:
    from tui.server.raid.desk import RaidDesk

VIEWER_CAPABILITIES: tuple[ChatCapability, ...] = (ChatCapability.SEND_MESSAGE,)
BROADCASTER_CAPABILITIES = VIEWER_CAPABILITIES
"""The broadcaster deletes and disconnects through `POST /api/moderation/actions`, as
moderators do, so every action is logged with its actor (tui/server/moderation/standing.py
says why no chat token but the room keeper's may delete)."""


class AppService(StageInvitations):
    """Who is calling, and their chat tokens; the stage's half is `StageInvitations`."""

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
        self.raid: RaidDesk | None = None
        """Shield mode, the held queue, the moderators' news (set at start-up)."""
        self.room_limits: LiveRoomLimits | None = None
        """The IVS room's own limits (set at start-up; `tui.server.room_limits`)."""

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
        user_id = self.store.get_meta(BROADCASTER_ID_META)
        identity = self.store.identity(user_id) if user_id else None
        if identity is None:
            user_id = f"broadcaster-{new_id()}"
            identity = self.store.add_identity(
                user_id, session_key, display_name, Role.BROADCASTER, now, looks(display_name)
            )
            self.store.set_meta(BROADCASTER_ID_META, user_id)
        else:
            self.store.set_session_key(identity.user_id, session_key)
        return identity, session_key

    def _check_viewer_name(self, name: str, user_id: str | None = None) -> None:
        """`InvalidRequest` if a viewer (`user_id`, or a new one) calling themselves
        `name` could pass for the broadcaster (the configured name, reserved from the
        start, or the one they use), the staff, a badge or a system line, or for another
        viewer: a name belongs to one identity."""
        broadcaster_id = self.store.get_meta(BROADCASTER_ID_META)
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
        made: str | None = None  # a new identity: forgotten when no token comes of it
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
            made = identity.user_id
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
            if made is not None:  # else the name would be taken by a key nobody holds
                self.store.forget_identity(made)
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
            timed_out_until=None if read_only_until is None else epoch_utc(read_only_until),
            max_message_length=self.room_limits.current.max_message_length
            if self.room_limits
            else None,
        )
