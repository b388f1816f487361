"""The Emulator object itself: mounting on another app, stopping, test aids, accounts."""

from __future__ import annotations

from typing import Any

import aiohttp
import pytest
import websockets
from aiohttp import web
from websockets.exceptions import ConnectionClosed

from tests.emulator.helpers import call, client, connect, new_room, token_for
from tui.emulator import CLOSE_SESSION_EXPIRED, Emulator
from tui.ivs.protocol import messaging_url


async def test_mounts_on_an_app_that_has_its_own_routes() -> None:
    async def hello(request: web.Request) -> web.Response:
        return web.json_response({"hello": "from the app server"})

    app = web.Application()
    app.router.add_get("/api/hello", hello)
    emulator = Emulator()
    emulator.setup(app)
    runner = web.AppRunner(app, shutdown_timeout=2.0)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    base = f"http://127.0.0.1:{runner.addresses[0][1]}"
    try:
        async with aiohttp.ClientSession() as http, http.get(f"{base}/api/hello") as response:
            assert await response.json() == {"hello": "from the app server"}
        realtime = client("ivs-realtime", emulator_at(base))
        stage = (await call(realtime.create_stage, name="mounted"))["stage"]
        # Not started on its own, it advertises the address the request came to.
        assert stage["endpoints"]["whip"] == f"{base}/_local/whip"
        chat = client("ivschat", emulator_at(base))
        room = await new_room(chat)
        token = await token_for(chat, room)
        sock_url = messaging_url(base)
        async with websockets.connect(sock_url, subprotocols=[token]) as ws:  # type: ignore[list-item]
            assert ws.subprotocol == token
    finally:
        await runner.cleanup()


def emulator_at(base: str) -> Any:
    """Something with a `url`, for `client()`."""

    class At:
        url = base

    return At()


async def test_stop_closes_open_sockets_with_1001() -> None:
    emulator = Emulator()
    await emulator.start()
    chat = client("ivschat", emulator)
    token = await token_for(chat, await new_room(chat))
    async with connect(emulator, token) as sock:
        await emulator.stop()
        with pytest.raises(ConnectionClosed) as info:
            await sock.recv()
    assert info.value.rcvd is not None
    assert info.value.rcvd.code == 1001


async def test_drop_connections_is_an_abnormal_close(emulator: Emulator, chat: Any) -> None:
    room = await new_room(chat)
    async with (
        connect(emulator, await token_for(chat, room, "alice")) as alice,
        connect(emulator, await token_for(chat, room, "bob")) as bob,
    ):
        assert emulator.drop_connections("alice") == 1
        with pytest.raises(ConnectionClosed) as info:
            await alice.recv()
        assert info.value.rcvd is None  # no close frame: the network "failed"
        await call(chat.send_event, roomIdentifier=room, eventName="bob-still-on")
        assert (await bob.recv())["EventName"] == "bob-still-on"


async def test_end_sessions_sends_401_and_closes_4401(emulator: Emulator, chat: Any) -> None:
    room = await new_room(chat)
    async with connect(emulator, await token_for(chat, room)) as sock:
        assert emulator.end_sessions() == 1
        assert (await sock.recv())["ErrorCode"] == 401
        with pytest.raises(ConnectionClosed) as info:
            await sock.recv()
    assert info.value.rcvd is not None
    assert info.value.rcvd.code == CLOSE_SESSION_EXPIRED


async def test_another_accounts_room_is_access_denied(chat: Any, realtime: Any) -> None:
    with pytest.raises(chat.exceptions.AccessDeniedException):
        await call(chat.get_room, identifier="arn:aws:ivschat:us-east-1:999999999999:room/abc")
    with pytest.raises(realtime.exceptions.AccessDeniedException):
        await call(realtime.get_stage, arn="arn:aws:ivs:us-east-1:999999999999:stage/abc")


async def test_region_and_account_are_configurable(start_emulator: Any) -> None:
    emulator = await start_emulator(region="eu-west-1", account_id="111122223333")
    chat = client("ivschat", emulator)
    arn = await new_room(chat)
    assert arn.startswith("arn:aws:ivschat:eu-west-1:111122223333:room/")


def test_url_before_start_says_so() -> None:
    with pytest.raises(RuntimeError, match="not started"):
        _ = Emulator().url
