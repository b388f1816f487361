"""The room's own limits and its review handler, as the app server sets them on the IVS
room: at start-up (CreateRoom, or UpdateRoom on a given or kept room) and live through
`PUT /api/moderation/settings` (UpdateRoom), in both modes."""

from __future__ import annotations

from pathlib import Path

from tests.server.conftest import start_aws_server
from tests.server.wired.helpers import LENIENT, api, chat, local_server, send, until
from tui.emulator import Emulator, EmulatorConfig
from tui.server.boot.startup import RunningServer

LAMBDA = "arn:aws:lambda:us-east-1:123456789012:function:ivs-chat-tui-review"


async def _room(server: RunningServer) -> dict:
    return await server.service.control.get_room(server.room_arn)


async def test_the_broadcaster_changes_the_room_limits_live(server: RunningServer) -> None:
    key = server.broadcaster_key
    async with api(server) as client:
        alice = await client.grant("Alice")
        assert alice["maxMessageLength"] == 500
        status, saved = await client.call(
            "PUT", "/api/moderation/settings", key, {"maxMessageRate": 3, "maxMessageLength": 20}
        )
        assert status == 200, saved
        assert (saved["maxMessageRate"], saved["maxMessageLength"]) == (3, 20)
        room = await _room(server)
        assert (room["maximumMessageRatePerSecond"], room["maximumMessageLength"]) == (3, 20)
        _, read = await client.call("GET", "/api/moderation/settings", key)
        assert (read["maxMessageRate"], read["maxMessageLength"]) == (3, 20)
        # The token answer follows, and the room enforces it.
        again = await client.grant("Alice", alice["sessionKey"])
        assert again["maxMessageLength"] == 20
        async with chat(again) as ws:
            await send(ws, "x" * 21)
            refused = await until(ws, Type="ERROR")
            assert refused["ErrorCode"] in (400, 413)
        # Out of range: refused in words, nothing changed.
        for body, words in (
            ({"maxMessageRate": 0}, "maxMessageRate must be from 1 to 100"),
            ({"maxMessageLength": 501}, "maxMessageLength must be from 1 to 500"),
            ({"maxMessageLength": "long"}, "whole number"),
        ):
            status, refused_body = await client.call("PUT", "/api/moderation/settings", key, body)
            assert status == 400 and words in refused_body["message"]
        # Only the broadcaster: a moderator's PUT changes nothing.
        await client.act(key, action="mod", userId=alice["userId"])
        status, _ = await client.call(
            "PUT", "/api/moderation/settings", alice["sessionKey"], {"maxMessageRate": 50}
        )
        assert status == 403
        assert (await _room(server))["maximumMessageRatePerSecond"] == 3


async def test_serve_local_creates_its_room_with_the_limits(tmp_path: Path) -> None:
    async with await local_server(
        tmp_path / "data", max_message_rate=7, max_message_length=140
    ) as server:
        room = await _room(server)
        assert (room["maximumMessageRatePerSecond"], room["maximumMessageLength"]) == (7, 140)
        async with api(server) as client:
            assert (await client.grant("Bob"))["maxMessageLength"] == 140


async def test_serve_aws_sets_limits_and_review_handler_on_created_and_given_rooms(
    tmp_path: Path,
) -> None:
    options = {"max_message_rate": 4, "max_message_length": 99, "review_handler_arn": LAMBDA}
    async with Emulator(EmulatorConfig()) as emu:
        server = await start_aws_server(emu, tmp_path / "made", **LENIENT, **options)
        async with server:
            room = await _room(server)
            assert (room["maximumMessageRatePerSecond"], room["maximumMessageLength"]) == (4, 99)
            assert room["messageReviewHandler"] == {"uri": LAMBDA, "fallbackResult": "ALLOW"}
            room_arn, stage_arn = server.room_arn, server.stage_arn
        # A given room (and a kept one) gets them with UpdateRoom.
        server = await start_aws_server(
            emu,
            tmp_path / "given",
            create=False,
            room_arn=room_arn,
            stage_arn=stage_arn,
            max_message_rate=9,
            review_handler_arn=LAMBDA,
            review_fallback="deny",
        )
        async with server:
            room = await _room(server)
            assert (room["maximumMessageRatePerSecond"], room["maximumMessageLength"]) == (9, 99)
            assert room["messageReviewHandler"] == {"uri": LAMBDA, "fallbackResult": "DENY"}
        server = await start_aws_server(emu, tmp_path / "made", max_message_length=50)
        async with server:
            assert server.room_arn == room_arn  # kept, reused
            assert (await _room(server))["maximumMessageLength"] == 50
