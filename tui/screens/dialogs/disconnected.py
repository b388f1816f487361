"""Said once, in a modal, when the room ends for good: the moderator disconnected us, or
the app server will not let us back in (it forgot our session, or refuses the
broadcaster key). What was said stays readable, nothing new arrives, the composer is
disabled, and the client does not reconnect."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import Button, Static

from tui.screens.dialogs.dialog import DialogScreen
from tui.terminal.untrusted import as_content, content_from

# Who did it is not said: IVS's disconnect does not name them (the broadcaster, a
# moderator or the room keeper), and "by the moderator" was wrong when the host did it.
DISCONNECTED_WORDS = "You have been disconnected from this chat."
# The client has left the room by now: what was said stays on screen, nothing new comes.
MODERATOR_AFTER = (
    "What was said so far stays here to read; no new messages arrive and you cannot send. "
    "The app will not reconnect."
)
REFUSED_WORDS = "The app server will not let you back into the chat."
REFUSED_AFTER = (
    "What was said so far stays here to read; no new messages arrive and you cannot send. "
    "To chat again, quit and join again."
)


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

    def __init__(
        self, reason: str = "", *, words: str = DISCONNECTED_WORDS, after: str = MODERATOR_AFTER
    ) -> None:
        super().__init__()
        self.reason = reason
        self.words = words
        self.after = after

    @classmethod
    def refused(cls, reason: str) -> DisconnectedScreen:
        """The app server refused us for good (DisconnectReason.TOKEN_REJECTED)."""
        return cls(reason, words=REFUSED_WORDS, after=REFUSED_AFTER)

    def compose(self) -> ComposeResult:
        with self.frame("Disconnected"):
            # Literal: a caller may pass words that quote someone else.
            yield Static(as_content(self.words), id="words")
            if self.reason:
                yield Static(content_from("Reason: $reason", reason=self.reason), id="reason")
            yield Static(as_content(self.after), id="after")
            yield Button("OK", variant="primary", id="ok")

    def action_close(self) -> None:
        self.dismiss(None)

    @on(Button.Pressed, "#ok")
    def _ok(self) -> None:
        self.dismiss(None)
