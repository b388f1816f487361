"""Talking to a running app server as a client would: raw HTTP with aiohttp and raw chat
WebSockets, no app-server client code in between."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp
from websockets.asyncio.client import ClientConnection, connect

from tui.server.boot.startup import RunningServer, start_server
from tui.server.settings import ServerSettings

WAIT = 10.0
"""Safety net only: what never comes fails the test instead of hanging it."""


async def local_server(data_dir: Path, **settings: Any) -> RunningServer:
    options: dict[str, Any] = dict(LENIENT)
    options.update(settings)
    server = await start_server(
        ServerSettings(mode="local", host="127.0.0.1", port=0, data_dir=data_dir, **options)
    )
    return await keeper_live(server)


LENIENT = {"wrong_key_burst": 1000, "token_burst": 1000}
"""Budgets no test meets: every test's clients share 127.0.0.1."""


async def keeper_live(server: RunningServer) -> RunningServer:
    """`server`, once its room keeper is connected (it starts in the background)."""
    assert server.service.moderation is not None and server.service.moderation.keeper
    await asyncio.wait_for(server.service.moderation.keeper.wait_live(), WAIT)
    return server


@dataclass
class Api:
    url: str
    http: aiohttp.ClientSession

    async def call(
        self, method: str, path: str, key: str | None = None, body: Any = None, **query: str
    ) -> tuple[int, Any]:
        headers = {"Authorization": f"Bearer {key}"} if key else {}
        data = None if body is None else json.dumps(body)
        if data is not None:
            headers["Content-Type"] = "application/json"
        async with self.http.request(
            method, self.url + path, headers=headers, data=data, params=query or None
        ) as resp:
            return resp.status, await resp.json()

    async def token(
        self, name: str, session_key: str | None = None, key: str | None = None
    ) -> tuple[int, dict[str, Any]]:
        body: dict[str, Any] = {"displayName": name}
        if session_key:
            body["sessionKey"] = session_key
        return await self.call("POST", "/api/chat/token", key, body)

    async def grant(
        self, name: str, session_key: str | None = None, key: str | None = None
    ) -> dict[str, Any]:
        status, body = await self.token(name, session_key, key)
        assert status == 200, body
        return body

    async def act(self, key: str, **body: Any) -> tuple[int, Any]:
        return await self.call("POST", "/api/moderation/actions", key, body)


@asynccontextmanager
async def api(server: RunningServer) -> AsyncIterator[Api]:
    async with aiohttp.ClientSession() as http:
        yield Api(server.url, http)


@asynccontextmanager
async def chat(grant: dict[str, Any]) -> AsyncIterator[ClientConnection]:
    async with connect(grant["chatUrl"], subprotocols=[grant["token"]]) as ws:  # type: ignore[list-item]
        yield ws


async def frame(ws: ClientConnection) -> dict[str, Any]:
    raw = await asyncio.wait_for(ws.recv(), WAIT)
    return json.loads(raw)


async def until(ws: ClientConnection, **fields: Any) -> dict[str, Any]:
    """The next frame whose fields have these values (skipping the others)."""
    while True:
        found = await frame(ws)
        if all(found.get(k) == v for k, v in fields.items()):
            return found


async def send(ws: ClientConnection, content: str, request_id: str = "r") -> None:
    await ws.send(
        json.dumps({"Action": "SEND_MESSAGE", "RequestId": request_id, "Content": content})
    )


async def closed(ws: ClientConnection) -> None:
    """Until the server closes the socket (after a DisconnectUser)."""
    await asyncio.wait_for(ws.wait_closed(), WAIT)
