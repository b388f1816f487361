"""Client ingest: how many messages a second one `ChatRoom` turns into events.

What is measured is the client: frames read off a loopback WebSocket, parsed once with
`protocol.parse_server_frame`, deduplicated by Id, converted to `ChatMessage` and delivered
through `async for event in room`. Timing runs from the first message event to the last.

The flood comes from the emulator, in another process so that the two cores are shared
honestly. A room accepts at most 100 messages a second from its clients (IVS's maximum),
so the flood does not go through SEND_MESSAGE: the emulator process calls its own room
broadcast (`ChatHub.broadcast`, the path every message and SendEvent takes) with MESSAGE
frames built as `_send_message` builds them, prepared before the clock starts. It keeps
the receiver's unsent backlog under `BACKLOG_BYTES`, below the emulator's slow-reader
cut-off, so the client is never dropped for being the bottleneck it is meant to be.
The room and the chat token come from boto3 against that emulator, as in the app.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import time
from datetime import UTC, datetime
from multiprocessing.connection import Connection
from typing import Any

MESSAGES = 100_000
CHUNK = 1_000  # frames broadcast per loop turn in the emulator process
BACKLOG_BYTES = 1024 * 1024
TIMEOUT_S = 25.0


def _texts(count: int) -> list[str]:
    """MESSAGE frames as the emulator's `_send_message` makes them: unique Ids, senders
    with a display name, a send time, the same JSON."""
    from tui.ivs.protocol import MessageFrame, Sender, new_id

    senders = [
        Sender(user_id=f"viewer-{i}", attributes={"username": f"Viewer {i}"}) for i in range(50)
    ]
    lines = ["gg", "what a play!", "hello from the terminal 👋", "lol " * 8, "is this live?"]
    now = datetime.now(UTC)
    return [
        MessageFrame(
            id=new_id(),
            content=f"{lines[i % len(lines)]} #{i}",
            sender=senders[i % len(senders)],
            send_time=now,
        ).to_json()
        for i in range(count)
    ]


def _emulate(pipe: Connection, count: int) -> None:
    """The emulator process: serve, then flood the room the pipe names, then stop."""
    from tui.emulator import Emulator

    async def main() -> None:
        loop = asyncio.get_running_loop()
        texts = _texts(count)
        async with Emulator() as emulator:
            pipe.send(emulator.url)
            room = emulator.state.rooms.get(await loop.run_in_executor(None, pipe.recv))
            if room is None:  # the client stopped before joining
                return
            broadcast = emulator.hub.broadcast
            live = emulator.hub.live_room(room)
            for start in range(0, count, CHUNK):
                for text in texts[start : start + CHUNK]:
                    broadcast(room, text)
                # Polled: a transport tells only its protocol (aiohttp's) when it drains.
                while any(  # noqa: ASYNC110
                    c.transport.get_write_buffer_size() > BACKLOG_BYTES for c in live.connections
                ):
                    await asyncio.sleep(0.0005)
                await asyncio.sleep(0)
            await loop.run_in_executor(None, pipe.recv)  # until the client is done

    asyncio.run(main())


async def _ingest(url: str, token: str, count: int, pipe: Connection, arn: str) -> float:
    from tui.ivs.events import ChatMessage, ConnectionState, StateChanged
    from tui.ivs.room import ChatRoom
    from tui.ivs.tokens import ChatToken

    async def provider() -> ChatToken:
        return ChatToken(token=token, url=url)

    received = 0
    first = last = 0.0
    async with asyncio.timeout(TIMEOUT_S), ChatRoom(provider, max_attempts=1) as room:
        async for event in room:
            if type(event) is ChatMessage:
                received += 1
                if received == 1:
                    first = time.perf_counter()
                elif received == count:
                    last = time.perf_counter()
                    break
            elif isinstance(event, StateChanged):
                if event.state == ConnectionState.CONNECTED:
                    pipe.send(arn)  # in the room: flood it
                elif event.state == ConnectionState.DISCONNECTED:
                    raise RuntimeError(f"the client lost the flood: {event.reason}")
    return (count - 1) / (last - first)


def run(count: int = MESSAGES) -> dict[str, Any]:
    import boto3

    from tui.ivs.protocol import messaging_url

    context = multiprocessing.get_context("spawn")
    ours, theirs = context.Pipe()
    emulator = context.Process(target=_emulate, args=(theirs, count), daemon=True)
    emulator.start()
    try:
        if not ours.poll(60):
            raise RuntimeError("the emulator did not start")
        url: str = ours.recv()
        chat = boto3.client(
            "ivschat",
            endpoint_url=url,
            region_name="us-east-1",
            aws_access_key_id="bench",
            aws_secret_access_key="test",  # the local stack's default secret
        )
        arn = chat.create_room(name="flood")["arn"]
        token = chat.create_chat_token(roomIdentifier=arn, userId="reader")["token"]
        ws_url = messaging_url(url)
        rate = asyncio.run(_ingest(ws_url, token, count, ours, arn))
    finally:
        ours.send("stop")
        emulator.join(10)
        if emulator.is_alive():
            emulator.terminate()
    return {"client_ingest_msgs_per_s": round(rate, 1)}


if __name__ == "__main__":
    print(run())
