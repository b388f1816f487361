"""Write a note on a user that every moderator sees (the user card's `n`).

The dialog only takes the words; the card asks the server and, if it refuses, opens
the dialog again with `initial` (what was typed) and `error` (the server's words), so
nothing typed is lost. Enter saves, escape cancels.
"""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import Input, Static

from tui.screens.dialogs.dialog import DialogScreen
from tui.terminal.untrusted import as_content, pasted_line
from tui.widgets.line_input import LineInput

NOTE_MAX_LENGTH = 500
"""The app server's longest note, in characters."""


class NoteInput(DialogScreen[str | None]):
    DEFAULT_CSS = """
    NoteInput > #dialog {
        width: 64;
        padding: 0 1;
    }
    NoteInput #about {
        margin: 1 0;
        color: $text-muted;
    }
    NoteInput #error {
        color: $text-error;
        height: auto;
    }
    """

    BINDINGS = [
        Binding("escape", "cancel", "Cancel", id="note_input.cancel"),
        Binding("ctrl+s", "save", "Save", id="note_input.save"),
    ]

    def __init__(self, target_name: str, *, initial: str = "", error: str = "") -> None:
        super().__init__()
        self.target_name = target_name
        self.initial = initial
        self.error = error

    def compose(self) -> ComposeResult:
        with self.frame(f"Note on {self.target_name}", "enter saves · esc cancel"):
            yield Static(
                "Every moderator sees it on the user card, with your name and the time.",
                id="about",
            )
            note = LineInput(
                # What was typed comes back as typed; made safe all the same, as a paste is.
                value=pasted_line(self.initial),
                placeholder="what the next moderator should know",
                max_length=NOTE_MAX_LENGTH,
                id="note",
            )
            note.border_title = "Note"
            yield note
            yield Static(as_content(self.error), id="error")

    def on_mount(self) -> None:
        self.query_one("#error").display = bool(self.error)
        self.query_one("#note").focus()

    def _say(self, error: str) -> None:
        shown = self.query_one("#error", Static)
        shown.update(as_content(error))
        shown.display = bool(error)

    def action_save(self) -> None:
        text = self.query_one("#note", Input).value.strip()
        if not text:
            self._say("write the note first (esc cancels)")
            return
        self.dismiss(text)

    def action_cancel(self) -> None:
        self.dismiss(None)

    @on(Input.Submitted, "#note")
    def _entered(self) -> None:
        self.action_save()


__all__ = ["NOTE_MAX_LENGTH", "NoteInput"]
