"""The history route cannot be used to hold the server's memory: each identity has a
request budget, and a client that does not read its answer is cut off and its page let go."""

from __future__ import annotations

import asyncio
from pathlib import Path

import aiohttp
from aiohttp import web

from tests.ports import served
from tests.server.wired.helpers import WAIT, api, local_server
from tui.server.history.guard import PAGE_BURST, write_within


async def test_each_identity_has_its_own_history_budget(tmp_path: Path) -> None:
    async with await local_server(tmp_path / "data") as server, api(server) as client:
        alice = await client.grant("Alice")
        bob = await client.grant("Bob")
        for _ in range(PAGE_BURST):
            status, _ = await client.call("GET", "/api/chat/history", alice["sessionKey"])
            assert status == 200
        status, answer = await client.call("GET", "/api/chat/history", alice["sessionKey"])
        assert status == 429
        assert "too many history requests" in answer["message"]
        # Bob shares Alice's address (everyone here is 127.0.0.1), not her budget.
        assert (await client.call("GET", "/api/chat/history", bob["sessionKey"]))[0] == 200


async def test_a_client_that_does_not_read_is_dropped_and_its_answer_let_go() -> None:
    finished = asyncio.Event()
    body = b"[" + b"0," * (16 * 1024 * 1024) + b"0]"  # far more than loopback buffers hold

    async def handler(request: web.Request) -> web.StreamResponse:
        try:
            return await write_within(request, body, seconds=0.5)
        finally:
            finished.set()

    app = web.Application()
    app.router.add_get("/page", handler)
    async with served(app) as url:
        port = int(url.rsplit(":", 1)[1])
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.write(b"GET /page HTTP/1.1\r\nHost: x\r\n\r\n")
        await writer.drain()
        # Read nothing: the server gives up on us instead of holding the page.
        await asyncio.wait_for(finished.wait(), WAIT)
        got = 0
        try:
            while chunk := await asyncio.wait_for(reader.read(1 << 20), WAIT):
                got += len(chunk)
        except ConnectionResetError:
            pass
        writer.close()
    assert got < len(body)


async def test_a_client_that_reads_gets_the_whole_answer() -> None:
    body = b"[" + b"0," * (1024 * 1024) + b"0]"

    async def handler(request: web.Request) -> web.StreamResponse:
        return await write_within(request, body, seconds=WAIT)

    app = web.Application()
    app.router.add_get("/page", handler)
    async with (
        served(app) as url,
        aiohttp.ClientSession() as http,
        http.get(url + "/page") as response,
    ):
        assert response.headers["Content-Type"] == "application/json"
        assert await response.read() == body
