"""Shared pieces for the room client tests: token providers, frames, a raw server.

The raw server is a bare `websockets` server on loopback. It is only for what the
emulator never does on purpose: garbage frames, silence, a 401 aimed at one request.
Everything else runs against the real emulator (tests/ivs/test_room_emulator.py).
"""

from __future__ import annotations

import asyncio
import ssl
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import boto3
from websockets.asyncio.server import ServerConnection, serve
from websockets.typing import Subprotocol

from tui.emulator import Emulator, EmulatorConfig
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

    def __init__(self, url: str, user_id: str | None = None) -> None:
        self.url = url
        self.user_id = user_id
        self.calls = 0

    async def __call__(self) -> ChatToken:
        self.calls += 1
        return ChatToken(token=f"token-{self.calls}", url=self.url, user_id=self.user_id)


Handler = Callable[["RawServer", ServerConnection], Awaitable[None]]


@dataclass
class RawServer:
    url: str
    connections: int = 0
    received: asyncio.Queue[str] = field(default_factory=asyncio.Queue)


@asynccontextmanager
async def raw_server(
    handler: Handler, *, tls: ssl.SSLContext | None = None
) -> AsyncIterator[RawServer]:
    """A websockets server on 127.0.0.1, OS-chosen port; `handler(server, ws)` per
    connection. It selects the offered token as the subprotocol, like IVS. With `tls`,
    it speaks wss:// with that context."""
    box: list[RawServer] = []

    def select(_conn: ServerConnection, offered: Sequence[Subprotocol]) -> Subprotocol | None:
        return offered[0] if offered else None

    async def serve_one(ws: ServerConnection) -> None:
        server = box[0]
        server.connections += 1
        await handler(server, ws)

    async with serve(serve_one, "127.0.0.1", 0, select_subprotocol=select, ssl=tls) as ws_server:
        port = next(iter(ws_server.sockets)).getsockname()[1]
        box.append(RawServer(f"{'wss' if tls else 'ws'}://127.0.0.1:{port}/"))
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


# --- the real local stack ---------------------------------------------------------------

_BOTO = boto3.session.Session(
    aws_access_key_id="test", aws_secret_access_key="test", region_name="us-east-1"
)
"""One session for every test: its loaders cache botocore's models between clients."""

BROADCASTER = ["SEND_MESSAGE", "DELETE_MESSAGE", "DISCONNECT_USER"]
VIEWER = ["SEND_MESSAGE"]


class ChatTokens:
    """A token provider backed by CreateChatToken on the emulator (boto3, off the loop)."""

    def __init__(self, stack: Stack, room_arn: str, user_id: str, capabilities: list[str]) -> None:
        self.stack = stack
        self.room_arn = room_arn
        self.user_id = user_id
        self.capabilities = capabilities
        self.calls = 0
        self.tokens: list[str] = []
        self.gate = asyncio.Event()  # clear it to hold the next connection back
        self.gate.set()
        self.session_end = True  # False: hide sessionExpirationTime (no refresh)
        self.tell_user_id = True  # False: the room must learn it from its own echoes

    async def __call__(self) -> ChatToken:
        self.calls += 1
        await self.gate.wait()
        answer = await asyncio.to_thread(
            self.stack.chat.create_chat_token,
            roomIdentifier=self.room_arn,
            userId=self.user_id,
            capabilities=self.capabilities,
            attributes={"username": self.user_id.title()},
        )
        self.tokens.append(answer["token"])
        return ChatToken(
            token=answer["token"],
            url=self.stack.emulator.ws_url,
            token_expiration_time=answer["tokenExpirationTime"],
            session_expiration_time=answer["sessionExpirationTime"] if self.session_end else None,
            user_id=self.user_id if self.tell_user_id else None,
        )


@dataclass
class Stack:
    emulator: Emulator
    chat: Any  # boto3 ivschat client

    async def create_room(self, **settings: Any) -> str:
        answer = await asyncio.to_thread(self.chat.create_room, **settings)
        return str(answer["arn"])

    def tokens(self, room_arn: str, user_id: str, capabilities: list[str]) -> ChatTokens:
        return ChatTokens(self, room_arn, user_id, capabilities)


@asynccontextmanager
async def local_stack(**config: Any) -> AsyncIterator[Stack]:
    """The emulator on 127.0.0.1 (OS-chosen port) and a boto3 ivschat client for it."""
    emulator = Emulator(EmulatorConfig(**config))
    await emulator.start("127.0.0.1", 0)
    try:
        chat = _BOTO.client("ivschat", endpoint_url=emulator.url)
        yield Stack(emulator, chat)
    finally:
        await emulator.stop()
