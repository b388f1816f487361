"""What the room says about moderation: a moderator's notice, and a message IVS deleted
(which may wait a moment for the notice that says it better). The decisions are the
model's (tui/chat/moderation_state.py); this draws them."""

from __future__ import annotations

import time

from textual import on
from textual.timer import Timer

from tui.chat.room_messages import MessageGone, Moderated
from tui.screens.chat.base import ChatBase


class NoticeFlows(ChatBase):
    _unexplained_timer: Timer | None = None

    @on(Moderated)
    def _moderated(self, event: Moderated) -> None:
        """A moderator acted: said to every moderator (but the one who did it, whose own
        action reports it) and to its target."""
        viewer = self._viewer
        if self.ended or viewer is None:
            return
        line = self.moderation.noticed(event.notice, viewer)
        if line is not None:
            self.system(line)
        self._moderation_changed()

    @on(MessageGone)
    def _message_gone(self, event: MessageGone) -> None:
        if self.ended:
            return
        message_id = event.event.message_id
        sender = self.messages.sender_of(message_id)
        removed = self.messages.remove_message(message_id)
        line = self.moderation.deleted(
            message_id,
            removed=removed,
            reason=event.event.reason,
            sender=sender,
            me=self._viewer,
            now=time.monotonic(),
        )
        if line is not None:
            self.system(line)
        elif self.moderation.waiting and self._unexplained_timer is None:
            self._unexplained_timer = self.set_timer(self.moderation.grace, self._say_unexplained)

    def _say_unexplained(self) -> None:
        """Say the deletions whose wait for a notice is over, oldest first."""
        self._unexplained_timer = None
        lines, wait = self.moderation.due(time.monotonic())
        for line in lines:
            self.system(line)
        if wait is not None:
            self._unexplained_timer = self.set_timer(wait, self._say_unexplained)
