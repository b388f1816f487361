"""An Input for untrusted, one-line text: what a paste brings is drawn safely, and keys
that arrive together apply in the order typed."""

from __future__ import annotations

from typing import Any

from textual import events
from textual.widgets import Input

from tui.terminal.output import cursor_should_blink
from tui.terminal.untrusted import pasted_line
from tui.widgets.key_order import run_own_binding


class LineInput(Input):
    """Textual's Input keeps only a paste's first line and draws it as it is (escape
    sequences included). Here the lines are joined with spaces, so nothing is lost, and
    controls become visible, so what is sent is exactly what was drawn.

    Every one-line text field of the app is one of these: its editing keys run before
    the next key is read (tui/widgets/key_order.py says why). Its cursor is solid over
    SSH (tui/terminal_output.py's `cursor_should_blink`): a blink is a repaint of the
    line twice a second, and on a slow link a dialog's reason box that blinks delays
    the rest of the dialog."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.cursor_blink = cursor_should_blink()

    async def _on_key(self, event: events.Key) -> None:
        await super()._on_key(event)  # a printable key is inserted there, and stopped
        if not event.is_printable and await run_own_binding(self, event.key):
            event.stop()
            event.prevent_default()

    def _on_paste(self, event: events.Paste) -> None:
        event.stop()
        event.prevent_default()  # Input's own handler would insert the raw text too
        line = pasted_line(event.text)
        if not line:
            return
        selection = self.selection
        if selection.is_empty:
            self.insert_text_at_cursor(line)
        else:
            self.replace(line, *selection)
