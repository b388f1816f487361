"""The baseline for the terminal benchmarks: a plain Textual app, a `RichLog` (wrapping,
10,000 lines, as our scrollback) over an `Input`, joined to the room as a viewer by the
same room client. `python -m bench.richlog_app URL NAME` runs it in a terminal."""

from __future__ import annotations

import sys

from rich.text import Text
from textual.app import App, ComposeResult
from textual.widgets import Input, RichLog

from tui.client.app_server import AppServerClient
from tui.client.session import ChatSession
from tui.ivs.events import ChatMessage, ConnectionState, StateChanged
from tui.ivs.room import ChatRoom

SCROLLBACK = 10_000


class RichLogApp(App[None]):
    def __init__(self, url: str, name: str) -> None:
        super().__init__()
        self.session = ChatSession(AppServerClient(url), name)

    def compose(self) -> ComposeResult:
        yield RichLog(max_lines=SCROLLBACK, wrap=True)
        yield Input(placeholder="Say something")

    def on_mount(self) -> None:
        self.query_one(Input).focus()
        self.run_worker(self._consume(), exclusive=True)

    async def _consume(self) -> None:
        log = self.query_one(RichLog)
        await self.session.open()
        try:
            async with ChatRoom(self.session.token_provider()) as room:
                async for event in room:
                    if type(event) is ChatMessage:
                        moment = event.send_time.astimezone()
                        log.write(Text(f"{moment:%H:%M} {event.sender_name} {event.content}"))
                    elif (
                        isinstance(event, StateChanged) and event.state is ConnectionState.CONNECTED
                    ):
                        log.write(Text("● live"))
        finally:
            await self.session.close()


if __name__ == "__main__":
    RichLogApp(sys.argv[1], sys.argv[2]).run()
