"""A field too large gets ERROR 413 and is never copied into a room frame.

The attack: a viewer's SEND_MESSAGE with a RequestId of about 1 MiB, which the stack
copied into the MESSAGE frame everyone receives, larger than the clients' max_size, so
every client (the broadcaster too) dropped and reconnected.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
import websockets

from tests.emulator.helpers import Socket, connect, new_room, token_for
from tui.emulator import Emulator
from tui.ivs.protocol import (
    ID_LENGTH,
    MAX_FRAME_BYTES,
    MESSAGE_ATTRIBUTES_MAX_BYTES,
    REASON_MAX_LENGTH,
    REQUEST_ID_MAX_LENGTH,
    USER_ID_MAX_LENGTH,
)

ALL = ["SEND_MESSAGE", "DELETE_MESSAGE", "DISCONNECT_USER"]


async def test_a_1_mib_request_id_is_refused_and_never_fanned_out(
    emulator: Emulator, chat: Any
) -> None:
    room = await new_room(chat, maximumMessageRatePerSecond=100)
    attacker = await token_for(chat, room, "mallory", capabilities=["SEND_MESSAGE"])
    host = await token_for(chat, room, "host", capabilities=ALL)
    # The broadcaster's socket reads as our client does: frames up to MAX_FRAME_BYTES.
    async with (
        websockets.connect(
            emulator.ws_url,
            subprotocols=[host],  # type: ignore[list-item]
            max_size=MAX_FRAME_BYTES,
        ) as broadcaster,
        connect(emulator, attacker) as mallory,
    ):
        await mallory.send(Action="SEND_MESSAGE", RequestId="x" * 1_000_000, Content="hi")
        error = await mallory.recv()
        assert (error["Type"], error["ErrorCode"]) == ("ERROR", 413)
        assert error["RequestId"] == ""  # not echoed back either
        assert "RequestId" in error["ErrorMessage"]
        assert "too large" in error["ErrorMessage"]

        await mallory.send(Action="SEND_MESSAGE", RequestId="next", Content="after")
        # The broadcaster is still connected and its first frame is the later message:
        # the oversized one never reached the room.
        first = json.loads(await broadcaster.recv())
        assert (first["Type"], first["RequestId"], first["Content"]) == (
            "MESSAGE",
            "next",
            "after",
        )


async def test_a_request_id_at_the_bound_is_accepted(emulator: Emulator, chat: Any) -> None:
    room = await new_room(chat)
    token = await token_for(chat, room, capabilities=["SEND_MESSAGE"])
    async with connect(emulator, token) as sock:
        rid = "r" * REQUEST_ID_MAX_LENGTH
        await sock.send(Action="SEND_MESSAGE", RequestId=rid, Content="ok")
        assert (await sock.recv())["RequestId"] == rid


def _oversized(field: str) -> dict[str, Any]:
    """An action with `field` one past its bound and every other field valid."""
    message = {"Action": "SEND_MESSAGE", "RequestId": "r", "Content": "hello"}
    delete = {"Action": "DELETE_MESSAGE", "RequestId": "r", "Id": "A" * ID_LENGTH}
    kick = {"Action": "DISCONNECT_USER", "RequestId": "r", "UserId": "bob"}
    return {
        "RequestId": {**message, "RequestId": "r" * (REQUEST_ID_MAX_LENGTH + 1)},
        "Content": {**message, "Content": "c" * 501},
        "Attributes": {**message, "Attributes": {"k": "v" * MESSAGE_ATTRIBUTES_MAX_BYTES}},
        "Id": {**delete, "Id": "A" * 1_000},
        "DeleteMessage Reason": {**delete, "Reason": "r" * (REASON_MAX_LENGTH + 1)},
        "UserId": {**kick, "UserId": "u" * (USER_ID_MAX_LENGTH + 1)},
        "DisconnectUser Reason": {**kick, "Reason": "r" * (REASON_MAX_LENGTH + 1)},
    }[field]


@pytest.mark.parametrize(
    "field",
    [
        "RequestId",
        "Content",
        "Attributes",
        "Id",
        "DeleteMessage Reason",
        "UserId",
        "DisconnectUser Reason",
    ],
)
async def test_every_field_of_every_action_is_bounded(
    emulator: Emulator, chat: Any, field: str
) -> None:
    room = await new_room(chat, maximumMessageRatePerSecond=100)
    async with (
        connect(emulator, await token_for(chat, room, "mod", capabilities=ALL)) as mod,
        connect(emulator, await token_for(chat, room, "viewer")) as viewer,
    ):
        await mod.ws.send(json.dumps(_oversized(field)))
        error = await mod.recv()
        assert (error["Type"], error["ErrorCode"]) == ("ERROR", 413)
        assert field.split()[-1] in error["ErrorMessage"]
        # Nothing of it reached the room: the viewer's next frame is the later event.
        await mod.send(Action="SEND_MESSAGE", RequestId="after", Content="after")
        assert (await viewer.recv())["RequestId"] == "after"
        assert await _still_open(mod)


async def _still_open(sock: Socket) -> bool:
    await sock.send(Action="SEND_MESSAGE", RequestId="ping", Content="ping")
    return (await sock.recv_until(lambda f: f["RequestId"] == "ping"))["Type"] == "MESSAGE"
