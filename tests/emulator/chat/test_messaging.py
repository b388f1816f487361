"""The messaging WebSocket, driven with the `websockets` client as any IVS client would."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import aiohttp
import pytest
import websockets
from websockets.exceptions import ConnectionClosed, InvalidStatus

from tests.emulator.conftest import StartEmulator
from tests.emulator.helpers import Socket, call, client, connect, new_room, token_for
from tui.emulator import CLOSE_SESSION_EXPIRED, Emulator

ALL = ["SEND_MESSAGE", "DELETE_MESSAGE", "DISCONNECT_USER"]


def is_message(frame: dict[str, Any]) -> bool:
    return frame["Type"] == "MESSAGE"


async def closed_code(sock: Socket) -> int:
    """Read until the server closes the socket; the close code it sent."""
    with pytest.raises(ConnectionClosed) as info:
        while True:
            await sock.recv()
    assert info.value.rcvd is not None
    return info.value.rcvd.code


async def test_token_is_the_subprotocol_and_is_selected_back(emulator: Emulator, chat: Any) -> None:
    token = await token_for(chat, await new_room(chat))
    async with websockets.connect(emulator.ws_url, subprotocols=[token]) as ws:  # type: ignore[list-item]
        assert ws.subprotocol == token


async def test_a_token_is_single_use(emulator: Emulator, chat: Any) -> None:
    token = await token_for(chat, await new_room(chat))
    async with connect(emulator, token):
        pass
    with pytest.raises(InvalidStatus) as info:
        async with connect(emulator, token):
            pass
    assert info.value.response.status_code == 401
    assert b"already used" in info.value.response.body


async def test_unknown_or_missing_token_is_refused(emulator: Emulator) -> None:
    with pytest.raises(InvalidStatus) as info:
        async with connect(emulator, "made-up-token"):
            pass
    assert info.value.response.status_code == 401
    with pytest.raises(InvalidStatus) as info:
        async with websockets.connect(emulator.ws_url):
            pass
    assert info.value.response.status_code == 401


async def test_an_expired_token_is_refused(start_emulator: StartEmulator) -> None:
    emulator = await start_emulator(token_ttl_seconds=0.0)
    chat = client("ivschat", emulator)
    token = await token_for(chat, await new_room(chat))
    with pytest.raises(InvalidStatus) as info:
        async with connect(emulator, token):
            pass
    assert info.value.response.status_code == 401
    assert b"expired" in info.value.response.body


async def test_session_end_sends_error_401_then_closes_not_with_1000(
    start_emulator: StartEmulator,
) -> None:
    emulator = await start_emulator(session_seconds=0.3)
    chat = client("ivschat", emulator)
    token = await token_for(chat, await new_room(chat))
    async with connect(emulator, token) as sock:
        frame = await sock.recv()
        assert frame["Type"] == "ERROR"
        assert frame["ErrorCode"] == 401
        assert frame["RequestId"] == ""
        assert await closed_code(sock) == CLOSE_SESSION_EXPIRED != 1000


async def test_own_echo_carries_request_id_and_everyone_gets_the_same_frame(
    emulator: Emulator, chat: Any
) -> None:
    room = await new_room(chat)
    alice = await token_for(chat, room, "alice", capabilities=ALL, attributes={"name": "Al"})
    bob = await token_for(chat, room, "bob")
    async with connect(emulator, alice) as a, connect(emulator, bob) as b:
        await a.send(
            Action="SEND_MESSAGE", RequestId="req-1", Content="hello", Attributes={"x": "1"}
        )
        echo = await a.recv()
        seen = await b.recv()
    assert echo == seen
    assert echo["Type"] == "MESSAGE"
    assert echo["RequestId"] == "req-1"
    assert echo["Content"] == "hello"
    assert echo["Attributes"] == {"x": "1"}
    assert echo["Sender"] == {"UserId": "alice", "Attributes": {"name": "Al"}}
    assert len(echo["Id"]) == 12 and echo["Id"].isalnum()
    assert echo["SendTime"].endswith("Z")


async def test_capabilities_are_enforced_with_403(emulator: Emulator, chat: Any) -> None:
    room = await new_room(chat)
    viewer = await token_for(chat, room, "viewer")
    async with connect(emulator, viewer) as sock:
        await sock.send(Action="SEND_MESSAGE", RequestId="r1", Content="hi")
        await sock.send(Action="DELETE_MESSAGE", RequestId="r2", Id="A" * 12)
        await sock.send(Action="DISCONNECT_USER", RequestId="r3", UserId="bob")
        answers = [await sock.recv() for _ in range(3)]
    assert [(f["Type"], f["ErrorCode"], f["RequestId"]) for f in answers] == [
        ("ERROR", 403, "r1"),
        ("ERROR", 403, "r2"),
        ("ERROR", 403, "r3"),
    ]


async def test_length_is_counted_in_code_points(emulator: Emulator, chat: Any) -> None:
    room = await new_room(chat, maximumMessageRatePerSecond=100)
    token = await token_for(chat, room, capabilities=["SEND_MESSAGE"])
    async with connect(emulator, token) as sock:
        await sock.send(Action="SEND_MESSAGE", RequestId="ok", Content="😀" * 500)
        echo = await sock.recv()
        assert echo["RequestId"] == "ok" and echo["Content"] == "😀" * 500
        await sock.send(Action="SEND_MESSAGE", RequestId="long", Content="😀" * 501)
        error = await sock.recv()
    assert (error["Type"], error["ErrorCode"], error["RequestId"]) == ("ERROR", 413, "long")


async def test_room_maximum_message_length_applies(emulator: Emulator, chat: Any) -> None:
    room = await new_room(chat, maximumMessageLength=5)
    token = await token_for(chat, room, capabilities=["SEND_MESSAGE"])
    async with connect(emulator, token) as sock:
        await sock.send(Action="SEND_MESSAGE", RequestId="r", Content="abcdef")
        assert (await sock.recv())["ErrorCode"] == 413
        await sock.send(Action="SEND_MESSAGE", RequestId="r2", Content="abcde")
        assert (await sock.recv())["Type"] == "MESSAGE"


async def test_rate_is_per_room_shared_by_all_clients(emulator: Emulator, chat: Any) -> None:
    room = await new_room(chat, maximumMessageRatePerSecond=1)
    alice = await token_for(chat, room, "alice", capabilities=["SEND_MESSAGE"])
    bob = await token_for(chat, room, "bob", capabilities=["SEND_MESSAGE"])
    async with connect(emulator, alice) as a, connect(emulator, bob) as b:
        await a.send(Action="SEND_MESSAGE", RequestId="first", Content="1")
        assert (await a.recv())["RequestId"] == "first"
        await b.recv()  # bob sees alice's message
        await b.send(Action="SEND_MESSAGE", RequestId="second", Content="2")
        error = await b.recv()
    assert (error["Type"], error["ErrorCode"], error["RequestId"]) == ("ERROR", 429, "second")


async def test_a_review_handler_that_denies_gives_406(emulator: Emulator, chat: Any) -> None:
    # No endpoint is mapped for this Lambda: it fails, and the fallback denies.
    # tests/emulator/chat/test_review.py tests the handler itself.
    handler = {"uri": "arn:aws:lambda:us-east-1:123456789012:function:f", "fallbackResult": "DENY"}
    room = await new_room(chat, messageReviewHandler=handler)
    token = await token_for(chat, room, capabilities=["SEND_MESSAGE"])
    async with connect(emulator, token) as sock:
        await sock.send(Action="SEND_MESSAGE", RequestId="r", Content="hi")
        error = await sock.recv()
    assert (error["ErrorCode"], error["RequestId"]) == (406, "r")


async def test_delete_message_broadcasts_both_id_keys(emulator: Emulator, chat: Any) -> None:
    room = await new_room(chat)
    mod = await token_for(chat, room, "mod", capabilities=ALL)
    viewer = await token_for(chat, room, "viewer")
    async with connect(emulator, mod) as m, connect(emulator, viewer) as v:
        await m.send(Action="SEND_MESSAGE", RequestId="s", Content="spam")
        message_id = (await m.recv())["Id"]
        await v.recv()
        await m.send(Action="DELETE_MESSAGE", RequestId="d", Id=message_id, Reason="spam")
        mine, theirs = await m.recv(), await v.recv()
        await call(chat.delete_message, roomIdentifier=room, id=message_id)
        from_api = await v.recv()
    assert mine == theirs
    assert mine["Type"] == "EVENT" and mine["EventName"] == "aws:DELETE_MESSAGE"
    assert mine["RequestId"] == "d"
    assert mine["Attributes"] == {
        "MessageId": message_id,
        "MessageID": message_id,
        "Reason": "spam",
    }
    assert from_api["EventName"] == "aws:DELETE_MESSAGE"
    assert from_api["RequestId"] == ""
    assert from_api["Attributes"]["MessageID"] == message_id


async def test_disconnect_user_broadcasts_then_closes_all_their_sockets_with_1000(
    emulator: Emulator, chat: Any
) -> None:
    room = await new_room(chat)
    tokens = [await token_for(chat, room, user) for user in ("alice", "alice", "bob")]
    async with (
        connect(emulator, tokens[0]) as a1,
        connect(emulator, tokens[1]) as a2,
        connect(emulator, tokens[2]) as b,
    ):
        await call(chat.disconnect_user, roomIdentifier=room, userId="alice", reason="rude")
        for sock in (a1, a2, b):
            event = await sock.recv()
            assert event["EventName"] == "aws:DISCONNECT_USER"
            assert event["Attributes"] == {"UserId": "alice", "Reason": "rude"}
        assert await closed_code(a1) == 1000
        assert await closed_code(a2) == 1000
        await call(chat.send_event, roomIdentifier=room, eventName="still-here")
        assert (await b.recv())["EventName"] == "still-here"
    assert [c.user_id for c in emulator.hub.connections()] == []


async def test_disconnect_over_the_socket_carries_the_moderator_request_id(
    emulator: Emulator, chat: Any
) -> None:
    room = await new_room(chat)
    mod = await token_for(chat, room, "mod", capabilities=["DISCONNECT_USER"])
    troll = await token_for(chat, room, "troll")
    async with connect(emulator, mod) as m, connect(emulator, troll) as t:
        await m.send(Action="DISCONNECT_USER", RequestId="kick", UserId="troll")
        event = await m.recv()
        assert (event["EventName"], event["RequestId"]) == ("aws:DISCONNECT_USER", "kick")
        assert (await t.recv())["Attributes"]["UserId"] == "troll"
        assert await closed_code(t) == 1000


async def test_a_long_reason_is_cut_to_fit_the_close_frame_and_sent_whole_in_the_event(
    emulator: Emulator, chat: Any
) -> None:
    # 256 code points, most of them 2 or 4 bytes: ~700 bytes, a close frame holds 123.
    reason = ("é🙂" * 128)[:256]
    room = await new_room(chat)
    async with connect(emulator, await token_for(chat, room, "troll")) as t:
        await call(chat.disconnect_user, roomIdentifier=room, userId="troll", reason=reason)
        assert (await t.recv())["Attributes"]["Reason"] == reason
        with pytest.raises(ConnectionClosed) as info:
            await t.recv()
    rcvd = info.value.rcvd
    assert rcvd is not None, "the client failed the close frame (1006)"
    assert rcvd.code == 1000
    assert len(rcvd.reason.encode()) <= 123
    assert reason.startswith(rcvd.reason) and len(rcvd.reason) >= 123 // 4


async def test_send_event_delivers_custom_events(emulator: Emulator, chat: Any) -> None:
    room = await new_room(chat)
    async with connect(emulator, await token_for(chat, room)) as sock:
        answer = await call(
            chat.send_event, roomIdentifier=room, eventName="app:invite", attributes={"to": "bob"}
        )
        event = await sock.recv()
    assert event["Type"] == "EVENT"
    assert event["Id"] == answer["id"]
    assert event["EventName"] == "app:invite"
    assert event["Attributes"] == {"to": "bob"}
    assert event["RequestId"] == ""


@pytest.mark.parametrize(
    ("frame", "request_id"),
    [
        ("not json", ""),
        ("[1, 2]", ""),
        ('{"Action": "SHOUT", "RequestId": "r1"}', "r1"),
        ('{"Action": "SEND_MESSAGE", "RequestId": "r2"}', "r2"),
        ('{"Action": "SEND_MESSAGE", "RequestId": "r3", "Content": ""}', "r3"),
        ('{"Action": "DELETE_MESSAGE", "RequestId": "r4", "Id": "short"}', "r4"),
        (b"\x00binary", ""),
    ],
)
async def test_a_malformed_frame_gets_400_and_the_socket_stays_usable(
    emulator: Emulator, chat: Any, frame: str | bytes, request_id: str
) -> None:
    room = await new_room(chat)
    token = await token_for(chat, room, capabilities=ALL)
    async with connect(emulator, token) as sock:
        await sock.ws.send(frame)
        error = await sock.recv()
        assert (error["Type"], error["ErrorCode"], error["RequestId"]) == ("ERROR", 400, request_id)
        await sock.send(Action="SEND_MESSAGE", RequestId="after", Content="still works")
        assert (await sock.recv())["RequestId"] == "after"


async def test_deleting_the_room_closes_its_sockets(emulator: Emulator, chat: Any) -> None:
    room = await new_room(chat)
    async with connect(emulator, await token_for(chat, room)) as sock:
        await call(chat.delete_room, identifier=room)
        assert await closed_code(sock) == 1001


async def test_a_plain_get_explains_the_endpoint(emulator: Emulator) -> None:
    async with aiohttp.ClientSession() as http, http.get(emulator.url + "/") as response:
        assert response.status == 400
        assert "WebSocket" in await response.text()


async def test_every_socket_gets_each_message_exactly_once(emulator: Emulator, chat: Any) -> None:
    room = await new_room(chat, maximumMessageRatePerSecond=100)
    sender = await token_for(chat, room, "sender", capabilities=["SEND_MESSAGE"])
    tokens = [await token_for(chat, room, f"viewer{i}") for i in range(20)]
    viewers = [await websockets.connect(emulator.ws_url, subprotocols=[t]) for t in tokens]  # type: ignore[list-item]
    try:
        async with connect(emulator, sender) as s:
            for i in range(10):
                await s.send(Action="SEND_MESSAGE", RequestId=f"r{i}", Content=f"m{i}")
            for viewer in viewers:
                got = [json.loads(await asyncio.wait_for(viewer.recv(), 10)) for _ in range(10)]
                assert [f["Content"] for f in got] == [f"m{i}" for i in range(10)]
            await call(chat.send_event, roomIdentifier=room, eventName="end")
            for viewer in viewers:  # nothing more than the 10 came before this event
                assert json.loads(await viewer.recv())["EventName"] == "end"
    finally:
        for viewer in viewers:
            await viewer.close()


async def test_a_reader_that_falls_far_behind_is_cut_off_not_waited_for(
    emulator: Emulator, chat: Any
) -> None:
    room_arn = await new_room(chat)
    stalled = await websockets.connect(
        emulator.ws_url,
        subprotocols=[await token_for(chat, room_arn, "stalled")],  # type: ignore[list-item]
        max_queue=1,
        max_size=None,
        close_timeout=0.1,  # its connection is already cut; do not wait for a reply
    )
    room = emulator.state.rooms[room_arn]
    try:
        async with connect(emulator, await token_for(chat, room_arn, "reader")) as reader:
            big = json.dumps({"Type": "EVENT", "EventName": "bulk", "Pad": "x" * 256_000})
            for _ in range(64):  # 16 MB: more than the stalled socket may queue
                emulator.hub.broadcast(room, big)
                await reader.recv()
                await asyncio.sleep(0)
            assert [c.user_id for c in emulator.hub.live_room(room).connections] == ["reader"]
    finally:
        await stalled.close()
