"""Said once, in a modal, when the moderator disconnects us: the chat stays readable,
the composer is disabled, and the client does not reconnect."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import Button, Static

from tui.screens.dialog import DialogScreen
from tui.widgets.untrusted import content_from

DISCONNECTED_WORDS = "You have been disconnected by the moderator."


class DisconnectedScreen(DialogScreen[None]):
    DEFAULT_CLASSES = "-danger"
    DEFAULT_CSS = """
    DisconnectedScreen > #dialog {
        width: 56;
        padding: 1 2;
    }
    DisconnectedScreen #words {
        text-style: bold;
    }
    DisconnectedScreen #reason, DisconnectedScreen #after {
        margin-top: 1;
    }
    DisconnectedScreen #after {
        color: $text-muted;
    }
    DisconnectedScreen Button {
        margin-top: 1;
    }
    """

    BINDINGS = [Binding("escape,enter", "close", "Close", id="disconnected.close")]

    def __init__(self, reason: str = "") -> None:
        super().__init__()
        self.reason = reason

    def compose(self) -> ComposeResult:
        with self.frame("Disconnected"):
            yield Static(DISCONNECTED_WORDS, id="words")
            if self.reason:
                yield Static(content_from("Reason: $reason", reason=self.reason), id="reason")
            yield Static(
                "You can still read the chat, but not send. The app will not reconnect.",
                id="after",
            )
            yield Button("OK", variant="primary", id="ok")

    def action_close(self) -> None:
        self.dismiss(None)

    @on(Button.Pressed, "#ok")
    def _ok(self) -> None:
        self.dismiss(None)
