"""Helpers for emulator tests: boto3 clients, blocking calls off the loop, sockets."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from functools import cache
from typing import Any

import boto3
import websockets
from botocore.config import Config

from tui.emulator import Emulator


@cache
def _session(access_key_id: str) -> boto3.session.Session:
    # One session per key id: its loader caches the service models, so each client is
    # quick to make. The emulator ignores signatures, so the secret never matters.
    return boto3.session.Session(
        aws_access_key_id=access_key_id, aws_secret_access_key="test", region_name="us-east-1"
    )


def client(
    service: str,
    emulator: Emulator | str,
    *,
    client_validation: bool = True,
    access_key_id: str = "test",
) -> Any:
    """A boto3 client for `service` against the emulator (or a URL serving it), signing
    with `access_key_id`. Without client validation, requests botocore would stop itself
    (below a minimum) reach the emulator."""
    url = emulator if isinstance(emulator, str) else emulator.url
    config = Config(parameter_validation=client_validation, retries={"max_attempts": 1})
    return _session(access_key_id).client(service, endpoint_url=url, config=config)


async def call(method: Callable[..., Any], **params: Any) -> Any:
    """Run a blocking boto3 call off the loop that runs the emulator."""
    return await asyncio.to_thread(method, **params)


class Socket:
    """A websockets client on the messaging socket, with JSON helpers."""

    def __init__(self, ws: websockets.ClientConnection) -> None:
        self.ws = ws

    async def send(self, **frame: Any) -> None:
        await self.ws.send(json.dumps(frame))

    async def recv(self) -> dict[str, Any]:
        return json.loads(await asyncio.wait_for(self.ws.recv(), 10))

    async def recv_until(self, predicate: Callable[[dict[str, Any]], bool]) -> dict[str, Any]:
        while True:
            frame = await self.recv()
            if predicate(frame):
                return frame


async def new_room(chat: Any, **params: Any) -> str:
    return (await call(chat.create_room, **params))["arn"]


async def token_for(chat: Any, room: str, user: str = "alice", **params: Any) -> str:
    answer = await call(chat.create_chat_token, roomIdentifier=room, userId=user, **params)
    return answer["token"]


@asynccontextmanager
async def connect(emulator: Emulator, token: str) -> AsyncIterator[Socket]:
    async with websockets.connect(emulator.ws_url, subprotocols=[token]) as ws:  # type: ignore[list-item]
        yield Socket(ws)
