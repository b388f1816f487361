"""Two app servers on one Postgres and one local IVS stack, as behind a load balancer.

Instance A is `ivs-chat-tui serve` in a child process (so it can be killed, SIGKILL, no
cleanup); instance B runs in this process. Both are `serve --aws --create --endpoint-url`
against the same local IVS stack (the standalone stack a real deployment would use with
several instances, or AWS itself), with `--database-url` the same fresh database. Each
client call names the instance it goes through; nothing is shared but the database and
the room.
"""

from __future__ import annotations

import asyncio
import signal
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import aiohttp
import psycopg

from tests.server.conftest import start_aws_server
from tests.server.serve_process import ServeProcess, start_serve
from tests.server.wired.helpers import LENIENT, WAIT, Api, chat, keeper_live, send, until
from tui.emulator import Emulator
from tui.server.boot.startup import RunningServer


@asynccontextmanager
async def two_instances(
    emulator: Emulator, tmp_path: Path, database_url: str
) -> AsyncIterator[tuple[ServeProcess, RunningServer]]:
    """A (child process, started first: it creates the room and stage) and B (here)."""
    a = await start_serve(emulator.url, tmp_path / "a", database_url, LENIENT)
    try:
        b = await start_aws_server(emulator, tmp_path / "b", database_url=database_url, **LENIENT)
        async with await keeper_live(b):
            yield a, b
    finally:
        await a.stop()


async def _health(api: Api) -> dict[str, Any]:
    return await api.call("GET", "/healthz")  # type: ignore[return-value]


async def keeper_live_at(api: Api) -> None:
    """Until the instance's room keeper is connected (its health says so)."""
    while True:
        _, body = await _health(api)
        if body.get("keeper", {}).get("state") == "live":
            return
        await asyncio.sleep(0.05)


async def test_a_token_from_a_and_the_invite_redeemed_through_b(
    emulator: Emulator, tmp_path: Path, postgres_url: str
) -> None:
    async with (
        two_instances(emulator, tmp_path, postgres_url) as (a, b),
        aiohttp.ClientSession() as http,
    ):
        assert a.banner["Room"] == b.room_arn and a.banner["Stage"] == b.stage_arn
        assert a.banner["Broadcaster key"].split()[0] == b.broadcaster_key
        via_a, via_b = Api(a.url, http), Api(b.url, http)
        alice = await via_a.grant("Alice")
        again = await via_b.grant("Alice", alice["sessionKey"])  # the same identity at B
        assert again["userId"] == alice["userId"]
        status, invite = await via_b.call(
            "POST",
            "/api/multihost/invite",
            b.broadcaster_key,
            {"userId": alice["userId"], "broadcastType": "realtime"},
        )
        assert status == 201, invite
        status, redemption = await via_b.call(
            "POST", "/api/multihost/redeem", alice["sessionKey"], {"inviteId": invite["inviteId"]}
        )
        assert status == 200, redemption
        link = redemption["joinUrl"]
        path = link[link.index("/multihost/") :]
        # The one-time link works once, through either instance.
        async with http.get(a.url + path) as first:
            assert first.status == 200
            assert redemption["participantToken"] in await first.text()
        async with http.get(b.url + path) as second:
            assert second.status == 410
            assert "used already" in await second.text()
        async with http.get(a.url + path) as third:
            assert third.status == 410


async def test_a_ban_made_through_a_is_refused_through_b(
    emulator: Emulator, tmp_path: Path, postgres_url: str
) -> None:
    async with (
        two_instances(emulator, tmp_path, postgres_url) as (a, b),
        aiohttp.ClientSession() as http,
    ):
        via_a, via_b = Api(a.url, http), Api(b.url, http)
        alice = await via_b.grant("Alice")
        status, record = await via_a.act(
            b.broadcaster_key, action="ban", userId=alice["userId"], reason="spam links"
        )
        assert status == 200, record
        status, refused = await via_b.token("Alice", alice["sessionKey"])
        assert status == 403
        assert refused["message"] == "you are banned from this chat: spam links"
        _, log = await via_b.call("GET", "/api/moderation/log", b.broadcaster_key)
        assert [r["action"] for r in log["records"]] == ["ban"]
        status, _ = await via_b.act(b.broadcaster_key, action="unban", userId=alice["userId"])
        assert status == 200
        assert (await via_a.token("Alice", alice["sessionKey"]))[0] == 200


async def test_a_blocked_term_is_acted_on_once_by_two_keepers(
    emulator: Emulator, tmp_path: Path, postgres_url: str
) -> None:
    """Both instances' keepers see the message; one deletes it and logs it, once. The
    settings were changed through A; B's keeper follows them too."""
    async with (
        two_instances(emulator, tmp_path, postgres_url) as (a, b),
        aiohttp.ClientSession() as http,
    ):
        via_a, via_b = Api(a.url, http), Api(b.url, http)
        status, _ = await via_a.call(
            "PUT", "/api/moderation/settings", b.broadcaster_key, {"blockedTerms": ["scam"]}
        )
        assert status == 200
        moderation = b.service.moderation
        assert moderation is not None and moderation.keeper is not None
        # B reads them again every SETTINGS_FOLLOW_SECONDS (no event crosses instances).
        while moderation.settings.blocked_terms != ("scam",):  # noqa: ASYNC110
            await asyncio.sleep(0.05)
        await keeper_live_at(via_a)
        alice = await via_b.grant("Alice")
        async with chat(alice) as ws:
            await send(ws, "a scam link")
            sent = await until(ws, Type="MESSAGE")
            deleted = await until(ws, Type="EVENT", EventName="aws:DELETE_MESSAGE")
            assert deleted["Attributes"]["MessageID"] == sent["Id"]
            await send(ws, "a fine line", "r2")  # after the deletion, in order
            await until(ws, Type="MESSAGE", Content="a fine line")
        while True:  # both keepers have seen both messages
            _, health_a = await _health(via_a)
            if (
                health_a["keeper"]["messagesSeen"] >= 2
                and moderation.keeper.health().messages_seen >= 2
            ):
                break
            await asyncio.sleep(0.05)
        _, log = await via_a.call("GET", "/api/moderation/log", b.broadcaster_key)
        deletions = [r for r in log["records"] if r["action"] == "delete"]
        assert len(deletions) == 1 and deletions[0]["automatic"] is True
        _, health_a = await _health(via_a)
        assert health_a["keeper"]["deletions"] + moderation.keeper.health().deletions == 1


async def test_a_killed_mid_stream_loses_nothing_from_bs_history(
    emulator: Emulator, tmp_path: Path, postgres_url: str
) -> None:
    async with (
        two_instances(emulator, tmp_path, postgres_url) as (a, b),
        aiohttp.ClientSession() as http,
    ):
        via_a, via_b = Api(a.url, http), Api(b.url, http)
        # The flood limits would time the sender out: this is a steady stream, not a flood.
        status, _ = await via_a.call(
            "PUT",
            "/api/moderation/settings",
            b.broadcaster_key,
            {"flood": {"messages": 100_000, "seconds": 1}},
        )
        assert status == 200
        moderation = b.service.moderation
        assert moderation is not None and moderation.keeper is not None
        while moderation.settings.flood.messages != 100_000:  # noqa: ASYNC110 (as above)
            await asyncio.sleep(0.05)
        await keeper_live_at(via_a)
        alice = await via_a.grant("Alice")
        sent: list[str] = []
        async with chat(alice) as ws:
            for i in range(40):
                if i == 15:
                    await _a_recorded_past_bs_start(b, postgres_url)
                    a.kill()
                    await a.process.wait()
                await send(ws, f"line {i}", f"r{i}")
                sent.append((await until(ws, Type="MESSAGE", Content=f"line {i}"))["Id"])
                # A steady rate, under the room's 10 a second (IVS's default limit).
                await asyncio.sleep(0.15)
        assert a.process.returncode == -signal.SIGKILL
        await asyncio.wait_for(
            moderation.keeper.wait_until(lambda h: h.messages_seen >= len(sent)), WAIT
        )
        status, page = await via_b.call("GET", "/api/chat/history", b.broadcaster_key, limit="1000")
        assert status == 200
        assert [m["Id"] for m in page["messages"]] == sent
        assert page["complete"] is True


async def _a_recorded_past_bs_start(b: RunningServer, database_url: str) -> None:
    """Until A's coverage reaches past the moment B's began: the kill then leaves no
    moment that neither recorded (A's heartbeat is written once a second)."""
    assert b.service.history is not None
    mine = b.service.history.coverage.recorder
    with psycopg.connect(database_url, autocommit=True) as db:
        while True:
            row = db.execute(
                "SELECT (SELECT max(end_us) FROM coverage_intervals WHERE recorder <> %s),"
                " (SELECT min(start_us) FROM coverage_intervals WHERE recorder = %s)",
                (mine, mine),
            ).fetchone()
            if row is not None and row[0] is not None and row[1] is not None and row[0] > row[1]:
                return
            await asyncio.sleep(0.05)


async def test_a_lost_database_connection_is_503_in_words_then_comes_back(
    emulator: Emulator, tmp_path: Path, postgres_url: str
) -> None:
    """Postgres drops the server's connections (a restart, a failover): a request that
    finds a connection gone is a 503 that says so, and that connection is opened again
    on its next use. The server holds three (identities, moderation, history), so within
    three requests every one is back."""
    server = await start_aws_server(emulator, tmp_path / "b", database_url=postgres_url, **LENIENT)
    async with await keeper_live(server), aiohttp.ClientSession() as http:
        api = Api(server.url, http)
        alice = await api.grant("Alice")
        with psycopg.connect(postgres_url, autocommit=True) as db:
            db.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                " WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
        answers = [await api.token("Alice", alice["sessionKey"]) for _ in range(4)]
        assert answers[0] == (
            503,
            {
                "status": 503,
                "message": "the app server cannot reach its database just now; try again shortly",
            },
        )
        assert all(status in (200, 503) for status, _ in answers)
        assert answers[-1][0] == 200 and answers[-1][1]["userId"] == alice["userId"]
