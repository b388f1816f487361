"""The status line: room, connection state, role and own name, on one line.

While reconnecting it counts down to the next try, once a second, from the deadline the
room client gave; the clock is injected so snapshots show a fixed number. When it does not
fit the width (a long reason at 80 columns) it wraps onto a second line rather than
cutting the reason short.
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta

from textual.content import Content
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

    def __init__(self, clock: Clock, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._clock = clock
        self.room = ""
        self.role = ""
        self.user_name = ""
        self.state = ConnectionState.CONNECTING
        self.reason = ""
        self._retry_at: datetime | None = None
        self._ticker: Timer | None = None

    def set_identity(self, room: str, role: str, name: str) -> None:
        self.room, self.role, self.user_name = room, role, name
        self.refresh(layout=True)  # the reason may take a second line, or give it back

    def set_state(self, event: StateChanged) -> None:
        self.state = event.state
        self.reason = event.reason
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
        self.refresh(layout=True)  # the reason may take a second line, or give it back

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
        # The reason goes last: at 80 columns it is the part that wraps to the next line.
        if self.reason and self.state is not ConnectionState.CONNECTED:
            parts.append(content_from("[$text-muted]$reason[/]", reason=self.reason))
        return Content(" · ").join(parts)
