"""What the TUI asks the history for and what it keeps of the answers (tui/chat/history_sync.py,
tui/chat/history_relay.py), against the real history store and query in-process."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.server.history.helpers import Clock, frame, msg_id
from tui.chat.history_relay import fetch_missed
from tui.chat.history_sync import (
    HistoryRequest,
    Seen,
    by_time,
    catch_up_request,
    merge,
    missed_words,
    next_page,
)
from tui.client.history import UnknownMessage
from tui.server.history.query import MAX_PAGE_BYTES, history
from tui.server.history.store import HistoryStore
from tui.server.models import FetchedHistory, chat_message, parse_history_page


class StoreSource:
    """The route's answer without HTTP: the real query, 404 as the client raises it."""

    def __init__(self, store: HistoryStore, max_bytes: int = MAX_PAGE_BYTES) -> None:
        self.store = store
        self.max_bytes = max_bytes
        self.asked: list[HistoryRequest] = []

    async def history(self, request: HistoryRequest) -> FetchedHistory:
        self.asked.append(request)
        after = request.after
        if after is not None and after.startswith("msg") and self.store.position(after) is None:
            raise UnknownMessage(404, f"message {request.after} is not in the history")
        page = history(self.store, request.after, request.limit, max_bytes=self.max_bytes)
        return parse_history_page(page.to_json())


@pytest.fixture
def store(tmp_path: Path) -> HistoryStore:
    clock = Clock()
    made = HistoryStore(tmp_path, clock=clock)
    made.coverage.recording(made.now_us() - 10_000_000)
    for n in range(1, 26):
        made.add_message(frame(n))
    return made


def message(n: int):
    return chat_message(frame(n))


def test_merge_keeps_send_order_once_each_without_what_live_brings() -> None:
    fetched = [message(n) for n in (1, 2, 2, 3, 4)]
    held = [message(4), message(5)]
    merged = merge(fetched, held, Seen.of(message(1)))
    assert [m.id for m in merged] == [msg_id(2), msg_id(3)]


def test_merge_stops_where_the_live_link_takes_over() -> None:
    # The history has 2..5; the live link, read a little later, has brought only 3 so
    # far: 4 and 5 are still on their way on it. Shown from the history: 2; then 3 live,
    # then 4 and 5 as they come. Not 2, 4, 5 and then 3.
    fetched = [message(n) for n in (2, 3, 4, 5)]
    merged = merge(fetched, [message(3)], Seen.of(message(1)))
    assert [m.id for m in merged] == [msg_id(2)]


def test_a_full_page_asks_for_the_next_after_its_last() -> None:
    request = catch_up_request(Seen.of(message(1)), 2)
    assert next_page(request, (message(2), message(3))) == HistoryRequest(msg_id(3), 2)
    assert next_page(request, (message(2),)) is None


def test_a_page_the_server_cut_at_its_byte_bound_asks_for_the_rest() -> None:
    request = catch_up_request(Seen.of(message(1)), 50)
    assert next_page(request, (message(2),), more=True) == HistoryRequest(msg_id(2), 50)
    assert next_page(request, (), more=True) is None


async def test_a_catch_up_follows_pages_cut_at_the_byte_bound(store: HistoryStore) -> None:
    whole = await fetch_missed(StoreSource(store), Seen.of(message(3)), message(1).send_time)
    source = StoreSource(store, max_bytes=1)  # one message a page
    got = await fetch_missed(source, Seen.of(message(3)), since=message(1).send_time)
    assert [m.id for m in got.messages] == [m.id for m in whole.messages]
    assert len(whole.messages) > 1 and len(source.asked) == len(whole.messages)


async def test_a_catch_up_pages_until_a_short_page(store: HistoryStore) -> None:
    source = StoreSource(store)
    got = await fetch_missed(source, Seen.of(message(3)), since=message(1).send_time, page=10)
    assert [m.id for m in got.messages] == [msg_id(n) for n in range(4, 26)]
    assert got.complete
    assert [r.after for r in source.asked] == [msg_id(3), msg_id(13), msg_id(23)]


async def test_an_id_the_history_forgot_is_asked_again_by_its_send_time(
    store: HistoryStore,
) -> None:
    source = StoreSource(store)
    forgotten = chat_message(frame(999, at=message(20).send_time))
    got = await fetch_missed(source, Seen.of(forgotten), since=message(1).send_time)
    assert source.asked[1] == by_time(Seen.of(forgotten))
    assert [m.id for m in got.messages][-5:] == [msg_id(n) for n in range(21, 26)]


async def test_a_range_the_keeper_missed_reads_incomplete(store: HistoryStore) -> None:
    store.coverage.stopped(store.now_us())
    clock = store.clock
    assert isinstance(clock, Clock)
    clock.advance(5)  # the keeper was away five seconds
    store.coverage.recording(store.now_us())
    got = await fetch_missed(StoreSource(store), Seen.of(message(2)), since=message(1).send_time)
    assert not got.complete


def test_missed_words() -> None:
    assert missed_words(1) == "1 message while you were away"
    assert missed_words(1200) == "1,200 messages while you were away"
