"""A message sent while the room is reconnecting: the room keeps it in its outbox (its
own tests cover that); here the screen says it is waiting, takes the text out of the
input at Enter, and sends it once however often Enter is pressed.

The room is stood in for by `send_message` waiting on a gate: the reconnect itself is
the room client's business and is tested with real sockets in tests/ivs."""

from __future__ import annotations

import asyncio

from tests.app_helpers import ALICE, LIVE, T0, chat_message, show_conversation
from tui.app import ChatApp
from tui.config.settings import TuiSettings
from tui.controller import ChatController
from tui.ivs.events import ChatMessage, ConnectionState, StateChanged
from tui.screens.chat.words import WAITING_WORDS
from tui.widgets.composer import Composer


class OutboxController(ChatController):
    """Sends wait at a gate, as the room's outbox holds them until it is connected."""

    def __init__(self) -> None:
        super().__init__(browser=lambda url: False)
        self.gate = asyncio.Event()
        self.sends: list[str] = []

    async def send(self, text: str) -> ChatMessage:
        self.sends.append(text)
        await self.gate.wait()
        return chat_message(99, ALICE, text, minutes=5)


class OutboxApp(ChatApp):
    def __init__(self) -> None:
        self.outbox = OutboxController()
        super().__init__(
            identity=ALICE,
            settings=TuiSettings.model_construct(),
            clock=lambda: T0,
            controller=self.outbox,
        )
        self.gate = self.outbox.gate
        self.sends = self.outbox.sends


async def test_a_message_sent_while_reconnecting_shows_as_waiting_and_goes_once() -> None:
    app = OutboxApp()
    async with app.run_test() as pilot:
        await show_conversation(app, pilot)
        composer = app.chat.query_one(Composer)
        app.deliver(StateChanged(ConnectionState.RECONNECTING, retry_in=2.0, attempt=1))
        await pilot.pause()
        await pilot.press(*"are you there?", "enter")
        await pilot.pause()
        assert composer.notice == WAITING_WORDS
        assert composer.text == ""  # out of the input, in the room's outbox
        await pilot.press("enter", "enter")  # impatient: still one send
        await pilot.pause()
        assert app.sends == ["are you there?"]
        assert composer.notice == WAITING_WORDS
        app.deliver(LIVE)
        await pilot.pause()
        assert composer.notice == ""  # back: it is on its way
        app.gate.set()
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert composer.text == "" and composer.notice == ""
        assert app.sends == ["are you there?"]


async def test_a_send_that_starts_live_says_nothing_until_the_connection_drops() -> None:
    app = OutboxApp()
    async with app.run_test() as pilot:
        await show_conversation(app, pilot)
        composer = app.chat.query_one(Composer)
        await pilot.press(*"hello", "enter")
        await pilot.pause()
        assert composer.notice == ""
        app.deliver(StateChanged(ConnectionState.RECONNECTING, retry_in=1.0, attempt=1))
        await pilot.pause()
        assert composer.notice == WAITING_WORDS
        app.gate.set()
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert composer.notice == "" and composer.text == ""
