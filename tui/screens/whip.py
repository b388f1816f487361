"""What OBS needs to join the stage by WHIP: the server URL and the bearer token."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.widgets import Button, Label, Static

from tui.screens.dialog import DialogScreen
from tui.widgets.untrusted import clean


class WhipScreen(DialogScreen[None]):
    DEFAULT_CSS = """
    WhipScreen > #dialog {
        width: 76;
        max-height: 100%;
        padding: 0 1;
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
        max-height: 6;
    }
    WhipScreen #buttons {
        height: auto;
        margin-top: 1;
    }
    WhipScreen Button {
        margin-right: 2;
    }
    """

    BINDINGS = [
        Binding("escape", "close", "Close", id="whip.close"),
        Binding("u", "copy('server')", "Copy server", id="whip.copy_server"),
        Binding("t", "copy('token')", "Copy token", id="whip.copy_token"),
    ]

    def __init__(self, server: str, token: str) -> None:
        super().__init__()
        self.server = server
        self.token = token

    def compose(self) -> ComposeResult:
        with self.frame("OBS: join the stage by WHIP", "u copy server · t copy token · esc close"):
            yield Static(
                "In OBS: Settings → Stream → Service: WHIP. Keep the token secret.",
            )
            yield Label("Server")
            yield Static(clean(self.server), classes="value", id="server", markup=False)
            yield Label("Bearer Token")
            yield Static(clean(self.token), classes="value", id="token", markup=False)
            with Horizontal(id="buttons"):
                yield Button("Copy server", id="copy-server")
                yield Button("Copy token", id="copy-token")
                yield Button("Close", variant="primary", id="close")

    def action_copy(self, what: str) -> None:
        self.app.copy_to_clipboard(self.server if what == "server" else self.token)
        self.notify(f"{'Server' if what == 'server' else 'Token'} copied (OSC 52)")

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
