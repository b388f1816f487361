"""An Input for untrusted, one-line text: what a paste brings is drawn safely."""

from __future__ import annotations

from textual import events
from textual.widgets import Input

from tui.widgets.untrusted import pasted_line


class LineInput(Input):
    """Textual's Input keeps only a paste's first line and draws it as it is (escape
    sequences included). Here the lines are joined with spaces, so nothing is lost, and
    controls become visible, so what is sent is exactly what was drawn."""

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
