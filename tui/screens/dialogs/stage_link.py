"""The stage link, whole: the invite toast has one line for it, so a long link is cut
there with "…" (a click follows the whole link, as an OSC 8 hyperlink). Not every
terminal passes hyperlinks (tmux does not, by default), nor OSC 52 for the copy, so the
link must be readable whole somewhere: here it wraps, never clips, and can be selected
or typed from the screen.
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import Static

from tui.screens.dialogs.dialog import DialogScreen
from tui.terminal.untrusted import as_content

ABOUT = (
    "Open it in a browser: it is yours alone and works once. It is on the clipboard too "
    "(OSC 52), where the terminal passes that."
)


class StageLinkScreen(DialogScreen[None]):
    DEFAULT_CSS = """
    StageLinkScreen > #dialog {
        width: 76;
        max-height: 100%;
        padding: 0 1;
        overflow-y: auto;
    }
    StageLinkScreen #about {
        color: $text-muted;
        margin-bottom: 1;
    }
    StageLinkScreen #keys {
        color: $text-muted;
        margin-top: 1;
    }
    StageLinkScreen #link {
        height: auto;
        background: $boost;
        padding: 0 1;
    }
    """

    BINDINGS = [
        Binding("escape,enter", "close", "Close", id="stage_link.close"),
        Binding("c", "copy", "Copy", id="stage_link.copy"),
    ]

    def __init__(self, link: str) -> None:
        super().__init__()
        self.link = link

    def compose(self) -> ComposeResult:
        with self.frame("Stage link"):
            yield Static(ABOUT, id="about")
            # Literal and cleaned: the link came from the app server (a safe link has no
            # control in it, but nothing here relies on that).
            yield Static(as_content(self.link), id="link")
            yield Static(id="keys")

    def on_mount(self) -> None:
        # In the dialog, not on its bottom border: there it sat on the invite toast's edge.
        self.query_one("#keys", Static).update(
            self.key_hints(("copy", "copy again"), ("close", "close"))
        )

    def action_copy(self) -> None:
        self.app.copy_to_clipboard(self.link)

    def action_close(self) -> None:
        self.dismiss(None)


__all__ = ["StageLinkScreen"]
