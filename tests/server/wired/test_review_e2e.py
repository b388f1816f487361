"""Every message decided as it is sent, end to end: the real local stack calls the app
server's `POST /api/review` (signed) for each SEND_MESSAGE, in both modes (`--local`,
where the server sets its room's handler by itself; `--aws --endpoint-url`, the stack
apart mapping the Lambda ARN to the server's route), and what a denied message reaches:
only its sender, as ERROR 406 with the reason."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from websockets.asyncio.client import ClientConnection

from tests.server.conftest import start_aws_server
from tests.server.wired.helpers import (
    LENIENT,
    WAIT,
    api,
    chat,
    closed,
    keeper_live,
    send,
    until,
)
from tui.emulator import Emulator, EmulatorConfig
from tui.server.boot.startup import RunningServer, local_review_arn, start_server
from tui.server.settings import ServerSettings

LAMBDA = "arn:aws:lambda:us-east-1:123456789012:function:ivs-chat-tui-review"
SECRET = "a-review-secret-for-these-tests"
REVIEW_MS = 5000
"""The stack's wait for the review (IVS's is 200 ms): a loaded test machine must not
turn a slow answer into the fallback, which these tests do not ask about."""


async def _start(
    mode: str, tmp_path: Path, stack: list[Emulator], **settings: Any
) -> RunningServer:
    """The app server with its room's review handler on, in `mode`; `stack` gets the
    local stack started apart ("aws")."""
    if mode == "local":
        server = await start_server(
            ServerSettings(
                mode="local", host="127.0.0.1", port=0, data_dir=tmp_path, **LENIENT, **settings
            ),
            emulator_config=EmulatorConfig(review_timeout_ms=REVIEW_MS),
        )
        return await keeper_live(server)
    emu = Emulator(EmulatorConfig(review_secret=SECRET, review_timeout_ms=REVIEW_MS))
    await emu.start()
    stack.append(emu)
    server = await start_aws_server(
        emu, tmp_path, review_handler_arn=LAMBDA, review_secret=SECRET, **LENIENT, **settings
    )
    emu.map_review_handler(LAMBDA, f"{server.url}/api/review")
    return await keeper_live(server)


@pytest.fixture(params=["local", "aws"])
async def reviewed(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[RunningServer]:
    stack: list[Emulator] = []
    server = await _start(request.param, tmp_path / "data", stack)
    try:
        yield server
    finally:
        await server.stop()
        for emu in stack:
            await emu.stop()


async def refused(ws: ClientConnection, content: str, request_id: str) -> dict[str, Any]:
    """Send `content` and return the ERROR that answers it (no echo comes)."""
    await send(ws, content, request_id)
    error = await until(ws, RequestId=request_id)
    assert error["Type"] == "ERROR", error
    return error


async def delivered(ws_sender: ClientConnection, host: ClientConnection, content: str) -> None:
    """`content` reaches the host. A sender's messages are reviewed and delivered in
    order, so any message the host was not shown before this one never reached it."""
    await send(ws_sender, content, "plain")
    shown = await until(host, Type="MESSAGE", Content=content)
    assert shown["Content"] == content


class Watch:
    """Every MESSAGE a client receives, in the background."""

    def __init__(self, ws: ClientConnection) -> None:
        self.contents: list[str] = []
        self._more = asyncio.Event()
        self._task = asyncio.create_task(self._read(ws))

    async def _read(self, ws: ClientConnection) -> None:
        async for raw in ws:
            frame = json.loads(raw)
            if frame.get("Type") == "MESSAGE":
                self.contents.append(frame["Content"])
                self._more.set()

    async def seen(self, content: str) -> None:
        async with asyncio.timeout(WAIT):
            while content not in self.contents:
                self._more.clear()
                await self._more.wait()

    async def close(self) -> None:
        self._task.cancel()
        await asyncio.gather(self._task, return_exceptions=True)


@pytest.mark.parametrize("action", ["ban", "timeout"])
async def test_a_stockpiled_token_after_a_ban_or_a_timeout_reaches_nobody(
    reviewed: RunningServer, action: str
) -> None:
    key = reviewed.broadcaster_key
    async with api(reviewed) as client:
        host = await client.grant("Host", key=key)
        raider = await client.grant("Raider")
        spare = await client.grant("Raider", raider["sessionKey"])  # kept unused
        other = await client.grant("Other")
        assert (await client.act(key, action=action, userId=raider["userId"]))[0] == 200
        async with chat(host) as ws_host, chat(other) as ws_other, chat(spare) as ws_raider:
            watch = Watch(ws_host)
            try:
                error = await refused(ws_raider, "I am back", "r1")
                assert error["ErrorCode"] == 406
                assert error["ErrorMessage"] == ("banned" if action == "ban" else "timed out")
                await send(ws_other, "after the raider", "o1")
                await watch.seen("after the raider")
                assert "I am back" not in watch.contents
            finally:
                await watch.close()


async def test_a_blocked_term_reaches_no_other_client(reviewed: RunningServer) -> None:
    key = reviewed.broadcaster_key
    async with api(reviewed) as client:
        status, _ = await client.call(
            "PUT", "/api/moderation/settings", key, {"blockedTerms": ["scam"]}
        )
        assert status == 200
        host = await client.grant("Host", key=key)
        alice = await client.grant("Alice")
        async with chat(host) as ws_host, chat(alice) as ws_alice:
            error = await refused(ws_alice, "free \u0455\u0441\u0430m here", "r1")  # Cyrillic
            assert (error["ErrorCode"], error["ErrorMessage"]) == (406, "blocked term")
            await send(ws_alice, "hello all", "r2")
            first = await until(ws_host, Type="MESSAGE")
            assert first["Content"] == "hello all"  # the blocked one never came first
        # The room keeper saw nothing to delete: it never reached the room. The log has
        # the review's refusal only, for moderators.
        _, log = await client.call("GET", "/api/moderation/log", key)
        assert [(r["action"], r["target"]["displayName"]) for r in log["records"]] == [
            ("refuse", "Alice")
        ]


async def test_a_flood_is_stopped_across_reconnects(reviewed: RunningServer) -> None:
    key = reviewed.broadcaster_key
    async with api(reviewed) as client:
        status, _ = await client.call(
            "PUT", "/api/moderation/settings", key, {"flood": {"messages": 3, "seconds": 60}}
        )
        assert status == 200
        host = await client.grant("Host", key=key)
        flooder = await client.grant("Flooder")
        spares = [await client.grant("Flooder", flooder["sessionKey"]) for _ in range(2)]
        async with chat(host) as ws_host:
            watch = Watch(ws_host)
            try:
                async with chat(flooder) as ws:
                    for n in range(3):
                        await send(ws, f"m{n}", f"r{n}")
                        await until(ws, RequestId=f"r{n}", Type="MESSAGE")
                # A new connection, the same identity: the count holds.
                async with chat(spares[0]) as ws:
                    error = await refused(ws, "m3", "r3")
                    assert (error["ErrorCode"], error["ErrorMessage"]) == (406, "flood")
                    # The flood times them out, which disconnects this token.
                    await closed(ws)
                # The next spare token sends nothing either.
                async with chat(spares[1]) as ws:
                    error = await refused(ws, "m4", "r4")
                    assert (error["ErrorCode"], error["ErrorMessage"]) == (406, "timed out")
                _, card = await client.call(
                    "GET", f"/api/moderation/users/{flooder['userId']}", key
                )
                assert "timedOutUntil" in card
                other = await client.grant("Other")
                async with chat(other) as ws:
                    await send(ws, "still here", "o1")
                    await watch.seen("still here")
                assert watch.contents == ["m0", "m1", "m2", "still here"]
            finally:
                await watch.close()


@pytest.mark.parametrize("mode", ["local", "aws"])
@pytest.mark.parametrize("fallback", ["allow", "deny"])
async def test_with_the_handler_down_the_fallback_applies(
    tmp_path: Path, mode: str, fallback: str
) -> None:
    stack: list[Emulator] = []
    server = await _start(mode, tmp_path / "data", stack, review_fallback=fallback)
    try:
        key = server.broadcaster_key
        async with api(server) as client:
            host = await client.grant("Host", key=key)
            alice = await client.grant("Alice")
            async with chat(host) as ws_host, chat(alice) as ws_alice:
                await delivered(ws_alice, ws_host, "while it answers")
                # The handler goes down: nothing answers at its address.
                emu = server.emulator or stack[0]
                arn = local_review_arn(emu.config) if server.emulator else LAMBDA
                emu.map_review_handler(arn, "http://127.0.0.1:9/api/review")
                await send(ws_alice, "while it is down", "r2")
                answer = await until(ws_alice, RequestId="r2")
                if fallback == "allow":  # chat stays up, unchecked
                    assert answer["Type"] == "MESSAGE"
                    await until(ws_host, Type="MESSAGE", Content="while it is down")
                else:  # the line holds: nobody sees anything unchecked
                    assert (answer["Type"], answer["ErrorCode"]) == ("ERROR", 406)
                    emu.map_review_handler(arn, f"{server.url}/api/review")
                    await delivered(ws_alice, ws_host, "back up")
    finally:
        await server.stop()
        for emu in stack:
            await emu.stop()
