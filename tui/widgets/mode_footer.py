"""The footer, led by the name of the pane that has the keys when it is not the composer:
in the message list single letters are commands, and that must be unmistakable."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.reactive import reactive
from textual.widgets import Footer, Label


class ModeFooter(Footer):
    DEFAULT_CSS = """
    ModeFooter .footer-mode {
        width: auto;
        height: 1;
        padding: 0 1;
        color: $warning;
        background: $footer-background;
        text-style: bold reverse;
    }
    """

    mode = reactive("", recompose=True)
    """What the keys act on now ("" while they type in the composer)."""

    def compose(self) -> ComposeResult:
        if self.mode and self._bindings_ready:
            yield Label(self.mode, classes="footer-mode")
        yield from super().compose()
