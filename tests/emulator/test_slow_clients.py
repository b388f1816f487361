"""Requests that stall mid-headers or mid-body are not held for ever.

The attack: 300 connections sending a request slowly were all still held after 15 s.
Raw sockets here, as an attacker's would be; the deadline is shortened so the tests wait
for the server to act, not for a clock.
"""

from __future__ import annotations

import asyncio
from urllib.parse import urlsplit

from tests.emulator.conftest import StartEmulator
from tests.emulator.helpers import call, client
from tui.emulator import Emulator


async def open_raw(url: str) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    where = urlsplit(url)
    assert where.hostname is not None and where.port is not None
    return await asyncio.open_connection(where.hostname, where.port)


async def answer_of(reader: asyncio.StreamReader) -> bytes:
    """All the server sends until it closes the connection."""
    return await asyncio.wait_for(reader.read(), 30)


async def test_a_request_stalled_mid_headers_gets_408_and_is_closed(
    start_emulator: StartEmulator,
) -> None:
    emulator = await start_emulator(read_timeout_seconds=0.3)
    reader, writer = await open_raw(emulator.url)
    writer.write(b"POST /ListRooms HTTP/1.1\r\nHost: x\r\n")  # and never the blank line
    answer = await answer_of(reader)
    assert answer.startswith(b"HTTP/1.1 408")
    writer.close()


async def test_a_connection_that_sends_nothing_is_closed(
    start_emulator: StartEmulator,
) -> None:
    emulator = await start_emulator(read_timeout_seconds=0.3)
    reader, writer = await open_raw(emulator.url)
    assert (await answer_of(reader)).startswith(b"HTTP/1.1 408")
    writer.close()


async def test_a_request_stalled_mid_body_gets_408_and_is_closed(
    start_emulator: StartEmulator,
) -> None:
    emulator = await start_emulator(read_timeout_seconds=0.3)
    reader, writer = await open_raw(emulator.url)
    writer.write(
        b"POST /CreateRoom HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
        b'Content-Length: 100\r\n\r\n{"name":'
    )
    answer = await answer_of(reader)
    assert answer.startswith(b"HTTP/1.1 408")
    assert emulator.state.rooms == {}
    writer.close()


async def test_stalled_connections_per_address_are_bounded(
    start_emulator: StartEmulator,
) -> None:
    emulator = await start_emulator(read_timeout_seconds=60, slow_connections_per_address=4)
    stalled = [await open_raw(emulator.url) for _ in range(4)]
    for _, writer in stalled:
        writer.write(b"GET / HTTP/1.1\r\n")
    # Wait until the server has counted all four before the fifth arrives.
    for _ in range(1000):
        if sum(emulator_waiting(emulator).values()) == 4:
            break
        await asyncio.sleep(0.01)
    reader, writer = await open_raw(emulator.url)
    assert await answer_of(reader) == b""  # closed on arrival, nothing served
    writer.close()
    # Once the stalled ones go, the address is served again.
    for _, stalled_writer in stalled:
        stalled_writer.close()
    for _ in range(1000):
        if not emulator_waiting(emulator):
            break
        await asyncio.sleep(0.01)
    chat = client("ivschat", emulator)
    assert (await call(chat.list_rooms))["rooms"] == []


def emulator_waiting(emulator: Emulator) -> dict[str, int]:
    assert emulator.read_guard is not None
    return dict(emulator.read_guard.waiting)


async def test_boto3_and_keep_alive_are_unaffected(start_emulator: StartEmulator) -> None:
    emulator = await start_emulator(read_timeout_seconds=5, slow_connections_per_address=2)
    chat = client("ivschat", emulator)
    for i in range(5):  # over one pooled keep-alive connection
        await call(chat.create_room, name=f"r{i}")
    assert len((await call(chat.list_rooms))["rooms"]) == 5
    assert emulator_waiting(emulator) == {}
