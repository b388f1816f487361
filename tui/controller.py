"""What the chat screen asks of the world, with no Textual in it (harlequin's driver).

`ChatController` owns the session (the app server), the room client and the effects
(opening a browser, writing the clipboard). The chat screen holds it as a `Controls`
(the Protocol below) given to its constructor, so a screen test can hand it a fake; the
app only wires the two. The room's events come out of `run`, which hands each to a
callback (the screen's `deliver`, which posts them as Textual messages).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import TYPE_CHECKING, Protocol

from tui.errors import error_words
from tui.history_relay import DEFAULT_HISTORY_ON_JOIN, Delivered, HistoryRelay, HistorySource
from tui.history_sync import CATCH_UP_PAGE, HistoryRequest
from tui.ivs.events import (
    ChatMessage,
    ConnectionState,
    DisconnectReason,
    NotConnected,
    StateChanged,
)
from tui.session import ChatSession, SelfIdentity

if TYPE_CHECKING:
    from tui.ivs.room import ChatRoom
    from tui.moderation_api import ModeratedUser
    from tui.server.client import InviteGrant, Redemption

log = logging.getLogger(__name__)

BrowserOpener = Callable[[str], bool]
ClipboardWriter = Callable[[str], None]
RoomFactory = Callable[[ChatSession], "ChatRoom"]


class Controls(Protocol):
    """The chat screen's view of the controller: every call that leaves the screen."""

    async def send(self, text: str) -> ChatMessage: ...
    async def delete(self, message_id: str, reason: str | None = None) -> None: ...
    async def disconnect(self, user_id: str, reason: str | None = None) -> None: ...
    async def invite(self, user_id: str) -> InviteGrant: ...
    async def redeem(self, invite_id: str) -> Redemption: ...
    async def revoke(self, user_id: str) -> None: ...
    async def go_on_stage(self) -> Redemption: ...
    async def leave(self) -> None: ...
    async def open_in_browser(self, url: str) -> bool: ...
    def copy(self, text: str) -> None: ...


def _no_clipboard(text: str) -> None:
    raise NotConnected("there is no clipboard here")


class ChatController:
    """The session, the room and the effects. Without a session (snapshots, screen
    tests) nothing connects and every call says so in words."""

    def __init__(
        self,
        session: ChatSession | None = None,
        *,
        browser: BrowserOpener,
        clipboard: ClipboardWriter = _no_clipboard,
        room_factory: RoomFactory | None = None,
    ) -> None:
        self.session = session
        self.room: ChatRoom | None = None
        self.identity: SelfIdentity | None = None
        self._browser = browser
        self._clipboard = clipboard
        self._room_factory = room_factory

    # --- the room's events ------------------------------------------------------------

    async def run(
        self,
        deliver: Callable[[Delivered], None],
        identified: Callable[[SelfIdentity], None],
    ) -> None:
        """Ask the app server who we are (`identified`), then join the room and hand
        each of its events to `deliver` until it ends. Every failure is a
        DISCONNECTED event in words: nothing raises out of here."""
        session = self.session
        if session is None:
            return
        deliver(StateChanged(ConnectionState.CONNECTING, reason="asking the app server"))
        try:
            identity = await session.open()
        except Exception as exc:
            deliver(
                StateChanged(
                    ConnectionState.DISCONNECTED,
                    reason=error_words(exc),
                    disconnect=DisconnectReason.TOKEN_REJECTED,
                )
            )
            return
        self.identity = identity
        identified(identity)
        room = self._make_room(session)
        self.room = room
        try:
            async with room, self.history_relay(deliver) as relay:
                async for event in room:
                    relay(event)
        except Exception as exc:  # the room gives up in words; this is the last resort
            log.exception("the room client failed")
            deliver(
                StateChanged(
                    ConnectionState.DISCONNECTED,
                    reason=f"the chat client failed: {error_words(exc)}",
                    disconnect=DisconnectReason.GAVE_UP,
                )
            )

    def _make_room(self, session: ChatSession) -> ChatRoom:
        if self._room_factory is not None:
            return self._room_factory(session)
        from tui.ivs.room import ChatRoom

        return ChatRoom(session.token_provider())

    # --- what the screen asks ----------------------------------------------------------

    def _live_room(self) -> ChatRoom:
        if self.room is None:
            raise NotConnected("not connected to the chat yet")
        return self.room

    def _session(self) -> ChatSession:
        if self.session is None:
            raise NotConnected("there is no app server in this session")
        return self.session

    async def send(self, text: str) -> ChatMessage:
        return await self._live_room().send_message(text)

    async def delete(self, message_id: str, reason: str | None = None) -> None:
        await self._live_room().delete_message(message_id, reason)

    async def disconnect(self, user_id: str, reason: str | None = None) -> None:
        await self._live_room().disconnect_user(user_id, reason)

    async def invite(self, user_id: str) -> InviteGrant:
        return await self._session().invite(user_id)

    async def redeem(self, invite_id: str) -> Redemption:
        return await self._session().redeem(invite_id)

    async def go_on_stage(self) -> Redemption:
        """The broadcaster's own stage link (the invite assumes they are on the stage)."""
        return await self._session().go_on_stage()

    async def revoke(self, user_id: str) -> None:
        """Take back the user's stage invites (the chat disconnect goes over the socket)."""
        await self._session().revoke_stage(user_id)

    async def leave(self) -> None:
        """Close the room for good: the moderator disconnected us. Never raises (close
        is documented safe; a failure is logged, not shown)."""
        if self.room is not None:
            try:
                await self.room.close()
            except Exception:
                log.exception("closing the room failed")

    async def open_in_browser(self, url: str) -> bool:
        # webbrowser may block while it starts a browser.
        return await asyncio.to_thread(self._browser, url)

    def copy(self, text: str) -> None:
        self._clipboard(text)

    async def close(self) -> None:
        """The room, then the session."""
        if self.room is not None:
            await self.room.close()
        if self.session is not None:
            await self.session.close()

    # --- history (issue 11): on join, and what was missed across reconnects --------------

    history_on_join: int = DEFAULT_HISTORY_ON_JOIN
    """How many recent messages are shown on join (setting `history_on_join`)."""
    history_page: int = CATCH_UP_PAGE
    history_source: HistorySource | None = None
    """Where history is read: the session's app server unless set."""

    def history(self) -> HistorySource | None:
        if self.history_source is None and self.session is not None:
            from tui.history_client import HistoryClient

            self.history_source = HistoryClient(self.session.client)
        return self.history_source

    async def user_profile(self, user_id: str) -> ModeratedUser:
        """The user card's identity age and status (moderators only; 403 otherwise)."""
        from tui.moderation_api import ModerationClient

        return await ModerationClient(self._session().client).user(user_id)

    async def recent_messages(self, user_id: str) -> list[ChatMessage]:
        """The user card's messages from the history: theirs among its newest page."""
        source = self.history()
        if source is None:
            raise NotConnected("there is no app server in this session")
        page = await source.history(HistoryRequest(None, CATCH_UP_PAGE))
        return [m for m in page.messages if m.sender_id == user_id]

    def history_relay(self, deliver: Callable[[Delivered], None]) -> HistoryRelay:
        """What `run` hands each room event to (tui/history_relay.py)."""
        return HistoryRelay(
            self.history(), deliver, on_join=self.history_on_join, page=self.history_page
        )


__all__ = ["ChatController", "Controls"]
