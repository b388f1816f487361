"""What the chat screen asks of the world, with no Textual in it (harlequin's driver).

`ChatController` owns the session (the app server), the room client and the effects
(opening a browser, writing the clipboard). The chat screen holds it as a `Controls`
(the Protocol below) given to its constructor, so a screen test can hand it a fake; the
app only wires the two. The room's events come out of `run`, which hands each to a
callback (the screen's `deliver`, which posts them as Textual messages).

Renewal: after a timeout, its end, or a role change the app server
sends an `ivs-chat-tui:Moderation` notice naming us with renew, then disconnects us. That
disconnect is not the end: `run` opens a new room with a fresh token (read-only with
`timedOutUntil`, or with the new role's capabilities) and tells the screen who we are
now. A read-only token is renewed by itself when its time is up. Renewals are tracked
here only, everyone's: another user's renewing disconnect is not handed on either (they
are back at once with a new token; the screen has nothing to say about it).

The identity in force is owned here (`identity`): the app reads it, the chat screen is
told of each change. The session's own is the latest token's, adopted here once a
connection made with it is live.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Callable
from datetime import datetime
from typing import TYPE_CHECKING, Protocol

from tui.chat.history_relay import DEFAULT_HISTORY_ON_JOIN, Delivered, HistoryRelay, HistorySource
from tui.chat.history_sync import CATCH_UP_PAGE, HistoryRequest
from tui.client.moderation_api import (
    DEFAULT_LOG_LIMIT,
    ModeratedUser,
    ModerationClient,
    ModerationRecord,
    RoomSettings,
    Unavailable,
)
from tui.client.session import ChatSession, SelfIdentity
from tui.common.timing.clock import Clock, utc_now
from tui.error_words import error_words
from tui.ivs.events import (
    ChatMessage,
    ConnectionState,
    DisconnectReason,
    NotConnected,
    RoomEvent,
    StateChanged,
    UserDisconnected,
)
from tui.ivs.moderation_notice import ModerationNotice, read_notice

if TYPE_CHECKING:
    from tui.client.app_server import InviteGrant, Redemption
    from tui.client.moderation_api import ModeratedUser
    from tui.ivs.room import ChatRoom
    from tui.server.models import (
        HeldDecision,
        HeldMessage,
        ModerationNews,
        ShieldState,
        UserNote,
    )

log = logging.getLogger(__name__)

BrowserOpener = Callable[[str], bool]
ClipboardWriter = Callable[[str], None]
RoomFactory = Callable[[ChatSession], "ChatRoom"]

RENEWING_WORDS = "renewing the chat connection"
TIMEOUT_OVER_WORDS = "your timeout is over"
RENEW_AFTER_SECONDS = 0.5
RENEWED_WORDS = "not sent: the chat connection was being renewed; send it again"


class Controls(Protocol):
    """The chat screen's view of the controller: every call that leaves the screen."""

    async def send(self, text: str) -> ChatMessage: ...
    async def delete(self, message_id: str, reason: str | None = None) -> None: ...
    async def disconnect(self, user_id: str, reason: str | None = None) -> None: ...
    async def invite(self, user_id: str) -> InviteGrant: ...
    async def redeem(self, invite_id: str) -> Redemption: ...
    async def go_on_stage(self) -> Redemption: ...
    async def leave(self) -> None: ...
    async def open_in_browser(self, url: str) -> bool: ...
    def copy(self, text: str) -> None: ...
    # The moderation routes (tui/client/moderation_api.py): the controller is also the log
    # screen's LogSource, the settings screen's SettingsStore and the card's UserLookup.
    async def act(
        self,
        action: str,
        user_id: str,
        *,
        reason: str | None = None,
        duration_seconds: int | None = None,
        ban_address: bool = False,
        purge_seconds: int | None = None,
    ) -> ModerationRecord: ...
    async def moderation_log(
        self, user_id: str | None = None, limit: int = DEFAULT_LOG_LIMIT
    ) -> list[ModerationRecord]: ...
    async def user_profile(self, user_id: str) -> ModeratedUser: ...
    async def recent_messages(self, user_id: str) -> list[ChatMessage]: ...
    async def room_settings(self) -> RoomSettings: ...
    async def save_room_settings(self, settings: RoomSettings) -> RoomSettings: ...
    # The raid tools: the card's notes (NoteBook), the held queue (HeldDesk), shield mode
    # and the moderators' news.
    async def user_notes(self, user_id: str) -> list[UserNote]: ...
    async def add_user_note(self, user_id: str, text: str) -> UserNote: ...
    async def held_messages(self) -> list[HeldMessage]: ...
    async def approve_held(self, held_id: str) -> HeldDecision: ...
    async def deny_held(self, held_id: str) -> HeldDecision: ...
    async def shield(self) -> ShieldState: ...
    async def set_shield(self, on: bool, minutes: int | None = None) -> ShieldState: ...
    def moderation_news(self) -> AsyncIterator[ModerationNews]: ...


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
        clock: Clock = utc_now,
    ) -> None:
        self.session = session
        self.room: ChatRoom | None = None
        self.identity: SelfIdentity | None = None
        self._browser = browser
        self._clipboard = clipboard
        self._room_factory = room_factory
        self._clock = clock
        self._moderation = ModerationClient(session.client) if session is not None else None
        # Why the current room is to be replaced by a fresh one ("" while it is not): a
        # renew notice naming us, or the end of our read-only time.
        self._renewal = ""
        # Users a renew notice named, us among them: the disconnect that follows renews
        # their connection (a timeout, its end, a role change), it does not end it.
        self._renewing: set[str] = set()
        self._closing: asyncio.Task[None] | None = None
        self._expiry: asyncio.Task[None] | None = None  # renews at the end of a timeout
        self._closed = False

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
        # One relay across renewals: it knows what was seen, so a renewed room catches up
        # once and history on join is shown once.
        async with self.history_relay(deliver) as relay:
            while not self._closed:
                room = self._make_room(session)
                self.room = room
                self._watch_timeout(room)
                try:
                    async with room:
                        async for event in room:
                            if (read := self._follow(event, identified)) is not None:
                                relay(read)
                except Exception as exc:  # the room gives up in words; this is the last resort
                    log.exception("the room client failed")
                    deliver(
                        StateChanged(
                            ConnectionState.DISCONNECTED,
                            reason=f"the chat client failed: {error_words(exc)}",
                            disconnect=DisconnectReason.GAVE_UP,
                        )
                    )
                    return
                finally:
                    await self._stop_watching_timeout()
                if not self._renewal or self._closed:
                    return
                relay(StateChanged(ConnectionState.RECONNECTING, reason=self._renewal))
                self._renewal = ""

    def _follow(
        self, event: RoomEvent, identified: Callable[[SelfIdentity], None]
    ) -> RoomEvent | ModerationNotice | None:
        """Watch the room's events for a renewal: the event to hand on (a moderation
        notice as read here, once: `read_notice`), or None for one the screen must not
        see (a disconnect that renews someone, and, for ours, the room's end that follows)."""
        me = self.identity
        read = read_notice(event)
        if self._renewal:
            # The old room is winding down; the new one will say how it goes.
            return None if isinstance(event, UserDisconnected | StateChanged) else read
        if isinstance(read, ModerationNotice):
            if read.renew:
                self._renewing.add(read.target_id)
        elif isinstance(event, UserDisconnected) and event.user_id in self._renewing:
            self._renewing.discard(event.user_id)
            if me is not None and event.user_id == me.user_id:
                self._renewal = RENEWING_WORDS
                self._end_room_later()
            return None
        elif isinstance(event, StateChanged) and event.state is ConnectionState.CONNECTED:
            session = self.session
            if session is not None and session.identity is not None and session.identity != me:
                self.identity = session.identity  # the token this connection used says
                identified(session.identity)
                if self.room is not None:
                    self._watch_timeout(self.room)
        return read

    def _end_room_later(self) -> None:
        room = self.room
        if room is not None:
            # Held: a task nobody references may be collected before it ends.
            self._closing = asyncio.get_running_loop().create_task(room.close())

    def _watch_timeout(self, room: ChatRoom) -> None:
        """With a read-only token, renew when its time is up: the new token sends."""
        if self._expiry is not None:
            self._expiry.cancel()
        me = self.identity
        until = me.timed_out_until if me is not None else None
        # A time already past belongs to an earlier token: this room's will say anew.
        if until is not None and until > self._clock():
            self._expiry = asyncio.create_task(self._renew_at(room, until))

    async def _stop_watching_timeout(self) -> None:
        expiry, self._expiry = self._expiry, None
        if expiry is not None:
            expiry.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await expiry

    async def _renew_at(self, room: ChatRoom, until: datetime) -> None:
        wait = (until - self._clock()).total_seconds()
        # Not before a moment has passed: a server clock a little behind ours would
        # otherwise have us ask again and again until it catches up.
        await asyncio.sleep(max(wait, RENEW_AFTER_SECONDS))
        self._renewal = TIMEOUT_OVER_WORDS
        await room.close()

    def _make_room(self, session: ChatSession) -> ChatRoom:
        if self._room_factory is not None:
            return self._room_factory(session)
        from tui.ivs.room import ChatRoom

        return ChatRoom(session.token_provider(), batch_reads=True)

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
        room = self._live_room()
        try:
            return await room.send_message(text)
        except NotConnected:
            if self._renewal or self.room is not room:
                # Not resent by itself: it may have gone out just before (never twice).
                raise NotConnected(RENEWED_WORDS) from None
            raise

    async def delete(self, message_id: str, reason: str | None = None) -> None:
        """Through the app server (which checks the roles and logs it): our chat token
        cannot delete. IVS's aws:DELETE_MESSAGE still reaches the room as before."""
        await self._moderation_client().delete(message_id, reason)

    async def disconnect(self, user_id: str, reason: str | None = None) -> None:
        """Through the app server, which also withdraws the user's stage invites; IVS's
        aws:DISCONNECT_USER still reaches the room as before."""
        await self._moderation_client().disconnect(user_id, reason)

    async def invite(self, user_id: str) -> InviteGrant:
        return await self._session().invite(user_id)

    async def redeem(self, invite_id: str) -> Redemption:
        return await self._session().redeem(invite_id)

    async def go_on_stage(self) -> Redemption:
        """The broadcaster's own stage link (the invite assumes they are on the stage)."""
        return await self._session().go_on_stage()

    async def leave(self) -> None:
        """Close the room for good: the moderator disconnected us. Never raises (close
        is documented safe; a failure is logged, not shown)."""
        self._closed = True
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

    # --- moderation (tui/client/moderation_api.py: errors in words, typed) ---------------------

    def _moderation_client(self) -> ModerationClient:
        if self._moderation is None:
            # A ModerationError, as every failure of these calls is (the screens say it).
            raise Unavailable(None, "there is no app server in this session")
        return self._moderation

    async def act(
        self,
        action: str,
        user_id: str,
        *,
        reason: str | None = None,
        duration_seconds: int | None = None,
        ban_address: bool = False,
        purge_seconds: int | None = None,
    ) -> ModerationRecord:
        return await self._moderation_client().act(
            action,
            user_id,
            reason=reason,
            duration_seconds=duration_seconds,
            ban_address=ban_address,
            purge_seconds=purge_seconds,
        )

    async def moderation_log(
        self, user_id: str | None = None, limit: int = DEFAULT_LOG_LIMIT
    ) -> list[ModerationRecord]:
        return await self._moderation_client().moderation_log(user_id, limit)

    async def room_settings(self) -> RoomSettings:
        return await self._moderation_client().room_settings()

    async def save_room_settings(self, settings: RoomSettings) -> RoomSettings:
        return await self._moderation_client().save_room_settings(settings)

    # --- the raid tools (the same client: errors in words, typed) -----------------------

    async def user_notes(self, user_id: str) -> list[UserNote]:
        return await self._moderation_client().user_notes(user_id)

    async def add_user_note(self, user_id: str, text: str) -> UserNote:
        return await self._moderation_client().add_user_note(user_id, text)

    async def held_messages(self) -> list[HeldMessage]:
        return await self._moderation_client().held_messages()

    async def approve_held(self, held_id: str) -> HeldDecision:
        return await self._moderation_client().approve_held(held_id)

    async def deny_held(self, held_id: str) -> HeldDecision:
        return await self._moderation_client().deny_held(held_id)

    async def shield(self) -> ShieldState:
        return await self._moderation_client().shield()

    async def set_shield(self, on: bool, minutes: int | None = None) -> ShieldState:
        return await self._moderation_client().set_shield(on, minutes)

    def moderation_news(self) -> AsyncIterator[ModerationNews]:
        """The moderators' news stream, opened anew at each call (tui/chat/raid/news.py
        follows it). NotConnected at once without an app server: nothing to follow."""
        if self._moderation is None:
            raise NotConnected("there is no app server in this session")
        return self._moderation.moderation_news()

    async def close(self) -> None:
        """The room, then the session."""
        self._closed = True
        if self.room is not None:
            await self.room.close()
        if self.session is not None:
            await self.session.close()

    # --- history: on join, and what was missed across reconnects -------------------------

    history_on_join: int = DEFAULT_HISTORY_ON_JOIN
    """How many recent messages are shown on join (setting `history_on_join`)."""
    history_page: int = CATCH_UP_PAGE
    history_source: HistorySource | None = None
    """Where history is read: the session's app server unless set."""

    def history(self) -> HistorySource | None:
        if self.history_source is None and self.session is not None:
            from tui.client.history import HistoryClient

            self.history_source = HistoryClient(self.session.client)
        return self.history_source

    async def user_profile(self, user_id: str) -> ModeratedUser:
        """The user card's identity age and status (moderators only; 403 otherwise)."""
        return await self._moderation_client().user(user_id)

    async def recent_messages(self, user_id: str) -> list[ChatMessage]:
        """The user card's messages from the history: theirs among its newest page."""
        source = self.history()
        if source is None:
            raise NotConnected("there is no app server in this session")
        page = await source.history(HistoryRequest(None, CATCH_UP_PAGE))
        return [m for m in page.messages if m.sender_id == user_id]

    def history_relay(self, deliver: Callable[[Delivered], None]) -> HistoryRelay:
        """What `run` hands each room event to (tui/chat/history_relay.py)."""
        return HistoryRelay(
            self.history(), deliver, on_join=self.history_on_join, page=self.history_page
        )


__all__ = ["ChatController", "Controls"]
