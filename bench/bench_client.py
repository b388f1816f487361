"""Client ingest: how many messages a second one `ChatRoom` turns into events.

What is measured is the client: frames read off a loopback WebSocket, parsed once with
`protocol.parse_server_frame`, deduplicated by Id, converted to `ChatMessage` and delivered
through `async for event in room`. Timing runs from the first message event to the last.

The flood comes from a bare server in another process, so the two cores are shared
honestly and the sender is never the bottleneck: the emulator caps a room at 100 msg/s
(IVS's maximum), so it cannot flood. The frames are what the emulator sends — built with
the same `MessageFrame` model and `to_json()`, unique 12-character Ids, nanosecond-free
RFC 3339 times, a sender with a display name — pre-encoded as unmasked WebSocket text
frames and written to the socket in large chunks.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import time
from collections.abc import Sequence
from datetime import UTC, datetime
from multiprocessing.connection import Connection
from typing import Any

MESSAGES = 100_000
CHUNK = 2_000  # frames per transport write on the server side
TIMEOUT_S = 25.0


def _ws_text_frame(payload: bytes) -> bytes:
    """An unmasked, final WebSocket text frame (server to client), RFC 6455 section 5.2."""
    size = len(payload)
    if size < 126:
        header = bytes((0x81, size))
    elif size < 65_536:
        header = bytes((0x81, 126)) + size.to_bytes(2, "big")
    else:
        header = bytes((0x81, 127)) + size.to_bytes(8, "big")
    return header + payload


def _frames(count: int) -> list[bytes]:
    from tui.ivs.protocol import MessageFrame, Sender, new_id

    start = datetime.now(UTC)
    senders = [
        Sender(user_id=f"viewer-{i}", attributes={"username": f"Viewer {i}"}) for i in range(50)
    ]
    texts = ["gg", "what a play!", "hello from the terminal 👋", "lol " * 8, "is this live?"]
    return [
        _ws_text_frame(
            MessageFrame(
                id=new_id(),
                content=f"{texts[i % len(texts)]} #{i}",
                sender=senders[i % len(senders)],
                send_time=start,
            )
            .to_json()
            .encode()
        )
        for i in range(count)
    ]


def _serve(pipe: Connection, count: int) -> None:
    """The flooding server (its own process): on connect, write every frame at once."""
    from websockets.asyncio.server import ServerConnection, serve

    chunks = [b"".join(part) for part in _batches(_frames(count), CHUNK)]

    async def flood(ws: ServerConnection) -> None:
        for chunk in chunks:
            ws.transport.write(chunk)  # pre-encoded frames: no per-frame work here
            await asyncio.sleep(0)
        await ws.wait_closed()

    async def main() -> None:
        def select(_conn: ServerConnection, offered: Sequence[str]) -> str | None:
            return offered[0] if offered else None

        async with serve(flood, "127.0.0.1", 0, select_subprotocol=select) as server:  # type: ignore[arg-type]
            pipe.send(next(iter(server.sockets)).getsockname()[1])
            await asyncio.get_running_loop().run_in_executor(None, pipe.recv)  # until told

    asyncio.run(main())


def _batches(items: list[bytes], size: int) -> list[list[bytes]]:
    return [items[i : i + size] for i in range(0, len(items), size)]


async def _ingest(url: str, count: int) -> dict[str, Any]:
    from tui.ivs.events import ChatMessage
    from tui.ivs.room import ChatRoom
    from tui.ivs.tokens import ChatToken

    async def token() -> ChatToken:
        return ChatToken(token="bench", url=url)

    received = 0
    first = last = 0.0
    async with asyncio.timeout(TIMEOUT_S), ChatRoom(token, max_attempts=1) as room:
        async for event in room:
            if type(event) is ChatMessage:
                received += 1
                if received == 1:
                    first = time.perf_counter()
                elif received == count:
                    last = time.perf_counter()
                    break
    return {"client_ingest_msgs_per_s": (count - 1) / (last - first), "_seconds": last - first}


def run(count: int = MESSAGES) -> dict[str, Any]:
    context = multiprocessing.get_context("spawn")
    ours, theirs = context.Pipe()
    server = context.Process(target=_serve, args=(theirs, count), daemon=True)
    server.start()
    try:
        if not ours.poll(60):
            raise RuntimeError("the flood server did not start")
        port = ours.recv()
        result = asyncio.run(_ingest(f"ws://127.0.0.1:{port}/", count))
    finally:
        ours.send("stop")
        server.join(5)
        if server.is_alive():
            server.terminate()
    return {"client_ingest_msgs_per_s": round(result["client_ingest_msgs_per_s"], 1)}


if __name__ == "__main__":
    print(run())
