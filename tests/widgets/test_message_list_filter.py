"""The message list's filter, as a view over its scrollback: the list keeps every message
while the filter shows the matches, follows what arrives and leaves, and ends where the
selection was."""

from __future__ import annotations

from tests.widgets.test_message_list import ListApp, chat, screen, start
from tui.chat.search import SearchQuery
from tui.widgets.message_list import MessageList

BOB = {"sender": "u-bob", "name": "Bob"}


async def test_while_filtered_matches_arrive_on_screen_and_the_rest_is_kept() -> None:
    async with ListApp().run_test(size=(60, 10)) as pilot:
        widget = await start(pilot, chat(0, "hi"), chat(1, "yo", **BOB), chat(2, "hey"))
        assert widget.filter(SearchQuery.parse("from:bob")) == 1
        await pilot.pause()
        widget.add_message(chat(3, "later", **BOB))
        widget.add_message(chat(4, "not bob"))
        widget.add_system("a system line")
        await pilot.pause()
        assert [m.content for m in widget.messages] == ["yo", "later"]
        assert screen(widget)[:3] == ["21:06 Bob yo", "21:08 Bob later", ""]
        assert "m00004" in widget and len(widget) == 2
        widget.end_search()
        await pilot.pause()
        assert [m.content for m in widget.messages] == ["hi", "yo", "hey", "later", "not bob"]
        assert widget.lines[-1].endswith("-- a system line")


async def test_a_message_dropped_from_the_scrollback_leaves_the_filter_too() -> None:
    async with ListApp(scrollback=3).run_test(size=(60, 10)) as pilot:
        widget = await start(pilot, chat(0, "first", **BOB), chat(1, "hi"))
        widget.filter(SearchQuery.parse("from:bob"))
        widget.add_message(chat(2, "second", **BOB))
        widget.add_message(chat(3, "pushes the first out"))
        await pilot.pause()
        assert [m.content for m in widget.messages] == ["second"]
        assert "m00000" not in widget
        assert screen(widget)[:2] == ["21:07 Bob second", ""]
        selected = widget.selected_message
        assert selected is not None and selected.content == "second"


async def test_ending_the_filter_keeps_the_selection_on_its_message() -> None:
    async with ListApp().run_test(size=(60, 10)) as pilot:
        widget = await start(pilot, *(chat(n, sender="u-bob", name="Bob") for n in range(3)))
        widget.add_message(chat(3, "not bob"))
        widget.filter(SearchQuery.parse("from:bob"))
        widget.focus()
        await pilot.pause()
        await pilot.press("up")
        selected = widget.selected_message
        assert selected is not None and selected.id == "m00001"
        widget.end_search()
        await pilot.pause()
        assert not widget.filtering
        selected = widget.selected_message
        assert selected is not None and selected.id == "m00001"


async def test_deleting_a_hidden_message_removes_it_but_is_not_reported_as_shown() -> None:
    async with ListApp().run_test(size=(60, 10)) as pilot:
        widget = await start(pilot, chat(0, "hi"), chat(1, "yo", **BOB))
        widget.filter(SearchQuery.parse("from:bob"))
        assert widget.remove_message("m00000") is False
        assert "m00000" not in widget
        assert widget.remove_message("m00001") is True
        await pilot.pause()
        assert widget.messages == [] and screen(widget)[0] == ""
        widget.end_search()
        assert widget.messages == []


async def test_filter_and_search_again_switch_back_to_the_whole_list() -> None:
    async with ListApp().run_test(size=(60, 10)) as pilot:
        widget = await start(pilot, chat(0, "hi"), chat(1, "yo", **BOB), chat(2, "hey"))
        widget.filter(SearchQuery.parse("from:bob"))
        assert widget.search(SearchQuery.parse("hey")) == 1
        await pilot.pause()
        assert not widget.filtering and len(widget.messages) == 3
        assert isinstance(widget, MessageList)
