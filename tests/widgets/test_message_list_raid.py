"""The message list's part in the raid tools: a message approved from the held queue
gets a mark in the gutter (its line does not re-wrap), and which messages name us (a
mention alerts)."""

from __future__ import annotations

from tests.widgets.test_message_list import ListApp, chat, screen, start
from tui.widgets.message_list import APPROVED_MARK, MessageList


async def test_an_approved_message_is_marked_after_its_time() -> None:
    async with ListApp().run_test(size=(40, 10)) as pilot:
        long = "a held message long enough to wrap onto a second line"
        widget = await start(pilot, chat(0, "before"), chat(1, long, name="Bo", sender="u-bo"))
        before = screen(widget)
        assert widget.mark_approved("m00001")
        await pilot.pause()
        after = screen(widget)
        assert after[1] == f"21:06{APPROVED_MARK}" + before[1][6:]
        assert after[0] == before[0] and after[2:] == before[2:]  # nothing re-wrapped
        assert widget.is_approved("m00001") and not widget.is_approved("m00000")
        assert not widget.mark_approved("not-here")


async def test_mentions_are_of_our_name_in_others_messages() -> None:
    async with ListApp().run_test(size=(40, 10)) as pilot:
        widget = pilot.app.query_one(MessageList)
        widget.set_identity("u-alice", "Alice")
        await pilot.pause()
        assert widget.mentions_me(chat(1, "hi @alice!", sender="u-bo", name="Bo"))
        assert widget.mentions_me(chat(2, "Alice: look", sender="u-bo", name="Bo"))
        assert not widget.mentions_me(chat(3, "Alicex is not me", sender="u-bo", name="Bo"))
        assert not widget.mentions_me(chat(4, "I am Alice", sender="u-alice"))  # our own
