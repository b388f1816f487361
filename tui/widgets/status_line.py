"""The status line: room, connection state, role and own name, on one line.

While reconnecting it counts down to the next try, once a second, from the deadline the
room client gave; the clock is injected so snapshots show a fixed number. When it does not
fit the width (a long reason at 80 columns) it wraps onto a second line rather than
cutting the reason short.
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta
from typing import Protocol

from textual.content import Content
from textual.reactive import reactive
from textual.timer import Timer
from textual.widget import Widget

from tui.common.timing.clock import Clock
from tui.ivs.events import ConnectionState, StateChanged
from tui.terminal.untrusted import content_from

_STATE_STYLE = {
    ConnectionState.CONNECTING: "$warning",
    ConnectionState.CONNECTED: "$success",
    ConnectionState.RECONNECTING: "$warning",
    ConnectionState.DISCONNECTED: "$error",
}


class Shown(Protocol):
    """Who we are, as the line names us (tui.client.session.SelfIdentity is one)."""

    @property
    def room(self) -> str: ...
    @property
    def role(self) -> str: ...
    @property
    def name(self) -> str: ...


_CONNECTING = StateChanged(ConnectionState.CONNECTING)


class StatusLine(Widget):
    DEFAULT_CSS = """
    StatusLine {
        height: auto;
        max-height: 3;
        width: 1fr;
        background: $panel;
        color: $foreground;
        padding: 0 1;
    }
    """

    # The chat screen binds both to its own (data_bind): it owns them, this line draws them.
    # Always updated: a second RECONNECTING with the same delay counts down anew.
    identity: reactive[Shown | None] = reactive(None, layout=True, always_update=True)
    connection: reactive[StateChanged] = reactive(_CONNECTING, layout=True, always_update=True)
    raid: reactive[str] = reactive("", layout=True)
    """Moderators: `SHIELD mm:ss` and `held 3` (tui/chat/raid/news.py); "" for none."""

    def __init__(self, clock: Clock, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._clock = clock
        self._retry_at: datetime | None = None
        self._ticker: Timer | None = None

    @property
    def room(self) -> str:
        return self.identity.room if self.identity is not None else ""

    @property
    def role(self) -> str:
        return self.identity.role if self.identity is not None else ""

    @property
    def user_name(self) -> str:
        return self.identity.name if self.identity is not None else ""

    @property
    def state(self) -> ConnectionState:
        return self.connection.state

    @property
    def reason(self) -> str:
        return self.connection.reason

    def watch_connection(self, event: StateChanged) -> None:
        # A relayout follows (layout=True): the reason may take a second line, or give it back.
        if event.state is ConnectionState.RECONNECTING and event.retry_in is not None:
            try:
                self._retry_at = self._clock() + timedelta(seconds=event.retry_in)
            except (OverflowError, ValueError):  # no countdown for a delay past the calendar
                self._retry_at = None
            if self._ticker is None:
                self._ticker = self.set_interval(1.0, self._tick)
        else:
            self._retry_at = None
            if self._ticker is not None:
                self._ticker.stop()
                self._ticker = None

    def _tick(self) -> None:
        self.refresh(layout=True)  # "10 s" to "9 s" may change where the line wraps

    @property
    def state_text(self) -> str:
        """The state in words, as the line shows it: "reconnecting in 3 s"."""
        if self.state is ConnectionState.CONNECTED:
            return "live"
        if self.state is ConnectionState.RECONNECTING and self._retry_at is not None:
            left = max(0, math.ceil((self._retry_at - self._clock()).total_seconds()))
            return f"reconnecting in {left} s" if left else "reconnecting…"
        return self.state.value

    def render(self) -> Content:
        state = content_from(f"[{_STATE_STYLE[self.state]} bold]● $state[/]", state=self.state_text)
        parts = [content_from("[b]$room[/b]", room=self.room or "…"), state]
        if self.role:
            parts.append(content_from("$role", role=self.role))
        if self.user_name:
            parts.append(content_from("[b]$name[/b]", name=self.user_name))
        if self.raid:
            parts.append(content_from("[$warning bold]$raid[/]", raid=self.raid))
        # The reason goes last: at 80 columns it is the part that wraps to the next line.
        if self.reason and self.state is not ConnectionState.CONNECTED:
            parts.append(content_from("[$text-muted]$reason[/]", reason=self.reason))
        return Content(" · ").join(parts)
