"""While the message list waits to repaint (paced over a lagging terminal), chat messages
are held for that repaint instead of each posting a Textual message: one burst per frame.
Nothing is lost or reordered: an event after held messages is handled after them."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from textual.message import Message

from tests.app_helpers import ALICE, BOB, LIVE, chat_message, contents, lines
from tui.app import ChatApp
from tui.chat.room_messages import MessagesArrived
from tui.ivs.events import MessageDeleted
from tui.widgets.message_list import MessageList


@pytest.fixture
def paced(monkeypatch: pytest.MonkeyPatch) -> None:
    # Headless, the list never waits (there is no terminal to lag): here it waits for
    # an hour, so the repaint comes only when a key settles the list, never by a timer.
    monkeypatch.setattr(MessageList, "_flush_wait", lambda self: 3600.0)


async def test_messages_held_for_the_repaint_arrive_in_order_around_a_deletion(
    paced: None, make_app: Callable[..., ChatApp]
) -> None:
    app = make_app(ALICE)
    bursts: list[int] = []

    def hook(message: Message) -> None:
        if isinstance(message, MessagesArrived):
            bursts.append(len(message.inbox))

    async with app.run_test(message_hook=hook) as pilot:
        messages = app.chat.messages
        app.deliver(LIVE)
        app.deliver(chat_message(1, BOB, "first"))
        await pilot.pause()
        assert contents(app) == ["first"]
        assert messages.repaint_waiting  # its repaint is paced: the next ones are held

        for n, text in ((2, "second"), (3, "third"), (4, "fourth")):
            app.deliver(chat_message(n, BOB, text))
        await pilot.pause()
        assert contents(app) == ["first"]  # held: not on screen before the repaint
        assert bursts == [1]  # no Textual message for them

        # A deletion of a held message: the held burst is handled first, then it.
        app.deliver(MessageDeleted("msg-0003", "spam"))
        app.deliver(chat_message(5, BOB, "fifth"))
        await pilot.pause()
        assert contents(app) == ["first", "second", "fourth"]
        assert lines(app)[-1].endswith("-- the moderator deleted a message: spam")

        # The repaint (here a key settles it) takes what was held since.
        messages.focus()
        await pilot.press("end")
        assert contents(app) == ["first", "second", "fourth", "fifth"]
        assert messages.selected_message is not None
        assert messages.selected_message.content == "fifth"
