"""A history message is the MESSAGE frame it was: what the TUI reads back from a page is
the ChatMessage the room client makes of the live frame."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from tui.ivs.events import ChatMessage, MessageDeleted, UserDisconnected
from tui.ivs.protocol import EventFrame, MessageFrame, parse_server_frame
from tui.server.history.record import (
    HistoryPage,
    from_micros,
    message_frame,
    moderation_event,
    to_micros,
)
from tui.server.models import HistoryFormatError, chat_message, parse_history_page

LIVE = (
    '{"Type":"MESSAGE","Id":"AbCdEf123456","RequestId":"r-1","Content":"héllo <b>[x]</b>",'
    '"Attributes":{"k":"v"},"Sender":{"UserId":"viewer-9","Attributes":{"username":"Bo"}},'
    '"SendTime":"2026-05-01T12:00:00.123456789Z","Extra":"ignored"}'
)


def test_a_page_reads_back_as_the_live_frame_reads() -> None:
    live = parse_server_frame(LIVE)
    assert isinstance(live, MessageFrame)
    seen = chat_message(live)  # what the room client shows live
    stored = message_frame(seen).to_json()  # what the recorder keeps
    body = HistoryPage((stored,), complete=True).to_json()
    assert json.loads(body)["messages"][0]["Sender"] == {
        "UserId": "viewer-9",
        "Attributes": {"username": "Bo"},
    }
    fetched = parse_history_page(body)
    assert fetched.complete is True
    assert fetched.messages == (seen,)
    assert fetched.messages[0].send_time == datetime(2026, 5, 1, 12, 0, 0, 123456, tzinfo=UTC)


def test_a_malformed_message_in_a_page_is_skipped_and_the_page_is_a_gap() -> None:
    good = message_frame(chat_message(parse_server_frame(LIVE))).to_json()  # type: ignore[arg-type]
    bad = '{"Type":"MESSAGE","Id":"x","Content":"no sender","SendTime":"2026-05-01T00:00:00Z"}'
    fetched = parse_history_page(HistoryPage((good, bad), complete=True).to_json())
    assert [m.id for m in fetched.messages] == ["AbCdEf123456"]
    assert fetched.complete is False


@pytest.mark.parametrize(
    "body", ["", "[]", '{"messages": 3, "complete": true}', '{"messages": []}']
)
def test_an_answer_that_is_not_a_page_is_a_clear_error(body: str) -> None:
    with pytest.raises(HistoryFormatError, match="not a history page"):
        parse_history_page(body)


def test_moderation_events_replay_as_the_ivs_event_frames() -> None:
    at = datetime(2026, 5, 1, 12, 0, 1, tzinfo=UTC)
    deleted = moderation_event(MessageDeleted("AbCdEf123456", "spam", "Ev0000000001"), at)
    frame = parse_server_frame(deleted.to_frame().to_json())
    assert isinstance(frame, EventFrame)
    assert (frame.id, frame.event_name) == ("Ev0000000001", "aws:DELETE_MESSAGE")
    assert frame.attributes == {"MessageId": "AbCdEf123456", "Reason": "spam"}
    kicked = moderation_event(UserDisconnected("viewer-9", ""), at)
    assert kicked.event_id == "aws:DISCONNECT_USER/viewer-9"  # the same for every recorder
    assert kicked.to_frame().attributes == {"UserId": "viewer-9"}


def test_times_are_exact_microseconds() -> None:
    moment = datetime(2026, 5, 1, 12, 0, 0, 999999, tzinfo=UTC)
    assert from_micros(to_micros(moment)) == moment
    assert to_micros(datetime(1970, 1, 1, 0, 0, 0, 1)) == 1  # naive is UTC


def test_message_frame_round_trips_every_field() -> None:
    message = ChatMessage("AbCdEf123456", "hi", "u", {"a": "b"}, {"c": "d"}, datetime.now(UTC), "r")
    assert chat_message(message_frame(message)) == message
