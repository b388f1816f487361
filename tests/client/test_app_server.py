"""AppServerClient: errors in the user's words, whatever goes wrong."""

from __future__ import annotations

import asyncio
import re
from pathlib import Path

import aiohttp
import pytest
from aiohttp import web

from tests.ports import closed_port
from tui.client.app_server import AppServerClient, AppServerError
from tui.server.boot.startup import RunningServer


async def test_unreachable_server() -> None:
    url = f"http://127.0.0.1:{closed_port()}"
    async with AppServerClient(url) as client:
        with pytest.raises(AppServerError) as exc:
            await client.chat_token("Alice")
        assert not await client.healthy()
    assert exc.value.status is None
    assert exc.value.message == (
        f"cannot reach the app server at {url}: connection refused — is it running?"
    )


@pytest.mark.parametrize("url", ["notaurl", "127.0.0.1:8750", "http://[::1", "http://h:99999"])
async def test_not_a_url_says_what_one_looks_like(url: str) -> None:
    async with AppServerClient(url) as client:
        with pytest.raises(AppServerError) as exc:
            await client.chat_token("Alice")
    assert exc.value.message == f"{url} is not a URL: use http://HOST:PORT"


async def test_server_message_is_the_error(local: RunningServer) -> None:
    async with AppServerClient(local.url) as client:
        with pytest.raises(AppServerError) as exc:
            await client.chat_token("\x1b]52;c;aGk=\x07")
        assert await client.healthy()
    assert exc.value.status == 400
    assert exc.value.message.startswith("the display name contains a control character")


async def test_redeem_needs_an_identity_first(local: RunningServer) -> None:
    async with AppServerClient(local.url) as client:
        with pytest.raises(AppServerError) as exc:
            await client.redeem("AAAAAAAAAAAA")
    assert exc.value.status is None and "get a chat token first" in exc.value.message


async def test_grant_gives_a_chat_token(local: RunningServer) -> None:
    async with AppServerClient(local.url) as client:
        grant = await client.chat_token("Alice")
    token = grant.chat_token()
    assert (token.token, token.url) == (grant.token, local.chat_url)
    assert token.session_expiration_time == grant.session_expiration_time


async def test_not_an_app_server(tmp_path: Path) -> None:
    # Something else answers on that port: the user learns that, not a parse error.
    async def hello(request: web.Request) -> web.Response:
        return web.Response(text="<html>hello</html>", content_type="text/html")

    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", hello)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    url = f"http://127.0.0.1:{runner.addresses[0][1]}"
    try:
        async with AppServerClient(url) as client:
            with pytest.raises(AppServerError) as exc:
                await client.chat_token("Alice")
        assert exc.value.status is None
        assert (
            exc.value.message == f"the app server at {url} gave an answer this client cannot read"
        )
    finally:
        await runner.cleanup()


async def test_unknown_api_path_answers_json(local: RunningServer) -> None:
    async with aiohttp.ClientSession() as http, http.get(local.url + "/api/chat/token") as resp:
        body = await resp.json()
    assert resp.status == 404 and body["message"] == "no such API: GET /api/chat/token"


async def test_a_call_after_the_app_server_restarted_gets_through() -> None:
    # The client keeps its connection between calls; a restart closed it at the server's
    # end, and the next call must not fail for that.
    async def ok(request: web.Request) -> web.Response:
        return web.json_response({"status": "ok"})

    async def start(port: int) -> web.AppRunner:
        app = web.Application()
        app.router.add_get("/healthz", ok)
        runner = web.AppRunner(app)
        await runner.setup()
        await web.TCPSite(runner, "127.0.0.1", port).start()
        return runner

    runner = await start(0)
    port = runner.addresses[0][1]
    async with AppServerClient(f"http://127.0.0.1:{port}") as client:
        try:
            assert await client.healthy()
            await runner.cleanup()
            runner = await start(port)
            assert await client.healthy()
        finally:
            await runner.cleanup()


async def test_closing_the_client_ends_a_call_under_way() -> None:
    # A server that reads the request and never answers: quitting the TUI closes the
    # client, and the call ends then, not after the client's timeout.
    asked = asyncio.Event()

    async def silent(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        head = await reader.readuntil(b"\r\n\r\n")
        # The whole request, body too, before the client is closed: the call is then
        # waiting for its answer (a close while the body is still being written ends it
        # with a broken pipe instead, a race this test is not about).
        length = re.search(rb"(?i)content-length: *(\d+)", head)
        await reader.readexactly(int(length.group(1)) if length else 0)
        asked.set()
        await reader.read()
        writer.close()

    server = await asyncio.start_server(silent, "127.0.0.1", 0)
    url = f"http://127.0.0.1:{server.sockets[0].getsockname()[1]}"
    async with server:
        client = AppServerClient(url, timeout=600)
        call = asyncio.create_task(client.chat_token("Alice"))
        await asked.wait()
        await client.close()
        with pytest.raises(AppServerError) as exc:
            await call
    assert exc.value.message == (
        f"cannot reach the app server at {url}: it closed the connection without answering"
    )


async def test_something_else_than_http_on_the_port_is_said_in_words() -> None:
    async def ssh(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.write(b"SSH-2.0-OpenSSH_9.6\r\n")
        await writer.drain()
        await reader.read()
        writer.close()

    server = await asyncio.start_server(ssh, "127.0.0.1", 0)
    url = f"http://127.0.0.1:{server.sockets[0].getsockname()[1]}"
    async with server, AppServerClient(url) as client:
        with pytest.raises(AppServerError) as exc:
            await client.chat_token("Alice")
    assert exc.value.message == f"the app server at {url} gave an answer this client cannot read"
