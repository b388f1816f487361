"""Helpers for emulator tests: boto3 clients, blocking calls off the loop, sockets."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from functools import cache
from typing import Any

import boto3
import websockets
from botocore.auth import SIGV4_TIMESTAMP, SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.config import Config
from botocore.credentials import Credentials

from tui.emulator import Emulator


@cache
def _session(access_key_id: str, secret_access_key: str) -> boto3.session.Session:
    # One session per key pair: its loader caches the service models, so each client is
    # quick to make.
    return boto3.session.Session(
        aws_access_key_id=access_key_id,
        aws_secret_access_key=secret_access_key,
        region_name="us-east-1",
    )


def client(
    service: str,
    emulator: Emulator | str,
    *,
    client_validation: bool = True,
    access_key_id: str = "test",
    secret_access_key: str = "test",
) -> Any:
    """A boto3 client for `service` against the emulator (or a URL serving it), signing
    with `access_key_id` and `secret_access_key` (the emulator's default secret is
    "test"). Without client validation, requests botocore would stop itself (below a
    minimum) reach the emulator."""
    url = emulator if isinstance(emulator, str) else emulator.url
    config = Config(parameter_validation=client_validation, retries={"max_attempts": 1})
    session = _session(access_key_id, secret_access_key)
    return session.client(service, endpoint_url=url, config=config)


def signed_headers(
    url: str,
    body: bytes,
    *,
    service: str = "ivschat",
    method: str = "POST",
    key_id: str = "test",
    secret: str = "test",
    when: datetime | None = None,
) -> dict[str, str]:
    """Headers that sign a raw request with botocore's own SigV4 signer, dated `when`
    (now by default): what boto3 would send, for requests boto3 cannot make."""
    stamp = (when or datetime.now(UTC)).strftime(SIGV4_TIMESTAMP)
    request = AWSRequest(
        method=method,
        url=url,
        data=body,
        headers={"Content-Type": "application/json", "X-Amz-Date": stamp},
    )
    request.context["timestamp"] = stamp
    signer = SigV4Auth(Credentials(key_id, secret), service, "us-east-1")
    signature = signer.signature(
        signer.string_to_sign(request, signer.canonical_request(request)), request
    )
    signed = signer.signed_headers(signer.headers_to_sign(request))
    authorization = (
        f"AWS4-HMAC-SHA256 Credential={signer.scope(request)}, "
        f"SignedHeaders={signed}, Signature={signature}"
    )
    return {**request.headers, "Authorization": authorization}


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
