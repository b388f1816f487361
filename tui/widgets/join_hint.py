"""The line that tells the broadcaster what a second terminal runs to join as a viewer.

The command is shown whole, so it can be copied; the words before it shrink to fit.
"""

from __future__ import annotations

from textual import events
from textual.widgets import Static

from tui.widgets.untrusted import content_from

_PREFIXES = ("Join as a viewer from another terminal: ", "Join as a viewer: ", "Viewers: ", "")


class JoinHint(Static):
    DEFAULT_CSS = """
    JoinHint {
        height: auto;
        padding: 0 1;
        background: $boost;
        color: $text-muted;
    }
    """

    def __init__(self, command: str, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.command = command

    def on_mount(self) -> None:
        self._fit(self.size.width)

    def on_resize(self, event: events.Resize) -> None:
        self._fit(event.size.width)

    def _fit(self, width: int) -> None:
        room = width or 80
        prefix = next((p for p in _PREFIXES if len(p) + len(self.command) <= room), _PREFIXES[-1])
        self.update(content_from("$prefix[b $foreground]$cmd[/]", prefix=prefix, cmd=self.command))
