"""Shared pieces for the room client tests: token providers, frames, a raw server.

The raw server is a bare `websockets` server on loopback. It is only for what the
emulator never does on purpose: garbage frames, silence, a 401 aimed at one request.
Everything else runs against the real emulator (tests/ivs/test_room_emulator.py).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime

from websockets.asyncio.server import ServerConnection, serve
from websockets.typing import Subprotocol

from tui.ivs.events import RoomEvent, StateChanged
from tui.ivs.protocol import (
    ErrorFrame,
    EventFrame,
    MessageFrame,
    Sender,
    new_id,
)
from tui.ivs.room import ChatRoom
from tui.ivs.tokens import ChatToken

SEND_TIME = datetime(2026, 11, 27, 12, 0, 0, 123456, tzinfo=UTC)


def message_frame(
    content: str, *, frame_id: str | None = None, request_id: str = "", user_id: str = "alice"
) -> str:
    return MessageFrame(
        id=frame_id or new_id(),
        request_id=request_id,
        content=content,
        sender=Sender(user_id=user_id, attributes={"username": user_id}),
        send_time=SEND_TIME,
    ).to_json()


def event_frame(name: str, attributes: dict[str, str], *, request_id: str = "") -> str:
    return EventFrame(
        id=new_id(),
        request_id=request_id,
        event_name=name,
        attributes=attributes,
        send_time=SEND_TIME,
    ).to_json()


def error_frame(code: int, message: str, *, request_id: str = "") -> str:
    return ErrorFrame(
        id=new_id(), request_id=request_id, error_code=code, error_message=message
    ).to_json()


class CountingProvider:
    """A token provider over a fixed URL that counts the tokens it handed out."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.calls = 0

    async def __call__(self) -> ChatToken:
        self.calls += 1
        return ChatToken(token=f"token-{self.calls}", url=self.url)


Handler = Callable[["RawServer", ServerConnection], Awaitable[None]]


@dataclass
class RawServer:
    url: str
    connections: int = 0
    received: asyncio.Queue[str] = field(default_factory=asyncio.Queue)


@asynccontextmanager
async def raw_server(handler: Handler) -> AsyncIterator[RawServer]:
    """A websockets server on 127.0.0.1, OS-chosen port; `handler(server, ws)` per
    connection. It selects the offered token as the subprotocol, like IVS."""
    box: list[RawServer] = []

    def select(_conn: ServerConnection, offered: Sequence[Subprotocol]) -> Subprotocol | None:
        return offered[0] if offered else None

    async def serve_one(ws: ServerConnection) -> None:
        server = box[0]
        server.connections += 1
        await handler(server, ws)

    async with serve(serve_one, "127.0.0.1", 0, select_subprotocol=select) as ws_server:
        port = next(iter(ws_server.sockets)).getsockname()[1]
        box.append(RawServer(f"ws://127.0.0.1:{port}/"))
        yield box[0]


async def next_event(
    room: ChatRoom | AsyncIterator[RoomEvent], want: Callable[[RoomEvent], bool]
) -> RoomEvent:
    """The next event of the room's stream for which `want` is true."""
    stream = room if not isinstance(room, ChatRoom) else aiter(room)
    async for event in stream:
        if want(event):
            return event
    raise AssertionError("the event stream ended first")


def is_state(state: object) -> Callable[[RoomEvent], bool]:
    return lambda ev: isinstance(ev, StateChanged) and ev.state == state
