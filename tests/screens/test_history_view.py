"""History as the user sees it in the list: the recent chat above a "history" divider, the
missed messages said as such, a gap drawn where messages may be missing."""

from __future__ import annotations

from collections.abc import Callable

from tests.app_helpers import ALICE, BOB, LIVE, chat_message, lines
from tui.app import ChatApp
from tui.chat.history_sync import HistoryShown
from tui.widgets.message_list import MessageList


async def test_the_recent_chat_shows_above_a_divider_no_message_can_draw(
    make_app: Callable[..., ChatApp],
) -> None:
    app = make_app(ALICE)
    old = [chat_message(1, BOB, "before you came"), chat_message(2, BOB, "── history ──")]
    async with app.run_test(size=(60, 12)) as pilot:
        app.deliver(LIVE)
        app.deliver(HistoryShown(True, tuple(old), True))
        app.deliver(chat_message(3, BOB, "now"))
        await pilot.pause()
        assert lines(app)[-2:] == ["── history ──", "21:30 Bob now"]
        listing = app.chat.query_one(MessageList)
        # The divider starts at column 0, where every message has its time.
        screen = [listing.render_line(y).text for y in range(listing.size.height)]
        rule = next(row for row in screen if " history " in row and row.startswith("─"))
        assert rule.rstrip().endswith("─")
        assert any(row.startswith("21:30 Bob ── history ──") for row in screen)  # the imitation


async def test_missed_messages_are_counted_and_a_gap_is_drawn(
    make_app: Callable[..., ChatApp],
) -> None:
    app = make_app(ALICE)
    async with app.run_test(size=(80, 16)) as pilot:
        app.deliver(LIVE)
        app.deliver(chat_message(1, BOB, "first"))
        missed = (chat_message(1, BOB, "first"), chat_message(2, BOB, "second"))
        app.deliver(HistoryShown(False, missed, True))
        await pilot.pause()
        assert lines(app)[-2:] == ["21:30 -- 1 message while you were away", "21:30 Bob second"]
        app.deliver(HistoryShown(False, (), False, "cannot reach the app server"))
        await pilot.pause()
        assert lines(app)[-1] == ("── messages may be missing here: cannot reach the app server ──")
