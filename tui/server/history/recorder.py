"""What the room keeper hands its room's events to: one call per event.

The keeper's loop does `recorder.on_event(event)` for every `RoomEvent` its room client
yields (tui/ivs/events.py): messages are recorded, deletions and disconnects go to the
moderation log (a deletion removes its message), and connection states become coverage.
"""

from __future__ import annotations

import logging

from tui.common.text import for_log
from tui.ivs.events import (
    ChatMessage,
    ConnectionState,
    MessageDeleted,
    RoomEvent,
    StateChanged,
    UserDisconnected,
)
from tui.server.db import DB_ERRORS
from tui.server.history.record import from_micros, message_frame, moderation_event
from tui.server.history.store import HistoryStore

log = logging.getLogger("tui.server")


class HistoryRecorder:
    def __init__(self, store: HistoryStore) -> None:
        self.store = store

    def on_event(self, event: RoomEvent) -> None:
        """Record one room event. A failed write is logged and leaves a gap in coverage,
        so the history reads incomplete there rather than silently missing a message."""
        store = self.store
        try:
            if isinstance(event, ChatMessage):
                store.add_message(message_frame(event))
            elif isinstance(event, MessageDeleted | UserDisconnected):
                store.add_moderation(moderation_event(event, from_micros(store.now_us())))
            elif isinstance(event, StateChanged):
                self.on_state(event.state)
        except (*DB_ERRORS, OSError) as exc:
            log.warning("history could not record an event: %s", for_log(str(exc)))
            self._gap()

    def on_state(self, state: ConnectionState) -> None:
        """Connected: recording from now. Any other state: stopped now."""
        now = self.store.now_us()
        if state == ConnectionState.CONNECTED:
            self.store.coverage.recording(now)
        else:
            self.store.coverage.stopped(now)

    def _gap(self) -> None:
        coverage, now = self.store.coverage, self.store.now_us()
        if not coverage.is_recording:
            return
        try:
            coverage.stopped(now)
            coverage.recording(now + 1)
        except (*DB_ERRORS, OSError) as exc:
            log.warning("history could not mark a gap: %s", for_log(str(exc)))
