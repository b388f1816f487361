"""Purge and shared notes with two app servers on one Postgres and one local IVS stack
(`two_instances`: A a child process, B in this process): an action taken through one
instance is carried out by it, and what it writes is read through the other."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import aiohttp

from tests.server.test_two_instances import keeper_live_at, two_instances
from tests.server.wired.helpers import Api, chat, send, until
from tui.emulator import Emulator


async def _alice_in_history(via: Api, key: str, user_id: str, count: int) -> None:
    """Until the shared history holds `count` of the user's messages."""
    while True:
        _, page = await via.call("GET", "/api/chat/history", key)
        if sum(m["Sender"]["UserId"] == user_id for m in page["messages"]) >= count:
            return
        await asyncio.sleep(0.05)


async def _record(via: Api, key: str, record_id: int) -> dict[str, Any]:
    _, log = await via.call("GET", "/api/moderation/log", key)
    (record,) = [r for r in log["records"] if r["id"] == record_id]
    return record


async def test_a_purge_taken_through_a_is_done_by_a_and_logged_for_b(
    emulator: Emulator, tmp_path: Path, postgres_url: str
) -> None:
    async with (
        two_instances(emulator, tmp_path, postgres_url) as (a, b),
        aiohttp.ClientSession() as http,
    ):
        via_a, via_b = Api(a.url, http), Api(b.url, http)
        key = b.broadcaster_key
        await keeper_live_at(via_a)
        alice = await via_b.grant("Alice")
        bob = await via_a.grant("Bob")
        async with chat(alice) as ws_alice, chat(bob) as ws_bob:
            spam = []
            for i in range(3):
                await send(ws_alice, f"raid {i}", f"r{i}")
                spam.append((await until(ws_bob, Type="MESSAGE", Content=f"raid {i}"))["Id"])
            await _alice_in_history(via_b, key, alice["userId"], 3)
            status, record = await via_a.act(
                key, action="ban", userId=alice["userId"], purgeSeconds=300
            )
            assert status == 200, record
            assert record["purgeQueued"] == 3
            gone: set[str] = set()
            while len(gone) < 3:
                event = await until(ws_bob, Type="EVENT", EventName="aws:DELETE_MESSAGE")
                gone.add(event["Attributes"]["MessageId"])
            assert gone == set(spam)
        while True:  # A writes `purged` when it is done; B reads it from the store
            logged = await _record(via_b, key, record["id"])
            if logged["purged"] is not None:
                break
            await asyncio.sleep(0.05)
        assert logged["purged"] == 3
        # A did the deletions; B, which answered the log, did none.
        moderation = b.service.moderation
        assert moderation is not None and moderation.purger is not None
        assert moderation.purger.deleted == 0
        _, page = await via_b.call("GET", "/api/chat/history", key)
        assert not set(spam) & {m["Id"] for m in page["messages"]}


async def test_a_note_written_through_a_is_read_through_b(
    emulator: Emulator, tmp_path: Path, postgres_url: str
) -> None:
    async with (
        two_instances(emulator, tmp_path, postgres_url) as (a, b),
        aiohttp.ClientSession() as http,
    ):
        via_a, via_b = Api(a.url, http), Api(b.url, http)
        key = b.broadcaster_key
        alice = await via_a.grant("Alice")
        mia = await via_b.grant("Mia")
        assert (await via_b.act(key, action="mod", userId=mia["userId"]))[0] == 200
        path = f"/api/moderation/users/{alice['userId']}/notes"
        status, note = await via_a.call("POST", path, mia["sessionKey"], {"text": "raid leader"})
        assert status == 201, note
        status, first = await via_b.call("GET", path, key)
        assert status == 200 and first["notes"] == [note]
        status, _ = await via_b.call("POST", path, key, {"text": "banned once before"})
        assert status == 201
        _, both = await via_a.call("GET", path, mia["sessionKey"])
        assert [n["text"] for n in both["notes"]] == ["banned once before", "raid leader"]
        assert (await via_b.call("GET", path, alice["sessionKey"]))[0] == 403
        status, refused = await via_a.call("POST", path, key, {"text": "y" * 501})
        assert status == 400 and "at most 500" in refused["message"]
