"""A TextArea whose keys apply in the order typed, when they arrive together."""

from __future__ import annotations

from textual import events
from textual.widgets import TextArea

from tui.widgets.key_order import run_own_binding


class TextBox(TextArea):
    """Every multi-line text field of the app is one of these: its editing keys run
    before the next key is read (tui/widgets/key_order.py says why)."""

    async def _on_key(self, event: events.Key) -> None:
        # TextArea binds no key it also inserts (enter and tab are inserted unbound).
        if not event.is_printable and await run_own_binding(self, event.key):
            event.stop()
            event.prevent_default()
            return
        await super()._on_key(event)
