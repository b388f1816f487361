"""The wire models: real frames parse, hostile frames raise FrameError and only that."""

from __future__ import annotations

import json
from datetime import timedelta, timezone

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from tests.ivs.times import EXTREME_TIMES, send_times, shows_anywhere
from tui.common.validation import validation_words
from tui.ivs import protocol as p

MESSAGE = {
    "Type": "MESSAGE",
    "Id": "aBcDeFgHiJkL",
    "RequestId": "r-1",
    "Content": "hello",
    "Attributes": {"k": "v"},
    "Sender": {"UserId": "u1", "Attributes": {"username": "Alice"}},
    "SendTime": "2022-12-02T08:25:51.13691272Z",
}


def test_message_frame_parses_with_nanosecond_send_time() -> None:
    frame = p.parse_server_frame(json.dumps(MESSAGE))
    assert isinstance(frame, p.MessageFrame)
    assert frame.content == "hello"
    assert frame.sender.attributes["username"] == "Alice"
    assert frame.send_time.microsecond == 136912


def test_event_and_error_frames() -> None:
    event = p.parse_server_frame(
        '{"Type":"EVENT","Id":"x","RequestId":"","EventName":"aws:DELETE_MESSAGE",'
        '"Attributes":{"MessageId":"m","MessageID":"m"},"SendTime":"2024-01-01T00:00:00Z"}'
    )
    assert isinstance(event, p.EventFrame)
    assert event.attributes["MessageID"] == "m"
    error = p.parse_server_frame(
        '{"Type":"ERROR","Id":"e","RequestId":"r","ErrorCode":429,"ErrorMessage":"slow"}'
    )
    assert isinstance(error, p.ErrorFrame)
    assert error.error_code == p.ErrorCode.TOO_MANY_REQUESTS


def test_unknown_types_and_extra_fields_are_tolerated() -> None:
    unknown = p.parse_server_frame('{"Type":"PRESENCE","Id":"z","Whatever":[1,2]}')
    assert isinstance(unknown, p.UnknownFrame)
    assert unknown.type == "PRESENCE"
    frame = p.parse_server_frame(json.dumps({**MESSAGE, "NewField": {"a": 1}}))
    assert isinstance(frame, p.MessageFrame)


@pytest.mark.parametrize(
    "raw",
    [
        "",
        "not json",
        "[]",
        "null",
        '{"Type":"MESSAGE"}',
        '{"Id":"x"}',
        json.dumps({**MESSAGE, "Attributes": {"k": 1}}),
        json.dumps({**MESSAGE, "SendTime": "yesterday"}),
        json.dumps({**MESSAGE, "Sender": "me"}),
        '{"Type":"ERROR","ErrorCode":"many"}',
        b"\xff\xfe",
        "[" * 100_000,
    ],
)
def test_malformed_frames_raise_frame_error(raw: str | bytes) -> None:
    with pytest.raises(p.FrameError):
        p.parse_server_frame(raw)


@pytest.mark.parametrize("when", EXTREME_TIMES)
def test_send_times_that_cannot_be_shown_in_local_time_raise_frame_error(when: str) -> None:
    for frame in (MESSAGE, {**MESSAGE, "Type": "EVENT", "EventName": "x"}):
        with pytest.raises(p.FrameError, match="SendTime"):
            p.parse_server_frame(json.dumps({**frame, "SendTime": when}))


@pytest.mark.parametrize("when", ["1970-01-01T00:00:00+00:00", "9998-12-31T23:59:59Z"])
def test_send_times_at_the_edges_parse_and_convert(when: str) -> None:
    frame = p.parse_server_frame(json.dumps({**MESSAGE, "SendTime": when}))
    assert isinstance(frame, p.MessageFrame)
    frame.send_time.astimezone(timezone(timedelta(hours=-23, minutes=-59)))
    frame.send_time.astimezone(timezone(timedelta(hours=23, minutes=59)))


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4)
    ),
    max_leaves=20,
)


@settings(max_examples=300)
@given(
    st.one_of(
        st.binary(max_size=200),
        st.text(max_size=200),
        json_values.map(json.dumps),
        st.fixed_dictionaries(
            {"Type": st.sampled_from(["MESSAGE", "EVENT", "ERROR", "X"])},
            optional={
                k: send_times if k == "SendTime" else json_values for k in MESSAGE if k != "Type"
            },
        ).map(json.dumps),
    )
)
def test_any_input_parses_or_raises_frame_error(raw: str | bytes) -> None:
    try:
        frame = p.parse_server_frame(raw)
    except p.FrameError:
        return
    assert isinstance(frame, p.MessageFrame | p.EventFrame | p.ErrorFrame | p.UnknownFrame)
    if isinstance(frame, p.MessageFrame | p.EventFrame):
        shows_anywhere(frame.send_time)


_FIELD_NAMES = {
    "Id": "id",
    "RequestId": "request_id",
    "Content": "content",
    "Attributes": "attributes",
    "Sender": "sender",
    "SendTime": "send_time",
    "EventName": "event_name",
    "ErrorCode": "error_code",
    "ErrorMessage": "error_message",
}
_texts = st.text(max_size=8)
_maps = st.dictionaries(_texts, _texts, max_size=3)
_FIELD_VALUES = {
    "Attributes": _maps,
    "Sender": st.fixed_dictionaries({"UserId": _texts}, optional={"Attributes": _maps}),
    "SendTime": send_times,
    "ErrorCode": st.integers(0, 999),
}


@st.composite
def _frames(draw: st.DrawFn) -> str:
    """Frames near the real ones: any type, each field spelled by its alias, by its
    name, both or neither, its value mostly of the right kind."""
    frame: dict[str, object] = {}
    for key in draw(st.sampled_from([("Type",), ("type",), ("Type", "type"), ()])):
        frame[key] = draw(st.sampled_from(["MESSAGE", "EVENT", "ERROR", "X"]) | json_values)
    for alias, name in _FIELD_NAMES.items():
        right = _FIELD_VALUES.get(alias, _texts)
        value = st.one_of(right, right, right, json_values)
        for key in draw(st.sampled_from([(alias,), (alias,), (name,), (alias, name), ()])):
            frame[key] = draw(value)
    return json.dumps(frame)


@settings(max_examples=500)
@given(_frames())
def test_the_fast_tagged_parse_reads_every_frame_as_the_whole_union_does(raw: str) -> None:
    # parse_server_frame tries a union tagged by "Type" first (tui/ivs/protocol.py
    # `_KnownFrame`); what it returns or says must be what the whole union would.
    try:
        expected: object = p._server_frame.validate_json(raw)
    except ValidationError:
        with pytest.raises(p.FrameError) as failed:
            p.parse_server_frame(raw)
        with pytest.raises(ValidationError) as whole:
            p._server_frame.validate_json(raw)
        words = validation_words(whole.value, whole="frame", first_only=True)
        assert str(failed.value) == words
        return
    frame = p.parse_server_frame(raw)
    assert type(frame) is type(expected)
    assert frame == expected


def test_client_actions_round_trip() -> None:
    send = p.SendMessage(request_id="r", content="hi", attributes={"a": "b"})
    wire = json.loads(send.to_json())
    assert wire == {
        "Action": "SEND_MESSAGE",
        "RequestId": "r",
        "Content": "hi",
        "Attributes": {"a": "b"},
    }
    assert p.parse_client_action(send.to_json()) == send
    delete = p.DeleteMessage(request_id="r2", id="abc", reason="spam")
    assert json.loads(delete.to_json())["Id"] == "abc"
    with pytest.raises(p.FrameError):
        p.parse_client_action('{"Action":"SEND_MESSAGE"}')
    with pytest.raises(p.FrameError):
        p.parse_client_action('{"Action":"EXPLODE","RequestId":"r"}')


def test_limits_and_helpers() -> None:
    assert p.MAX_MESSAGE_LENGTH == 500
    assert p.code_points("héllo😀") == 6
    assert p.attributes_size({"ab": "cdé"}) == 6
    ident = p.new_id()
    assert len(ident) == p.ID_LENGTH and ident.isalnum()


@settings(max_examples=300)
@given(send_times, st.sampled_from(["MESSAGE", "EVENT"]))
def test_any_send_time_parses_to_a_showable_time_or_raises_frame_error(
    when: str, kind: str
) -> None:
    try:
        frame = p.parse_server_frame(
            json.dumps({**MESSAGE, "Type": kind, "EventName": "x", "SendTime": when})
        )
    except p.FrameError:
        return
    assert isinstance(frame, p.MessageFrame | p.EventFrame)
    shows_anywhere(frame.send_time)


def _worst_attributes(size: int) -> dict[str, str]:
    """A map of `size` bytes whose JSON is as long as it gets: one-byte control-character
    keys with empty values (12 bytes each in JSON), then control characters in a value."""
    keys = [chr(c) for c in range(min(size, 0x20))]
    attrs = dict.fromkeys([*keys, ""], "")
    attrs[""] = "\x01" * (size - p.attributes_size(attrs))
    assert p.attributes_size(attrs) == size
    return attrs


def test_the_largest_legitimate_frame_fits_the_bound_and_the_bound_fits_max_frame() -> None:
    astral = "\U0001d54f"  # 4 bytes in UTF-8, a 12-byte surrogate pair once ASCII-escaped
    frame = {
        "Type": "MESSAGE",
        "Id": p.new_id(),
        "RequestId": astral * p.REQUEST_ID_MAX_LENGTH,
        "Content": astral * p.MAX_MESSAGE_LENGTH,
        "Attributes": _worst_attributes(p.MESSAGE_ATTRIBUTES_MAX_BYTES),
        "Sender": {
            "UserId": astral * p.USER_ID_MAX_LENGTH,
            "Attributes": _worst_attributes(p.ATTRIBUTES_MAX_BYTES),
        },
        "SendTime": "2022-12-02T08:25:51.136912721Z",
    }
    for text in (json.dumps(frame, ensure_ascii=True), json.dumps(frame, ensure_ascii=False)):
        assert isinstance(p.parse_server_frame(text), p.MessageFrame)  # it is legitimate
        assert len(text.encode()) <= p.largest_legitimate_frame_bytes()
    assert p.largest_legitimate_frame_bytes() <= p.MAX_FRAME_BYTES


@settings(max_examples=200)
@given(st.dictionaries(st.text(max_size=6), st.text(max_size=40), max_size=40))
def test_attribute_maps_stay_within_their_json_bound(attrs: dict[str, str]) -> None:
    size = p.attributes_size(attrs)
    for ascii_only in (True, False):
        assert len(json.dumps(attrs, ensure_ascii=ascii_only).encode()) <= (
            p.attributes_json_bound(size)
        )


@pytest.mark.parametrize(
    ("endpoint", "url"),
    [
        ("http://127.0.0.1:8750", "ws://127.0.0.1:8750/"),
        ("http://127.0.0.1:8750/", "ws://127.0.0.1:8750/"),
        ("https://ivs.example.com", "wss://ivs.example.com/"),
        ("HTTPS://[::1]:443/", "wss://[::1]:443/"),
    ],
)
def test_the_messaging_url_is_the_endpoint_root_over_websocket(endpoint: str, url: str) -> None:
    assert p.messaging_url(endpoint) == url


@pytest.mark.parametrize("endpoint", ["ws://host/", "host:8750", "ftp://host", "http://", ""])
def test_an_endpoint_that_is_not_http_has_no_messaging_url(endpoint: str) -> None:
    with pytest.raises(ValueError, match="not an http"):
        p.messaging_url(endpoint)
