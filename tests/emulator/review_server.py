"""A real HTTP review handler on loopback, standing in for a room's review Lambda."""

from __future__ import annotations

import json
import ssl
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

ARN = "arn:aws:lambda:us-east-1:123456789012:function:review"

Answer = Callable[[dict[str, Any]], Awaitable[web.StreamResponse]]


async def allow(payload: dict[str, Any]) -> web.StreamResponse:
    return web.json_response({"ReviewResult": "ALLOW"})


@dataclass
class Call:
    """One review call as the handler received it."""

    headers: dict[str, str]
    body: bytes

    @property
    def payload(self) -> dict[str, Any]:
        return json.loads(self.body)


@dataclass
class ReviewServer:
    url: str
    answer: Answer = allow
    """What the handler does with each payload; tests swap it."""
    calls: list[Call] = field(default_factory=list)

    def answers(self, answer: Answer) -> None:
        self.answer = answer

    def contents(self) -> list[str]:
        return [call.payload["Content"] for call in self.calls]


@asynccontextmanager
async def review_server(tls: ssl.SSLContext | None = None) -> AsyncIterator[ReviewServer]:
    """The handler at `server.url`; over HTTPS with `tls` (a server context)."""
    server = ReviewServer(url="")

    async def handle(request: web.Request) -> web.StreamResponse:
        body = await request.read()
        server.calls.append(Call(dict(request.headers), body))
        return await server.answer(json.loads(body))

    app = web.Application()
    app.router.add_post("/review", handle)
    runner = web.AppRunner(app, access_log=None, shutdown_timeout=0.5)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0, ssl_context=tls)
    await site.start()
    port = runner.addresses[0][1]
    server.url = f"{'https' if tls else 'http'}://127.0.0.1:{port}/review"
    try:
        yield server
    finally:
        await runner.cleanup()
