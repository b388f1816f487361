"""Whatever text a client sends, the emulator answers once and keeps the socket open."""

from __future__ import annotations

import asyncio
import json
import threading
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from websockets.sync.client import ClientConnection
from websockets.sync.client import connect as sync_connect

from tests.emulator.helpers import client
from tui.emulator import Emulator

ANSWER_TYPES = {"MESSAGE", "EVENT", "ERROR"}

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=8,
)
actions = st.fixed_dictionaries(
    {
        "Action": st.sampled_from(["SEND_MESSAGE", "DELETE_MESSAGE", "DISCONNECT_USER", "X", ""])
        | json_values,
        "RequestId": st.text(max_size=12) | json_values,
    },
    optional={
        "Content": st.text(max_size=600) | json_values,
        "Attributes": st.dictionaries(st.text(max_size=8), st.text(max_size=8)) | json_values,
        "Id": st.text(alphabet="abcXYZ019", min_size=12, max_size=12) | json_values,
        "Reason": st.text(max_size=300) | json_values,
    },
).map(json.dumps)
frames = actions | st.text(max_size=200) | json_values.map(json.dumps)


@pytest.fixture(scope="module")
def socket() -> Iterator[ClientConnection]:
    """One socket on an emulator running in its own thread, so hypothesis can drive it
    synchronously. The token cannot disconnect users, so nothing closes it on purpose."""
    loop = asyncio.new_event_loop()
    ready = threading.Event()
    emulator = Emulator()

    def serve() -> None:
        asyncio.set_event_loop(loop)
        loop.run_until_complete(emulator.start())
        ready.set()
        loop.run_forever()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    ready.wait(10)
    chat = client("ivschat", emulator)
    room = chat.create_room(maximumMessageRatePerSecond=100)["arn"]
    token = chat.create_chat_token(
        roomIdentifier=room, userId="fuzzer", capabilities=["SEND_MESSAGE", "DELETE_MESSAGE"]
    )["token"]
    with sync_connect(emulator.ws_url, subprotocols=[token]) as ws:  # type: ignore[list-item]
        yield ws
    asyncio.run_coroutine_threadsafe(emulator.stop(), loop).result(10)
    loop.call_soon_threadsafe(loop.stop)
    thread.join(10)


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(frame=frames)
def test_any_text_frame_gets_one_answer_and_the_socket_stays_open(
    socket: ClientConnection, frame: str
) -> None:
    socket.send(frame)
    answer: dict[str, Any] = json.loads(socket.recv(timeout=10))
    assert answer["Type"] in ANSWER_TYPES
    if answer["Type"] == "ERROR":
        assert answer["ErrorCode"] in {400, 413, 429}
    socket.send(json.dumps({"Action": "DELETE_MESSAGE", "RequestId": "ping", "Id": "A" * 12}))
    assert json.loads(socket.recv(timeout=10))["RequestId"] == "ping"  # still open, in order
