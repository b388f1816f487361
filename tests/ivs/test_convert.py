"""Frame to fact, alone: what each frame means, without a socket, a task or a log."""

from __future__ import annotations

from tests.ivs.conftest import SEND_TIME, error_frame, event_frame, message_frame
from tui.ivs.connection.recent_ids import RecentIds
from tui.ivs.convert import ServerError, Skipped, frame_to_fact
from tui.ivs.events import ChatMessage, CustomEvent, MessageDeleted, UserDisconnected
from tui.ivs.protocol import EVENT_DELETE_MESSAGE, EVENT_DISCONNECT_USER


def test_a_message_becomes_a_chat_message_with_its_request_id() -> None:
    fact = frame_to_fact(
        message_frame("hello", frame_id="AAAAAAAAAAAA", request_id="r1"), RecentIds()
    )
    assert fact == ChatMessage(
        "AAAAAAAAAAAA", "hello", "alice", {"username": "alice"}, {}, SEND_TIME, "r1"
    )


def test_a_frame_seen_before_means_nothing_the_second_time() -> None:
    seen = RecentIds()
    frame = message_frame("once", frame_id="AAAAAAAAAAAA")
    assert isinstance(frame_to_fact(frame, seen), ChatMessage)
    assert frame_to_fact(frame, seen) is None


def test_built_in_events_take_either_spelling_of_the_message_id() -> None:
    seen = RecentIds()
    for key in ("MessageId", "MessageID"):
        fact = frame_to_fact(event_frame(EVENT_DELETE_MESSAGE, {key: "m1", "Reason": "r"}), seen)
        assert isinstance(fact, MessageDeleted)
        assert (fact.message_id, fact.reason) == ("m1", "r")
    kicked = frame_to_fact(event_frame(EVENT_DISCONNECT_USER, {"UserId": "bob"}), seen)
    assert isinstance(kicked, UserDisconnected) and kicked.user_id == "bob"


def test_built_in_events_without_their_subject_are_skipped_in_words() -> None:
    seen = RecentIds()
    assert frame_to_fact(event_frame(EVENT_DELETE_MESSAGE, {}), seen) == Skipped(
        "aws:DELETE_MESSAGE without a message id"
    )
    assert frame_to_fact(event_frame(EVENT_DISCONNECT_USER, {"Reason": "x"}), seen) == Skipped(
        "aws:DISCONNECT_USER without a user id"
    )


def test_other_events_are_custom_events() -> None:
    fact = frame_to_fact(event_frame("app:Poll", {"q": "tea?"}), RecentIds())
    assert isinstance(fact, CustomEvent)
    assert (fact.name, fact.attributes, fact.send_time) == ("app:Poll", {"q": "tea?"}, SEND_TIME)


def test_an_error_frame_is_a_server_error_naming_its_request() -> None:
    fact = frame_to_fact(error_frame(406, "denied", request_id="r1"), RecentIds())
    assert fact == ServerError(406, "denied", "r1")


def test_garbage_is_skipped_and_unknown_types_are_tolerated() -> None:
    seen = RecentIds()
    for garbage in ("not json", b"\x00\xff", '{"Type": "MESSAGE", "Id": 5}'):
        fact = frame_to_fact(garbage, seen)
        assert isinstance(fact, Skipped) and fact.why.startswith("a malformed chat frame: ")
    assert frame_to_fact('{"Type": "PRESENCE", "Id": "abcdefabcdef"}', seen) is None
