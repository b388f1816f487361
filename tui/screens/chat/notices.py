"""What the room says about moderation: a moderator's notice, and a message IVS deleted
(which may wait a moment for the notice that says it better). The decisions are the
model's (tui/chat/moderation_state.py); this draws them."""

from __future__ import annotations

import time

from textual import on
from textual.timer import Timer

from tui.chat.raid.deletions import Deletion, deletion_words
from tui.chat.room_messages import MessageGone, Moderated
from tui.screens.chat.base import ChatBase

DELETIONS_GATHERED_S = 1.0
"""After a deletion is said, the deletions of the next second are said together: a purge
deletes its messages one by one (tui/chat/raid/deletions.py)."""


class NoticeFlows(ChatBase):
    _unexplained_timer: Timer | None = None
    _gathered: list[Deletion] | None = None
    """Deletions waiting to be said together; None: the next is said at once."""

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
        name = self.messages.sender_name(sender) if sender is not None else None
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
            self._say_deletion(Deletion(line, name))
        elif self.moderation.waiting and self._unexplained_timer is None:
            self._unexplained_timer = self.set_timer(self.moderation.grace, self._say_unexplained)

    def _say_unexplained(self) -> None:
        """Say the deletions whose wait for a notice is over, oldest first."""
        self._unexplained_timer = None
        lines, wait = self.moderation.due(time.monotonic())
        for line in lines:
            self._say_deletion(Deletion(line))
        if wait is not None:
            self._unexplained_timer = self.set_timer(wait, self._say_unexplained)

    def _say_deletion(self, deletion: Deletion) -> None:
        """Said at once, unless a deletion was said within the last moment: then it waits
        for the others of that moment, and they are said together."""
        if self._gathered is None:
            self.system(deletion.line)
            self._gathered = []
            self.set_timer(DELETIONS_GATHERED_S, self._say_gathered)
        else:
            self._gathered.append(deletion)

    def _say_gathered(self) -> None:
        gathered, self._gathered = self._gathered or [], None
        for line in deletion_words(gathered):
            self.system(line)
        if gathered:  # more may be on their way: gather the next moment's too
            self._gathered = []
            self.set_timer(DELETIONS_GATHERED_S, self._say_gathered)
