"""The connection and how the room ends: state changes, the reason for reconnecting,
a disconnect or a ban by a moderator, the room over for good; and the send queue, which
waits for the connection when it is down."""

from __future__ import annotations

import logging
from collections import deque
from dataclasses import replace
from typing import Any

from textual import on, work

from tui.chat.moderation_state import banned_by
from tui.chat.room_messages import ConnectionChanged, UserGone
from tui.common.roles import Role
from tui.error_words import error_words
from tui.ivs.events import ChatError, ConnectionState, DisconnectReason, StateChanged
from tui.screens.chat.base import ChatBase
from tui.screens.chat.words import BANNED_AFTER, BANNED_WORDS, WAITING_WORDS, WITHDRAWN_WORDS
from tui.screens.dialogs.disconnected import DISCONNECTED_WORDS, DisconnectedScreen
from tui.widgets.composer import Composer, is_held, send_error_words

log = logging.getLogger(__name__)


class ConnectionFlows(ChatBase):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._reconnect_reason = ""  # the reason the list last gave for reconnecting
        self._outbox: deque[str] = deque()  # what Enter took out, not yet sent

    @on(ConnectionChanged)
    def _connection_changed(self, event: ConnectionChanged) -> None:
        change = event.event
        if self.ended:
            return  # over for good: a late state change brings nothing back
        self.connection = change
        self._say_why_reconnecting(change)
        live = change.state is ConnectionState.CONNECTED
        self.composer.pending("" if live else WAITING_WORDS)  # only while a send waits
        if change.state is ConnectionState.DISCONNECTED:
            if change.disconnect is DisconnectReason.DISCONNECTED_BY_MODERATOR:
                self._disconnected_by_moderator(change.reason)
            elif change.disconnect is not DisconnectReason.CLOSED_BY_CLIENT:
                words = change.reason or "the chat connection ended"
                self.ended = True
                self.system(f"disconnected: {words}", error=True)
                if change.disconnect is DisconnectReason.TOKEN_REJECTED:
                    self.composer.disable("Disconnected for good: quit and join again.")
                    self.app.push_screen(DisconnectedScreen.refused(words))
                else:
                    self.composer.disable(f"disconnected: {words}")

    def _say_why_reconnecting(self, change: StateChanged) -> None:
        """The reason in full, in the list, where it stays after the status line has moved
        on (and the status line keeps at most three lines). Said once per outage and per
        new reason, not at every attempt."""
        if change.state is ConnectionState.CONNECTED:
            self._reconnect_reason = ""
        elif (
            change.state is ConnectionState.RECONNECTING
            and change.reason
            and change.reason != self._reconnect_reason
        ):
            self._reconnect_reason = change.reason
            self.system(f"reconnecting: {change.reason}")

    @on(UserGone)
    def _user_gone(self, event: UserGone) -> None:
        user_id = event.event.user_id
        if self.identity is not None and user_id == self.identity.user_id:
            self._disconnected_by_moderator(event.event.reason)
        elif not self.ended:
            reason = event.event.reason
            line = self.moderation.user_left(user_id, self.name_of(user_id), reason)
            self._moderation_changed()  # x and s for their messages are gone too
            if line is not None:
                self.system(line)

    def _disconnected_by_moderator(self, reason: str) -> None:
        if self.moderator_disconnected:
            return
        banned = self.moderation.banned
        self.moderator_disconnected = True
        self.ended = True
        # Done with the room for good, whatever it does next (a misbehaving room or
        # server might otherwise reconnect): close it without waiting here.
        self._leave()
        self.connection = StateChanged(
            ConnectionState.DISCONNECTED,
            # The ban's notice names who did it (the broadcaster, a moderator or the
            # room keeper); a bare disconnect does not.
            reason="removed from the chat" if banned is None else f"banned by {banned_by(banned)}",
            disconnect=DisconnectReason.DISCONNECTED_BY_MODERATOR,
        )
        self.composer.disable(DISCONNECTED_WORDS if banned is None else BANNED_WORDS)
        me = self.identity
        if banned is not None and me is not None:
            # A ban takes a moderator's role away (the server drops it): the header says
            # the role we have now, not the one we had.
            self.status.identity = replace(me, role=Role.VIEWER)
        if self.toast.showing:
            # The app server withdraws a disconnected user's stage invites.
            self.toast.expired(WITHDRAWN_WORDS)
        if banned is not None:
            self.system("you have been banned from this chat", error=True)
            self.app.push_screen(
                DisconnectedScreen(banned.reason or reason, words=BANNED_WORDS, after=BANNED_AFTER)
            )
            return
        self.system("you have been disconnected from this chat", error=True)
        self.app.push_screen(DisconnectedScreen(reason))

    @work(group="leave", exit_on_error=False)
    async def _leave(self) -> None:
        await self.controls.leave()

    # --- the send queue ------------------------------------------------------------------

    @on(Composer.Submitted)
    def _send(self, event: Composer.Submitted) -> None:
        event.composer.begin_send()
        if self.connection.state is not ConnectionState.CONNECTED:
            # The room keeps it in its outbox until it is back: say so, or Enter looks dead.
            event.composer.pending(WAITING_WORDS)
        self._outbox.append(event.text)
        if len(self._outbox) == 1:
            self._deliver(event.composer)

    @work(group="send")
    async def _deliver(self, composer: Composer) -> None:
        """Send what Enter took out, one after the other in the order typed: a burst of
        keys is several messages, never one merged or one sent twice."""
        outbox = self._outbox
        while outbox:
            text = outbox[0]
            try:
                await self.controls.send(text)
            except Exception as exc:  # never a traceback in front of the user
                if self.ended:
                    # The disabled composer says why: "you left the chat", from the room
                    # we closed, would be wrong.
                    composer.failed(text, "")
                elif isinstance(exc, ChatError) and is_held(exc):
                    composer.held(text)  # approved, it is in the room: never sent twice
                elif isinstance(exc, ChatError):
                    composer.failed(text, send_error_words(exc))
                else:
                    log.exception("send failed")
                    composer.failed(text, error_words(exc))
            else:
                composer.sent(text)
            outbox.popleft()
