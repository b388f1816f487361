"""A busy link is read in batches, a quiet one at once, a backlog at full speed, and
websockets' own flow control still holds (tui/ivs/connection/read_coalescing.py).

A real websockets server on loopback paces frames as a chat room would; the client side
is the app's connection class, with a note of each read it made (its size, and whether
reading was left on after it).
"""

from __future__ import annotations

import asyncio
import fcntl
import ssl
import struct
import termios
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from websockets.asyncio.client import ClientConnection, connect
from websockets.asyncio.server import ServerConnection
from websockets.exceptions import ConnectionClosedOK

from tests.app_helpers import until
from tests.certificates import make_certificate
from tests.ivs.conftest import RawServer, message_frame, raw_server
from tui.ivs.connection.read_coalescing import (
    COALESCE_S,
    SMALL_READ_BYTES,
    CoalescingConnection,
    below_tls,
)


@dataclass(frozen=True)
class Read:
    size: int
    reading_after: bool
    socket_reading_after: bool
    """Under TLS, the socket's own transport below asyncio's SSL layer; else the same."""


class NotedConnection(CoalescingConnection):
    """The app's connection, noting its reads."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.reads: list[Read] = []
        self.pauses_ended_while_full = 0
        """Coalescing pauses that ended while websockets' own queue was full."""

    def _read_again(self) -> None:
        if self.recv_messages.paused:
            self.pauses_ended_while_full += 1
        super()._read_again()

    def data_received(self, data: bytes) -> None:
        super().data_received(data)
        below = below_tls(self.transport)
        reading = self.transport.is_reading()
        self.reads.append(Read(len(data), reading, below[1].is_reading() if below else reading))


@asynccontextmanager
async def client(
    server: RawServer, trust: ssl.SSLContext | None = None, **options: Any
) -> AsyncIterator[NotedConnection]:
    async with connect(
        server.url, create_connection=NotedConnection, compression=None, ssl=trust, **options
    ) as ws:
        assert isinstance(ws, NotedConnection)
        yield ws


def paced(count: int, gap: float) -> Callable[[RawServer, ServerConnection], Awaitable[None]]:
    async def handler(_server: RawServer, ws: ServerConnection) -> None:
        for n in range(count):
            await ws.send(message_frame(f"message {n}", frame_id=f"id{n:04d}"))
            await asyncio.sleep(gap)
        await ws.close()

    return handler


async def contents(ws: ClientConnection, count: int) -> list[str]:
    return [str(await ws.recv()) for _ in range(count)]


def waiting_bytes(ws: ClientConnection) -> int:
    """What the kernel holds for the client, not yet read (FIONREAD)."""
    sock = ws.transport.get_extra_info("socket")
    return int(struct.unpack("i", fcntl.ioctl(sock.fileno(), termios.FIONREAD, b"\0" * 4))[0])


def numbered(count: int) -> list[str]:
    return [message_frame(f"message {n}", frame_id=f"id{n:04d}") for n in range(count)]


@pytest.fixture(params=["ws", "wss"])
def tls(request: pytest.FixtureRequest, tmp_path: Path) -> tuple[ssl.SSLContext, ...]:
    """(): plain ws://; (server context, client context): wss:// with a certificate
    made here, as IVS serves chat."""
    if request.param == "ws":
        return ()
    cert, key = make_certificate(tmp_path)
    serving = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    serving.load_cert_chain(cert, key)
    return serving, ssl.create_default_context(cafile=str(cert))


async def test_a_busy_room_is_read_a_few_times_a_second_not_once_a_message(
    tls: tuple[ssl.SSLContext, ...],
) -> None:
    serving, trust = tls or (None, None)
    # IVS's maximum rate: 100 messages a second, each on its own.
    async with raw_server(paced(100, 0.01), tls=serving) as server, client(server, trust) as ws:
        assert await contents(ws, 100) == numbered(100)
        # About one read per COALESCE_S over the second the room took; each read
        # once a message would be 100.
        assert 3 <= len(ws.reads) <= 1.0 / COALESCE_S * 2, ws.reads
        # Paused, down to the socket: under TLS the loop would still wake for each
        # frame if only the decrypted side stopped.
        assert any(not r.reading_after and not r.socket_reading_after for r in ws.reads)


async def test_a_quiet_room_is_read_at_once() -> None:
    # A message every 0.3 s: no read is followed by a pause.
    async with raw_server(paced(4, 0.3)) as server, client(server) as ws:
        assert await contents(ws, 4) == numbered(4)
        assert all(read.reading_after for read in ws.reads), ws.reads


async def test_a_backlog_is_read_without_pauses() -> None:
    count = 3000
    go = asyncio.Event()

    async def flood(_server: RawServer, ws: ServerConnection) -> None:
        await go.wait()
        for frame in numbered(count):
            await ws.send(frame)
        await ws.close()

    async with raw_server(flood) as server, client(server, max_queue=None) as ws:
        # The frames wait in the kernel until the client reads: one backlog.
        ws.transport.pause_reading()
        go.set()
        await until(
            lambda: waiting_bytes(ws) >= SMALL_READ_BYTES,
            lambda: f"{waiting_bytes(ws)} bytes wait in the kernel",
        )
        ws.transport.resume_reading()
        assert await contents(ws, count) == numbered(count)
        large = [read for read in ws.reads if read.size >= SMALL_READ_BYTES]
        assert large, ws.reads
        assert all(read.reading_after for read in large), large


async def test_websockets_flow_control_outlasts_a_pause() -> None:
    # The app stops reading (recv) while the room keeps going: websockets pauses the
    # transport once 4 frames wait, and a coalescing pause ending meanwhile must not
    # turn reading back on: the frames would pile up in memory without bound.
    sent = asyncio.Event()

    async def room(_server: RawServer, ws: ServerConnection) -> None:
        for frame in numbered(60):  # as `paced` sends them, then says so
            await ws.send(frame)
            await asyncio.sleep(0.005)
        sent.set()
        await ws.close()

    async with raw_server(room) as server, client(server, max_queue=4) as ws:
        # All sent, and a coalescing pause ended while websockets' queue was full: the
        # moment a resume of its own would turn reading back on.
        await until(
            lambda: sent.is_set() and ws.pauses_ended_while_full > 0,
            lambda: f"sent: {sent.is_set()}, pauses ended while full: {ws.pauses_ended_while_full}",
        )
        assert ws.recv_messages.paused
        # What crossed the mark in one read, not the 60 sent.
        assert len(ws.recv_messages.frames) <= 20
        assert await contents(ws, 60) == numbered(60)


async def test_a_close_during_a_pause_ends_the_link_cleanly() -> None:
    async with raw_server(paced(10, 0.005)) as server, client(server) as ws:
        assert await contents(ws, 10) == numbered(10)
        with pytest.raises(ConnectionClosedOK):
            await ws.recv()
        assert ws.close_code == 1000
