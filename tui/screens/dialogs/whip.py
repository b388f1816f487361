"""What OBS needs to join the stage by WHIP: the server URL and the bearer token.

The token is long (hundreds of characters locally, more on AWS) and must be shown whole:
it wraps, never clips, and the dialog scrolls when it is taller than the terminal. `t`
copies it (OSC 52), which is how most people will take it.

The keys are said at the top of the dialog, as they are bound, and what a copy did is said
there too: on the dialog's bottom border they sat on the invite toast's edge at 80x24 and
read as part of it, and a notification toast would cover that corner.
"""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.widgets import Button, Label, Static

from tui.screens.dialogs.dialog import DialogScreen
from tui.terminal.untrusted import as_content


class WhipScreen(DialogScreen[None]):
    DEFAULT_CSS = """
    WhipScreen > #dialog {
        width: 76;
        max-height: 100%;
        padding: 0 1;
        overflow-y: auto;  /* a token taller than the terminal scrolls, never clips */
    }
    WhipScreen #keys {
        color: $text-muted;
    }
    WhipScreen #status {
        color: $success;
        height: auto;
        display: none;  /* until a copy has something to say */
    }
    WhipScreen Label {
        color: $text-muted;
        margin-top: 1;
    }
    WhipScreen .value {
        background: $boost;
        padding: 0 1;
    }
    WhipScreen #token {
        height: auto;
    }
    WhipScreen #buttons {
        height: auto;
        margin-top: 1;
    }
    WhipScreen Button {
        margin-right: 2;
    }
    """

    # Focusing a button would scroll the dialog down to it, past the instructions; the
    # keys work without focus, and tab reaches the buttons.
    AUTO_FOCUS = ""

    BINDINGS = [
        Binding("escape", "close", "Close", id="whip.close"),
        Binding("u", "copy('server')", "Copy server", id="whip.copy_server"),
        Binding("t", "copy('token')", "Copy token", id="whip.copy_token"),
        Binding("up", "scroll('up')", "Scroll up", show=False, id="whip.scroll_up"),
        Binding("down", "scroll('down')", "Scroll down", show=False, id="whip.scroll_down"),
    ]

    def __init__(self, server: str, token: str) -> None:
        super().__init__()
        self.server = server
        self.token = token

    def compose(self) -> ComposeResult:
        with self.frame("OBS: join the stage by WHIP"):
            yield Static(
                "In OBS: Settings → Stream → Service: WHIP. Keep the token secret.",
            )
            yield Static(id="keys")
            yield Static(id="status")
            yield Label("Server")
            yield Static(as_content(self.server), classes="value", id="server")
            yield Label("Bearer Token")
            yield Static(as_content(self.token), classes="value", id="token")
            with Horizontal(id="buttons"):
                yield Button("Copy server", id="copy-server")
                yield Button("Copy token", id="copy-token")
                yield Button("Close", variant="primary", id="close")

    def on_mount(self) -> None:
        self.query_one("#keys", Static).update(
            self.key_hints(
                ("copy('server')", "copy server"),
                ("copy('token')", "copy token"),
                ("close", "close"),
            )
        )

    def action_copy(self, what: str) -> None:
        self.app.copy_to_clipboard(self.server if what == "server" else self.token)
        status = self.query_one("#status", Static)
        status.update(
            f"{'Server' if what == 'server' else 'Token'} copied to the clipboard (OSC 52)."
        )
        status.display = True

    def action_scroll(self, way: str) -> None:
        dialog = self.query_one("#dialog")
        if way == "up":
            dialog.scroll_up(animate=False)
        else:
            dialog.scroll_down(animate=False)

    def action_close(self) -> None:
        self.dismiss(None)

    @on(Button.Pressed, "#copy-server")
    def _copy_server(self) -> None:
        self.action_copy("server")

    @on(Button.Pressed, "#copy-token")
    def _copy_token(self) -> None:
        self.action_copy("token")

    @on(Button.Pressed, "#close")
    def _close(self) -> None:
        self.dismiss(None)
