"""Shield mode and the held queue on two app servers sharing one Postgres and one IVS
stack, as behind a load balancer: what one instance changes, the other answers, a
restart keeps it, and an approval made through one is reviewed by the other."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest

from tests.server.conftest import start_aws_server
from tests.server.raid.test_shield_and_held import (
    REVIEW_MS,
    News,
    log_actions,
    refused,
    settings,
)
from tests.server.wired.helpers import LENIENT, WAIT, api, chat, keeper_live, until
from tui.emulator import Emulator, EmulatorConfig
from tui.server.boot.startup import RunningServer

LAMBDA = "arn:aws:lambda:us-east-1:123456789012:function:ivs-chat-tui-review"
SECRET = "a-review-secret-both-instances-share"


@pytest.fixture
async def stack() -> AsyncIterator[Emulator]:
    async with Emulator(EmulatorConfig(review_secret=SECRET, review_timeout_ms=REVIEW_MS)) as emu:
        yield emu


async def instance(emu: Emulator, data_dir: Path, database_url: str) -> RunningServer:
    server = await start_aws_server(
        emu,
        data_dir,
        database_url=database_url,
        review_handler_arn=LAMBDA,
        review_secret=SECRET,
        **LENIENT,
    )
    return await keeper_live(server)


async def test_shield_and_the_queue_are_shared_and_survive_a_restart(
    stack: Emulator, tmp_path: Path, postgres_url: str
) -> None:
    a = await instance(stack, tmp_path / "a", postgres_url)
    b = await instance(stack, tmp_path / "b", postgres_url)
    try:
        stack.map_review_handler(LAMBDA, f"{b.url}/api/review")  # B reviews every message
        key = a.broadcaster_key
        assert b.broadcaster_key == key
        async with api(a) as via_a, api(b) as via_b:
            await settings(via_a, key, holdTerms=["link"])
            status, on = await via_a.call(
                "POST", "/api/moderation/shield", key, {"on": True, "minutes": 20}
            )
            assert status == 200 and on["on"]
            assert (await via_b.call("GET", "/api/moderation/shield", key))[1] == on
            # B follows the settings changed through A (it reads them every 2 s).
            moderation = b.service.moderation
            assert moderation is not None
            while moderation.settings.hold_terms != ("link",):  # noqa: ASYNC110
                await asyncio.sleep(0.05)
            host = await via_a.grant("Host", key=key)
            young = await via_b.grant("Newcomer")
            vera = await via_a.grant("Vera")
            async with chat(young) as ws_young:
                await refused(ws_young, "hi from a raider", "y")
            _, held = await via_a.call("GET", "/api/moderation/held", key)
            [raider] = held["messages"]
            assert raider["reason"] == "new identity during shield mode"
            # A restart of A keeps shield mode, its timer and the queue.
            await a.stop()
            a = await instance(stack, tmp_path / "a", postgres_url)
            async with api(a) as via_a2:
                assert (await via_a2.call("GET", "/api/moderation/shield", key))[1] == on
                _, again = await via_a2.call("GET", "/api/moderation/held", key)
                assert again == held
                # Approved through A, reviewed by B (the marker signed with the shared
                # secret, spent in the shared store), delivered as the sender's.
                again_host = await via_a2.grant("Host", host["sessionKey"], key=key)
                async with chat(again_host) as ws_host:
                    status, answer = await via_a2.call(
                        "POST", f"/api/moderation/held/{raider['id']}", key, {"decision": "approve"}
                    )
                    assert status == 200, answer
                    seen = await until(ws_host, Type="MESSAGE", Content="hi from a raider")
                    assert seen["Sender"]["UserId"] == young["userId"]
                # Decided once: the other instance finds it gone.
                path = f"/api/moderation/held/{raider['id']}"
                assert (await via_b.call("POST", path, key, {"decision": "deny"}))[0] == 404
            async with chat(await via_b.grant("Vera", vera["sessionKey"])) as ws_vera:
                await refused(ws_vera, "my link", "l")
            _, held = await via_b.call("GET", "/api/moderation/held", key)
            [linked] = held["messages"]
            assert linked["term"] == "link"
            # Time up, seen by both instances: it ends, logged once, by the room keeper.
            later = time.time() + 3600
            for server in (a, b):
                assert server.service.moderation is not None
                server.service.moderation.clock = lambda: later
            for server in (a, b):
                assert server.service.raid is not None
                server.service.raid.upkeep()
            async with api(a) as via_a3:
                _, off = await via_a3.call("GET", "/api/moderation/shield", key)
                assert off["on"] is False and off["until"] is None
                actions = await log_actions(via_a3, key)
            assert actions.count(("unshield", "room keeper", True)) == 1
            # ... and the held message expired with it (ten minutes at most).
            assert (await via_b.call("GET", "/api/moderation/held", key))[1] == {"messages": []}
    finally:
        await a.stop()
        await b.stop()


async def test_the_news_through_one_instance_follows_what_the_other_changes(
    stack: Emulator, tmp_path: Path, postgres_url: str
) -> None:
    a = await instance(stack, tmp_path / "a", postgres_url)
    b = await instance(stack, tmp_path / "b", postgres_url)
    try:
        stack.map_review_handler(LAMBDA, f"{b.url}/api/review")
        key = a.broadcaster_key
        async with api(b) as via_b, aiohttp.ClientSession() as http:
            young = await via_b.grant("Newcomer")
            async with http.get(
                a.url + "/api/moderation/events", headers={"Authorization": f"Bearer {key}"}
            ) as response:
                news = News(response)
                assert (await news.next())["shield"] == {"on": False}
                await via_b.call("POST", "/api/moderation/shield", key, {"on": True})
                await news.until(lambda n: n["shield"]["on"])
                async with chat(young) as ws:
                    await refused(ws, "raid!", "r")  # held by B's review
                await news.until(lambda n: n["held"] == 1)
                await a.stop()  # A's stream ends cleanly with A
                async with asyncio.timeout(WAIT):
                    await response.content.read()
                assert response.content.at_eof()
    finally:
        await a.stop()
        await b.stop()
