"""An unmasked client frame fails the connection with 1002 (RFC 6455 §5.1).

Driven over a raw socket: no WebSocket client library would send an unmasked frame.
"""

from __future__ import annotations

import asyncio
import base64
import json
import os
import struct
from typing import Any
from urllib.parse import urlsplit

import pytest

from tests.emulator.helpers import connect, new_room, token_for
from tui.emulator import Emulator


def client_frame(text: str, *, masked: bool) -> bytes:
    payload = text.encode()
    size = len(payload)
    length = struct.pack("!B", size) if size < 126 else struct.pack("!BH", 126, size)
    first, second = 0x81, length[0] | (0x80 if masked else 0)
    if not masked:
        return bytes([first, second]) + length[1:] + payload
    key = os.urandom(4)
    body = bytes(b ^ key[i % 4] for i, b in enumerate(payload))
    return bytes([first, second]) + length[1:] + key + body


async def handshake(url: str, token: str, extra: bytes = b"") -> tuple[Any, Any]:
    """Open a raw WebSocket; `extra` goes out in the same write as the handshake."""
    where = urlsplit(url)
    reader, writer = await asyncio.open_connection(where.hostname, where.port)
    key = base64.b64encode(os.urandom(16)).decode()
    writer.write(
        (
            f"GET / HTTP/1.1\r\nHost: {where.netloc}\r\nUpgrade: websocket\r\n"
            f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\n"
            f"Sec-WebSocket-Version: 13\r\nSec-WebSocket-Protocol: {token}\r\n\r\n"
        ).encode()
        + extra
    )
    status = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 10)
    assert status.startswith(b"HTTP/1.1 101")
    return reader, writer


async def read_frame(reader: Any) -> tuple[int, bytes]:
    first, second = await asyncio.wait_for(reader.readexactly(2), 10)
    size = second & 0x7F
    if size == 126:
        (size,) = struct.unpack("!H", await reader.readexactly(2))
    elif size == 127:
        (size,) = struct.unpack("!Q", await reader.readexactly(8))
    return first & 0x0F, await reader.readexactly(size)


async def read_close_code(reader: Any) -> int:
    """Read frames until the close frame; its code."""
    while True:
        opcode, payload = await read_frame(reader)
        if opcode == 0x8:
            return int(struct.unpack("!H", payload[:2])[0])


@pytest.mark.parametrize("with_handshake", [False, True], ids=["after", "with-handshake"])
async def test_an_unmasked_frame_closes_with_1002_and_is_not_read(
    emulator: Emulator, chat: Any, with_handshake: bool
) -> None:
    room = await new_room(chat)
    attacker = await token_for(chat, room, "mallory", capabilities=["SEND_MESSAGE"])
    async with connect(emulator, await token_for(chat, room, "viewer")) as viewer:
        unmasked = client_frame(
            json.dumps({"Action": "SEND_MESSAGE", "RequestId": "evil", "Content": "unmasked"}),
            masked=False,
        )
        reader, writer = await handshake(
            emulator.url, attacker, unmasked if with_handshake else b""
        )
        try:
            if not with_handshake:
                writer.write(unmasked)
            assert await read_close_code(reader) == 1002
            assert await asyncio.wait_for(reader.read(), 10) == b""  # and the server hung up
        finally:
            writer.close()
        # The unmasked message never reached the room.
        await chat_event(chat, room)
        assert (await viewer.recv())["EventName"] == "marker"


async def test_masked_frames_around_a_large_payload_still_work(
    emulator: Emulator, chat: Any
) -> None:
    """The header scan follows frames split across reads and long payloads."""
    room = await new_room(chat, maximumMessageRatePerSecond=100)
    token = await token_for(chat, room, "alice", capabilities=["SEND_MESSAGE"])
    reader, writer = await handshake(emulator.url, token)
    try:
        frames = [
            client_frame(
                json.dumps({"Action": "SEND_MESSAGE", "RequestId": f"r{i}", "Content": text}),
                masked=True,
            )
            for i, text in enumerate(["short", "é" * 400, "last"])
        ]
        data = b"".join(frames)
        for i in range(0, len(data), 7):  # dribbled, 7 bytes at a time
            writer.write(data[i : i + 7])
            await writer.drain()
        got = [json.loads((await read_frame(reader))[1]) for _ in frames]
        assert [f["RequestId"] for f in got] == ["r0", "r1", "r2"]
    finally:
        writer.close()


async def chat_event(chat: Any, room: str) -> None:
    await asyncio.to_thread(chat.send_event, roomIdentifier=room, eventName="marker")
