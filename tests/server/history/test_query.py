"""`history(after, limit)`: pages in send order, `complete` from coverage, and bad input
as the service's 4xx errors."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from tests.server.history.helpers import T0, Clock, frame, ids, msg_id, open_store
from tui.ivs.events import MessageDeleted
from tui.server.db import DatabaseTarget
from tui.server.domain_errors import ServiceError
from tui.server.history.query import DEFAULT_LIMIT, MAX_LIMIT, history, parse_time
from tui.server.history.record import from_micros, moderation_event
from tui.server.history.store import HistoryStore
from tui.server.web.http import status_of

S = 1_000_000


@pytest.fixture
def clock() -> Clock:
    return Clock(T0)


@pytest.fixture
def store(where: DatabaseTarget, clock: Clock) -> HistoryStore:
    """Recording since T0 - 1 s; messages 1..100 sent 1 ms apart from T0; now T0 + 1 s."""
    store = open_store(where, clock)
    store.coverage.recording(store.now_us() - S)
    for n in range(1, 101):
        clock.now = (T0 + timedelta(milliseconds=n)).timestamp()
        store.add_message(frame(n))
    clock.now = (T0 + timedelta(seconds=1)).timestamp()
    return store


def page_ids(store: HistoryStore, after: str | None = None, limit: str | None = None) -> list[str]:
    return ids(history(store, after, limit).messages_json)


def test_no_after_gives_the_newest_page_in_send_order(store: HistoryStore) -> None:
    assert page_ids(store) == [msg_id(n) for n in range(51, 101)]  # DEFAULT_LIMIT of them
    assert DEFAULT_LIMIT == 50
    assert page_ids(store, limit="3") == [msg_id(98), msg_id(99), msg_id(100)]
    assert history(store).complete


def test_after_a_message_id_is_exclusive_and_pages_on(store: HistoryStore) -> None:
    assert page_ids(store, msg_id(10), "3") == [msg_id(11), msg_id(12), msg_id(13)]
    assert page_ids(store, msg_id(100)) == []
    # Paging with the last id of each page gets every message exactly once.
    seen: list[str] = []
    after = msg_id(1)
    while page := page_ids(store, after, "7"):
        seen += page
        after = page[-1]
    assert seen == [msg_id(n) for n in range(2, 101)]


def test_after_a_time_accepts_nanoseconds_and_offsets(store: HistoryStore) -> None:
    assert page_ids(store, "2026-05-01T12:00:00.097999999Z") == [msg_id(n) for n in (98, 99, 100)]
    assert page_ids(store, "2026-05-01T14:00:00.098+02:00") == [msg_id(99), msg_id(100)]
    # '+' unencoded in a query string arrives as a space: still understood.
    assert page_ids(store, "2026-05-01T14:00:00.098 02:00") == [msg_id(99), msg_id(100)]
    assert page_ids(store, "2026-05-01T11:59:00.098-00:01") == [msg_id(99), msg_id(100)]


def test_the_body_is_the_route_answer(store: HistoryStore) -> None:
    body = json.loads(history(store, msg_id(99)).to_json())
    assert body["complete"] is True
    [message] = body["messages"]
    assert set(message) == {
        "Type",
        "Id",
        "RequestId",
        "Content",
        "Attributes",
        "Sender",
        "SendTime",
    }
    assert message["SendTime"] == "2026-05-01T12:00:00.100000Z"


def test_a_deleted_message_keeps_its_place_for_after(store: HistoryStore) -> None:
    event = MessageDeleted(msg_id(50), "spam", "EvDel0000001")
    store.add_moderation(moderation_event(event, from_micros(store.now_us())))
    assert msg_id(50) not in page_ids(store, limit="1000")
    assert page_ids(store, msg_id(50), "2") == [msg_id(51), msg_id(52)]


def test_a_stop_in_the_range_makes_it_incomplete(store: HistoryStore, clock: Clock) -> None:
    store.coverage.stopped(store.now_us())
    clock.advance(5)
    store.coverage.recording(store.now_us())
    clock.advance(5)
    assert not history(store, msg_id(10)).complete  # the 5 s gap is after message 10
    assert not history(store, "2026-05-01T12:00:00Z").complete
    assert not history(store).complete  # the newest 50 were before the gap too
    store.add_message(frame(200, at=from_micros(store.now_us())))
    assert history(store, msg_id(200)).complete  # recorded after the gap
    assert history(store, None, "1").complete  # the newest one alone: after the gap


def test_a_range_before_recording_began_is_incomplete(store: HistoryStore) -> None:
    assert not history(store, "2026-05-01T11:00:00Z").complete
    assert history(store, "2026-05-01T11:59:59.5Z").complete  # recording since T0 - 1 s


def test_an_empty_history_is_complete_only_while_recording(where: DatabaseTarget) -> None:
    store = open_store(where, Clock())
    assert history(store).messages_json == ()
    assert not history(store).complete
    store.coverage.recording(store.now_us())
    assert history(store).complete


def test_an_unknown_message_id_is_404(store: HistoryStore) -> None:
    with pytest.raises(ServiceError) as caught:
        history(store, "Unknown12345")
    assert status_of(caught.value) == 404
    assert "Unknown12345 is not in the history" in caught.value.message


@pytest.mark.parametrize(
    ("after", "words"),
    [
        ("abc", "not an RFC 3339 time"),
        ("2026-05-01", "not an RFC 3339 time"),
        ("2026-05-01T12:00:00", "not an RFC 3339 time"),  # no offset
        ("1714564800", "not an RFC 3339 time"),
        ("2026-13-01T12:00:00Z", "not a real time"),
        ("2026-02-30T12:00:00Z", "not a real time"),
        ("2026-05-01T23:59:60Z", "not a real time"),
        ("2026-05-01T12:00:00+25:00", "offset"),
        ("0001-05-01T12:00:00Z", "year"),
        ("x" * 10_000, "not an RFC 3339 time"),
        ("٢٠٢٦-05-01T12:00:00Z", "not an RFC 3339 time"),  # digits, but not ASCII ones
    ],
)
def test_a_malformed_after_is_400_in_words(store: HistoryStore, after: str, words: str) -> None:
    with pytest.raises(ServiceError) as caught:
        history(store, after)
    assert status_of(caught.value) == 400
    assert "message id" in caught.value.message and words in caught.value.message
    assert len(caught.value.message) < 300  # a hostile value is not echoed whole


@pytest.mark.parametrize("limit", ["0", "-1", "1001", "ten", "1.5", " 5", "٣", "9" * 40])
def test_a_bad_limit_is_400(store: HistoryStore, limit: str) -> None:
    with pytest.raises(ServiceError) as caught:
        history(store, None, limit)
    assert status_of(caught.value) == 400
    assert f"from 1 to {MAX_LIMIT}" in caught.value.message


def test_the_largest_page_is_max_limit(store: HistoryStore) -> None:
    assert len(page_ids(store, msg_id(1), str(MAX_LIMIT))) == 99


def test_parse_time_keeps_microseconds() -> None:
    assert parse_time("2026-05-01T12:00:00.123456789Z") == datetime(
        2026, 5, 1, 12, 0, 0, 123456, tzinfo=UTC
    )
    assert parse_time("2026-05-01t12:00:00.5-05:30").utcoffset() == -timedelta(hours=5, minutes=30)
    assert parse_time("2026-05-01T12:00:00+00:00").tzinfo == UTC


def stored_size(store: HistoryStore, n: int) -> int:
    """Message n's share of a page: its frame and a comma."""
    [raw] = history(store, msg_id(n - 1), "1").messages_json
    return len(raw.encode()) + 1


def test_a_page_is_bounded_in_bytes_and_says_there_is_more(store: HistoryStore) -> None:
    one = stored_size(store, 11)
    page = history(store, msg_id(10), "50", max_bytes=5 * one)
    assert ids(page.messages_json) == [msg_id(n) for n in range(11, 16)]
    assert page.more
    assert len(page.to_json().encode()) < 5 * one + 100
    # Paging on from the last one carries on where the cut was.
    following = history(store, msg_id(15), "50", max_bytes=5 * one)
    assert ids(following.messages_json)[0] == msg_id(16)
    # A page within its bound, and the last page, are not cut.
    assert not history(store, msg_id(10), "3", max_bytes=5 * one).more
    assert not history(store, msg_id(98), "50", max_bytes=5 * one).more


def test_the_newest_page_keeps_the_newest_messages_that_fit(store: HistoryStore) -> None:
    one = stored_size(store, 100)  # the largest of the four
    page = history(store, None, "50", max_bytes=4 * one)
    assert ids(page.messages_json) == [msg_id(n) for n in range(97, 101)]
    assert not page.more  # nothing comes after the newest


def test_one_message_larger_than_the_bound_still_moves_the_page_on(store: HistoryStore) -> None:
    page = history(store, msg_id(10), "50", max_bytes=10)
    assert ids(page.messages_json) == [msg_id(11)]
    assert page.more
