"""Who we are in the room, and the app server calls the TUI makes on our behalf.

The app is given a session rather than a token: a session asks the app server for our
identity (user id, role), hands the room client a fresh token per connection, and does
the stage-invite calls. It holds no widget and imports no textual.

Given `SavedKeys` (tui/client/session_keys.py), a viewer's session comes back as the identity
it was at that server under that name: it sends the saved session key, and saves the
key of the first token answer before anything else happens, so the name the server
just gave us and the key on disk cannot disagree after a crash.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from tui.client.session_keys import SavedKeyError, SavedKeys
from tui.common.roles import Role
from tui.ivs.protocol import MAX_MESSAGE_LENGTH, TOKEN_TTL_SECONDS
from tui.ivs.tokens import ChatToken, TokenProvider

if TYPE_CHECKING:
    from tui.client.app_server import AppServerClient, InviteGrant, Redemption, TokenGrant

log = logging.getLogger(__name__)

UNKNOWN_KEY = 401
"""The app server's answer to a session key it does not know (a fresh data dir)."""


@dataclass(frozen=True, slots=True)
class SelfIdentity:
    """Us, as the app server registered us (the app server's own record of an identity
    is tui.server.store.Identity)."""

    user_id: str
    name: str
    role: Role
    """Text naming a role ("viewer") is taken as that `Role`."""
    room: str
    """What the status line calls the room: the IVS room's name, else the app server's
    host:port."""
    timed_out_until: datetime | None = None
    """Our token is read-only until then (a timeout, or the new-identity wait)."""
    max_message_length: int = MAX_MESSAGE_LENGTH
    """The room's longest message (the token answer's `maxMessageLength`)."""

    def __post_init__(self) -> None:
        object.__setattr__(self, "role", Role(self.role))

    @property
    def is_broadcaster(self) -> bool:
        return self.role == Role.BROADCASTER

    @property
    def is_moderator(self) -> bool:
        """Moderates the room: the broadcaster, or a moderator the broadcaster made."""
        return self.role in (Role.BROADCASTER, Role.MODERATOR)


def room_label(server_url: str) -> str:
    """The room as a person knows it when it has no name: the server they joined through."""
    parts = urlsplit(server_url)
    return parts.netloc or server_url


class ChatSession:
    """A display name at one app server. `open()` first, then the room uses
    `token_provider()`; invites, redemptions and stage revocations go through here."""

    def __init__(
        self,
        client: AppServerClient,
        name: str,
        *,
        room: str | None = None,
        keys: SavedKeys | None = None,
    ) -> None:
        self.client = client
        self.name = name
        self._room = room
        self._keys = None if client.broadcaster_key else keys
        """Where our session key is kept between runs; None: not kept (the broadcaster,
        whose key is the broadcaster key, and tests)."""
        self._saved_key: str | None = None
        self._first: ChatToken | None = None
        self._first_at: datetime | None = None
        self.identity: SelfIdentity | None = None

    async def open(self) -> SelfIdentity:
        """Ask for our first token: it tells who we are. Raises AppServerError.
        Once known, the identity is kept: opening again asks nothing."""
        if self.identity is not None:
            return self.identity
        from tui.client.app_server import AppServerError

        saved = self._recall()
        if saved and not self.client.session_key:
            self.client.session_key = saved
        try:
            grant = await self.client.chat_token(self.name)
        except AppServerError as exc:
            if not saved or exc.status != UNKNOWN_KEY:
                raise
            # The server does not know the saved key (its data is new): a new identity
            # under this name, if the name is free there.
            log.info("the app server does not know the saved session key: a new identity")
            self.client.session_key = None
            grant = await self.client.chat_token(self.name)
        self._remember(grant.session_key)
        # The first connection uses this token, so one start costs one token request.
        self._first = grant.chat_token()
        self._first_at = datetime.now(UTC)
        return self._identify(grant)

    def _identify(self, grant: TokenGrant) -> SelfIdentity:
        """Who the latest token says we are: its role and read-only time may have changed
        since the last one (a moderator's action renews our connection)."""
        self.identity = SelfIdentity(
            user_id=grant.user_id,
            name=grant.display_name,
            role=grant.role,
            room=self._room or grant.room_name or room_label(self.client.base_url),
            timed_out_until=grant.timed_out_until,
            max_message_length=grant.max_message_length or MAX_MESSAGE_LENGTH,
        )
        return self.identity

    def token_provider(self) -> TokenProvider:
        """A fresh token per connection; each answer updates `identity`."""

        async def provide() -> ChatToken:
            first, self._first = self._first, None
            young = timedelta(seconds=TOKEN_TTL_SECONDS / 2)
            if first is not None and self._first_at and datetime.now(UTC) - self._first_at < young:
                return first
            grant = await self.client.chat_grant(self.name)
            self._remember(grant.session_key)
            self._identify(grant)
            return grant.chat_token()

        return provide

    def _recall(self) -> str | None:
        """The key saved for this server and name; a file that cannot be used is logged
        and passed over (the server then decides whether the name is free)."""
        if self._keys is None:
            return None
        try:
            self._saved_key = self._keys.load(self.client.base_url, self.name)
        except SavedKeyError as exc:
            log.warning("%s", exc)
        return self._saved_key

    def _remember(self, key: str) -> None:
        """Save `key` for this server and name unless it is saved already. A failure is
        logged: the chat works, only the next run will be a new identity."""
        if self._keys is None or not key or key == self._saved_key:
            return
        try:
            self._keys.save(self.client.base_url, self.name, key)
        except SavedKeyError as exc:
            log.warning("%s", exc)
            return
        self._saved_key = key

    async def invite(self, user_id: str) -> InviteGrant:
        return await self.client.invite(user_id)

    async def redeem(self, invite_id: str) -> Redemption:
        return await self.client.redeem(invite_id)

    async def go_on_stage(self) -> Redemption:
        return await self.client.go_on_stage()

    async def revoke_stage(self, user_id: str) -> None:
        """Take back the user's stage invites (the chat disconnect goes over the socket)."""
        await self.client.disconnect(user_id)

    async def close(self) -> None:
        await self.client.close()
