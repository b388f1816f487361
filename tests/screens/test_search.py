"""Search in the message list, as a user drives it: `/`, a query, Enter, n and N, the
filter, escape."""

from __future__ import annotations

from collections.abc import Callable

from tests.app_helpers import ALICE, BOB, CAROL, HOST, chat_message, show_conversation
from tui.app import ChatApp
from tui.chat.search import SearchQuery
from tui.widgets.message_list import MessageList
from tui.widgets.search_bar import SearchBar


def test_a_query_is_words_or_a_sender_or_both() -> None:
    both = SearchQuery.parse("from:@Alice  Corne")
    assert both == SearchQuery("corne", "alice")
    assert SearchQuery.parse("   ") is None
    assert SearchQuery.parse("from:") == SearchQuery("from:", "")
    message = chat_message(5, ALICE, "Bob: it looks like a Corne")
    assert both is not None and both.matches(message)
    assert not SearchQuery("corne", "bob").matches(message)
    assert SearchQuery("strasse", "").matches(chat_message(9, BOB, "die STRASSE"))


def test_from_matches_the_start_of_a_name_folded_as_the_server_compares_names() -> None:
    ada = chat_message(1, ALICE, "hi", name="Ada (demo bot)")
    query = SearchQuery.parse("from:ada")
    assert query is not None and query.matches(ada)  # the README's own example
    raiders = [
        chat_message(2, BOB, "x", name="tr0ll_okwtv"),
        chat_message(3, BOB, "x", name="TR0LL_4k2j"),
        chat_message(4, BOB, "x", name="\uff54\uff52\uff10ll_\uff58"),  # full width
        chat_message(5, BOB, "x", name="tr\u043ell_cyr"),  # a Cyrillic o
        chat_message(6, BOB, "x", name="TROIL_9"),  # a capital I for the l
    ]
    for typed in ("from:tr0ll", "from:TR0LL", "from:troll"):
        query = SearchQuery.parse(typed)
        assert query is not None
        assert [m.sender_name for m in raiders if query.matches(m)] == [
            m.sender_name for m in raiders
        ], typed
    tr0ll = SearchQuery.parse("from:tr0ll")
    assert tr0ll is not None
    assert not tr0ll.matches(chat_message(6, BOB, "x", name="a_tr0ll"))  # a start, not inside
    assert not tr0ll.matches(chat_message(7, BOB, "x", name="trol"))
    # A user id still matches whole.
    by_id = SearchQuery.parse(f"from:{BOB.user_id}")
    assert by_id is not None and by_id.matches(chat_message(8, BOB, "x", name="Robert"))
    assert SearchQuery.parse("from:viewer-bo") != by_id


async def test_from_ada_finds_ada_demo_bot_in_the_app(make_app: Callable[..., ChatApp]) -> None:
    app = make_app(HOST)
    async with app.run_test(size=(80, 24)) as pilot:
        await show_conversation(
            app,
            pilot,
            chat_message(20, CAROL, "hello from the demo", name="Ada (demo bot)"),
            chat_message(21, CAROL, "ignore me", name="Grace (demo bot)"),
        )
        listing = app.chat.query_one(MessageList)
        await pilot.press("escape", "slash", *"from:ada", "enter")
        selected = listing.selected_message
        assert selected is not None and selected.content == "hello from the demo"


async def test_slash_finds_n_and_capital_n_move_escape_restores(
    make_app: Callable[..., ChatApp],
) -> None:
    app = make_app(HOST)
    async with app.run_test(size=(80, 24)) as pilot:
        await show_conversation(app, pilot)
        listing = app.chat.query_one(MessageList)
        await pilot.press("escape")  # from the composer to the list
        assert listing.has_focus
        await pilot.press("slash")
        bar = app.chat.query_one(SearchBar)
        assert bar.is_open and bar.has_focus
        await pilot.press(*"from:bob", "enter")
        assert not bar.is_open and listing.has_focus
        selected = listing.selected_message
        assert selected is not None and selected.content == "GG"  # the newest of Bob's
        await pilot.press("n")
        selected = listing.selected_message
        assert selected is not None and selected.content == "what keyboard is that?"
        await pilot.press("N")
        selected = listing.selected_message
        assert selected is not None and selected.content == "GG"

        # The filter: only Bob's messages are left in the list, new ones of his join.
        await pilot.press("F")
        assert listing.filtering
        assert [m.content for m in listing.messages] == ["what keyboard is that?", "GG"]
        app.deliver(chat_message(7, CAROL, "not shown"))
        app.deliver(chat_message(8, BOB, "shown"))
        await pilot.pause()
        assert [m.content for m in listing.messages][-1] == "shown"
        assert "not shown" not in [m.content for m in listing.messages]

        await pilot.press("escape")  # the whole list again
        assert not listing.filtering and listing.search_query is None
        assert [m.content for m in listing.messages][-2:] == ["not shown", "shown"]
        await pilot.press("escape")  # and escape is back to the composer's
        assert app.chat.composer.input.has_focus


async def test_ctrl_f_in_the_box_filters_and_escape_in_the_box_closes(
    make_app: Callable[..., ChatApp],
) -> None:
    app = make_app(HOST)
    async with app.run_test(size=(80, 24)) as pilot:
        await show_conversation(app, pilot)
        listing = app.chat.query_one(MessageList)
        await pilot.press("escape", "slash", *"KEYBOARD", "ctrl+f")
        assert [m.content for m in listing.messages] == ["what keyboard is that?"]
        await pilot.press("slash", "escape")
        assert not listing.filtering
        assert len(listing.messages) == 6


async def test_while_filtered_a_message_seen_before_is_not_added_twice(
    make_app: Callable[..., ChatApp],
) -> None:
    app = make_app(HOST)
    async with app.run_test(size=(80, 24)) as pilot:
        await show_conversation(app, pilot)
        listing = app.chat.query_one(MessageList)
        listing.filter(SearchQuery.parse("from:bob"))
        first = chat_message(1, ALICE, "hi everyone!")  # filtered out, but there
        assert first.id in listing
        app.deliver(first)  # as a catch-up might bring it again
        await pilot.pause()
        listing.end_search()
        assert [m.id for m in listing.messages].count(first.id) == 1
