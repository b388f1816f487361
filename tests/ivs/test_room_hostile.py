"""Hostile server frames, generated with hypothesis, never crash the room client.

A bare loopback server (the emulator never sends garbage) answers the client's first
request with a burst of generated frames, some aimed at that request's RequestId, then a
sentinel message. The client must deliver the sentinel, end the request with a ChatError
of some kind (or its echo), and leave no exception behind in any task or log.
"""

from __future__ import annotations

import asyncio
import json
import logging
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from websockets.asyncio.server import ServerConnection

from tests.ivs.conftest import CountingProvider, RawServer, message_frame, raw_server
from tests.ivs.times import send_times, shows_anywhere
from tui.ivs.events import (
    ChatError,
    ChatMessage,
    CustomEvent,
    MessageDeleted,
    StateChanged,
    UserDisconnected,
)
from tui.ivs.protocol import EVENT_DELETE_MESSAGE, EVENT_DISCONNECT_USER
from tui.ivs.room import ChatRoom

ROOM_EVENTS = (ChatMessage, MessageDeleted, UserDisconnected, CustomEvent, StateChanged)
PENDING = "{pending}"  # replaced by the RequestId of the client's request in flight

scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats()
    | st.text(max_size=20)
)
json_values = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner),
    max_leaves=12,
)
attributes = st.dictionaries(
    st.sampled_from(["MessageId", "MessageID", "UserId", "Reason", "x"]), st.text(max_size=12)
)
frame_dicts = st.fixed_dictionaries(
    {"Type": st.sampled_from(["MESSAGE", "EVENT", "ERROR", "", "PRESENCE"]) | st.text()},
    optional={
        "Id": st.sampled_from(["AAAAAAAAAAAA", "BBBBBBBBBBBB", ""]) | json_values,
        "RequestId": st.just(PENDING) | json_values,
        "Content": st.text() | json_values,
        "Sender": st.fixed_dictionaries(
            {"UserId": st.text(max_size=10) | json_values}, optional={"Attributes": attributes}
        )
        | json_values,
        "SendTime": st.sampled_from(
            ["2022-12-02T08:25:51.13691272Z", "2026-11-27T12:00:00Z", "yesterday", ""]
        )
        | send_times
        | json_values,
        "EventName": st.sampled_from([EVENT_DELETE_MESSAGE, EVENT_DISCONNECT_USER, "app:x"])
        | json_values,
        "Attributes": attributes | json_values,
        "ErrorCode": st.sampled_from([400, 401, 403, 429, 500]) | json_values,
        "ErrorMessage": st.text(max_size=20) | json_values,
    },
)
hostile_frames = st.lists(
    frame_dicts.map(json.dumps)
    | json_values.map(json.dumps)
    | st.text(max_size=40)
    | st.binary(max_size=40)
    | st.sampled_from(["[" * 3000 + "]" * 3000, '{"Type": "MESSAGE"' + " " * 10_000 + "}"]),
    max_size=12,
)


async def _scenario(frames: list[str | bytes]) -> None:
    problems: list[Any] = []
    loop = asyncio.get_running_loop()
    loop.set_exception_handler(lambda _loop, context: problems.append(context))
    traced = _TracebackCatcher()
    logging.getLogger("tui.ivs").addHandler(traced)

    async def hostile(server: RawServer, ws: ServerConnection) -> None:
        if server.connections == 1:
            action = json.loads(await ws.recv())
            for frame in frames:
                if isinstance(frame, str):
                    frame = frame.replace(PENDING, action["RequestId"])
                await ws.send(frame)
        await ws.send(message_frame("sentinel", frame_id="ZZZZZZZZZZZZ"))
        await ws.wait_closed()

    try:
        async with (
            raw_server(hostile) as server,
            ChatRoom(CountingProvider(server.url), request_timeout=0.5, backoff_base=0.01) as room,
        ):
            request = asyncio.create_task(room.send_message("hello"))
            async for event in room:
                assert isinstance(event, ROOM_EVENTS)
                if isinstance(event, ChatMessage | CustomEvent):
                    shows_anywhere(event.send_time)  # what the message list does with it
                if isinstance(event, ChatMessage) and event.content == "sentinel":
                    break
            await room.close()  # whatever has not answered ends now, as NotConnected
            try:
                answer = await request
                assert isinstance(answer, ChatMessage)
            except ChatError:
                pass
    finally:
        logging.getLogger("tui.ivs").removeHandler(traced)
    assert problems == []
    assert traced.records == []


class _TracebackCatcher(logging.Handler):
    """Collects log records that carry a traceback: an unexpected exception somewhere."""

    def __init__(self) -> None:
        super().__init__()
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        if record.exc_info:
            self.records.append(record)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(hostile_frames)
def test_hostile_frames_never_crash_the_client(frames: list[str | bytes]) -> None:
    asyncio.run(_scenario(frames))
