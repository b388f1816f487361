"""A bare App that shows one moderation screen and keeps what it dismissed with: the
screens are tested apart from the chat screen (their wiring comes with it)."""

from __future__ import annotations

from typing import Any

from textual.app import App
from textual.screen import Screen
from textual.widgets import Input, Static, TextArea

NOTHING = object()


class Host(App[None]):
    def __init__(self, screen: Screen[Any]) -> None:
        super().__init__()
        self.shown = screen
        self.results: list[Any] = []

    def on_mount(self) -> None:
        self.push_screen(self.shown, self.results.append)

    def still_cursors(self) -> None:
        """No blinking cursor: a snapshot must not flicker."""
        for field in self.screen.query(Input):
            field.cursor_blink = False
        for area in self.screen.query(TextArea):
            area.cursor_blink = False


def error_of(app: Host) -> str:
    """The words the shown screen's `#error` line says, or "" while it is hidden."""
    error = app.screen.query_one("#error", Static)
    return str(error.render()) if error.display else ""
