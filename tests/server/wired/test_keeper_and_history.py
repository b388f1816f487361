"""The room keeper and the room's history end to end: the real local
stack and app server, raw HTTP, raw chat sockets, boto3 for the control-plane call."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from pathlib import Path

import boto3
from websockets.asyncio.client import ClientConnection

from tests.server.wired.helpers import WAIT, Api, api, chat, local_server, send, until
from tui.ivs.moderation_notice import EVENT_MODERATION
from tui.server.boot.startup import RunningServer, local_review_arn
from tui.server.moderation.keeper import KeeperHealth, RoomKeeper
from tui.server.moderation.records import KEEPER_USER_ID


def review_falls_back(server: RunningServer) -> None:
    """What the keeper is the second line for: the room's review handler fails (here
    unmapped, in `--local`; the "aws" server sets none), and its fallback ALLOW lets
    every message through unreviewed."""
    if server.emulator is not None:
        server.emulator.unmap_review_handler(local_review_arn(server.emulator.config))


def _keeper(server: RunningServer) -> RoomKeeper:
    moderation = server.service.moderation
    assert moderation is not None and moderation.keeper is not None
    return moderation.keeper


async def _seen(server: RunningServer, count: int) -> KeeperHealth:
    """Until the keeper (and so the history recorder) has seen `count` messages."""
    return await asyncio.wait_for(
        _keeper(server).wait_until(lambda h: h.messages_seen >= count), WAIT
    )


async def _history(client: Api, key: str, **query: str) -> tuple[int, dict]:
    return await client.call("GET", "/api/chat/history", key, **query)


async def test_the_keeper_deletes_a_blocked_term_for_everyone_and_logs_it(
    server: RunningServer,
) -> None:
    review_falls_back(server)
    async with api(server) as client:
        key = server.broadcaster_key
        await client.call("PUT", "/api/moderation/settings", key, {"blockedTerms": ["scam"]})
        host = await client.grant("Host", key=key)
        alice = await client.grant("Alice")
        async with chat(host) as ws_host, chat(alice) as ws_alice:
            # Cyrillic letters that look like Latin ones are folded.
            await send(ws_alice, "free \u0455\u0441\u0430m here")
            sent = await until(ws_alice, Type="MESSAGE")
            for ws in (ws_host, ws_alice):
                # The deletion and the notice, in either order.
                seen = await _events(ws, "aws:DELETE_MESSAGE", EVENT_MODERATION)
                gone, notice = seen["aws:DELETE_MESSAGE"], seen[EVENT_MODERATION]
                assert gone["Attributes"]["MessageId"] == sent["Id"]
                assert gone["Attributes"]["Reason"] == "blocked term"
                assert notice["Attributes"]["action"] == "delete"
                assert notice["Attributes"]["automatic"] == "true"
                # It names the message, so a TUI can say the two as one line.
                assert notice["Attributes"]["messageId"] == sent["Id"]
            # A plain message stays.
            await send(ws_alice, "hello all", "r2")
            kept = await until(ws_host, Type="MESSAGE", Content="hello all")
        _, log = await client.call("GET", "/api/moderation/log", key)
        (record,) = log["records"]
        assert record["action"] == "delete" and record["automatic"] is True
        assert record["actor"]["userId"] == KEEPER_USER_ID
        assert record["target"]["userId"] == alice["userId"]
        assert record["reason"] == "blocked term 'scam'"
        # History: the deleted message is gone, the other one is there.
        await _seen(server, 2)
        _, page = await _history(client, alice["sessionKey"])
        assert [m["Id"] for m in page["messages"]] == [kept["Id"]]


async def test_a_flood_brings_one_automatic_timeout(server: RunningServer) -> None:
    review_falls_back(server)
    async with api(server) as client:
        key = server.broadcaster_key
        await client.call(
            "PUT",
            "/api/moderation/settings",
            key,
            {"flood": {"messages": 3, "seconds": 60, "timeoutSeconds": 120}},
        )
        alice = await client.grant("Alice")
        async with chat(alice) as ws:
            for i in range(6):
                await send(ws, f"message {i}", f"r{i}")
            notice = await _timeout_notice(ws)
            assert notice["Attributes"]["targetUserId"] == alice["userId"]
        _, log = await client.call("GET", "/api/moderation/log", key)
        timeouts = [r for r in log["records"] if r["action"] == "timeout"]
        assert len(timeouts) == 1
        assert timeouts[0]["automatic"] is True and timeouts[0]["durationSeconds"] == 120
        again = await client.grant("Alice", alice["sessionKey"])
        assert "timedOutUntil" in again


async def _events(ws: ClientConnection, *names: str) -> dict[str, dict]:
    """The first EVENT frame of each name, whatever their order."""
    found: dict[str, dict] = {}
    while len(found) < len(names):
        got = await until(ws, Type="EVENT")
        if got["EventName"] in names:
            found.setdefault(got["EventName"], got)
    return found


async def _timeout_notice(ws: ClientConnection) -> dict:
    while True:
        notice = await until(ws, Type="EVENT", EventName=EVENT_MODERATION)
        if notice["Attributes"]["action"] == "timeout":
            return notice


async def test_history_serves_what_was_sent_after_an_id_or_a_time(
    server: RunningServer,
) -> None:
    async with api(server) as client:
        alice = await client.grant("Alice")
        key = alice["sessionKey"]
        async with chat(alice) as ws:
            ids = []
            for i in range(3):
                await send(ws, f"line {i}", f"r{i}")
                ids.append((await until(ws, Type="MESSAGE"))["Id"])
        await _seen(server, 3)
        status, page = await _history(client, key)
        assert status == 200 and page["complete"] is True
        assert [m["Id"] for m in page["messages"]] == ids
        first = page["messages"][0]
        assert first["Content"] == "line 0" and first["Sender"]["UserId"] == alice["userId"]
        _, after_id = await _history(client, key, after=ids[0])
        assert [m["Id"] for m in after_id["messages"]] == ids[1:]
        _, after_time = await _history(client, server.broadcaster_key, after=first["SendTime"])
        assert [m["Id"] for m in after_time["messages"]] == ids[1:]
        _, limited = await _history(client, key, limit="1")
        assert [m["Id"] for m in limited["messages"]] == ids[-1:]
        # Bad input, an unknown id, no key, a wrong key.
        for query in ({"after": "yesterday"}, {"limit": "0"}, {"limit": "1001"}):
            status, answer = await _history(client, key, **query)
            assert status == 400 and answer["message"], query
        status, answer = await _history(client, key, after="AbCdEfGhIjKl")
        assert status == 404 and "send time" in answer["message"]
        assert (await _history(client, ""))[0] == 401
        assert (await _history(client, "not-a-key"))[0] == 401


async def test_history_is_incomplete_across_a_keeper_outage(server: RunningServer) -> None:
    async with api(server) as client:
        alice = await client.grant("Alice")
        before = datetime.now(UTC) - timedelta(milliseconds=1)
        # A moderator (here boto3, as the broadcaster's tools would) disconnects the keeper.
        local = server.emulator is not None
        ivs = boto3.client(
            "ivschat",
            region_name="us-east-1",
            endpoint_url=server.url if local else server.settings.endpoint_url,
            aws_access_key_id=server.control_access_key_id if local else "test",
            aws_secret_access_key=server.control_secret_access_key if local else "test",
        )
        await asyncio.to_thread(
            ivs.disconnect_user, roomIdentifier=server.room_arn, userId=KEEPER_USER_ID
        )
        await asyncio.wait_for(
            _keeper(server).wait_until(lambda h: h.connections >= 2 and h.state == "live"), WAIT
        )
        after_outage = datetime.now(UTC)
        async with chat(alice) as ws:
            await send(ws, "after the outage")
            await until(ws, Type="MESSAGE")
        await _seen(server, 1)
        stamp = before.isoformat().replace("+00:00", "Z")
        _, across = await _history(client, alice["sessionKey"], after=stamp)
        assert across["complete"] is False
        _, since = await _history(
            client, alice["sessionKey"], after=after_outage.isoformat().replace("+00:00", "Z")
        )
        assert since["complete"] is True
        assert [m["Content"] for m in since["messages"]] == ["after the outage"]


async def test_history_survives_a_restart(tmp_path: Path) -> None:
    data = tmp_path / "data"
    async with await local_server(data) as first, api(first) as client:
        alice = await client.grant("Alice")
        async with chat(alice) as ws:
            await send(ws, "remember me")
            sent = await until(ws, Type="MESSAGE")
        await _seen(first, 1)
    async with await local_server(data) as second, api(second) as client:
        status, page = await _history(client, second.broadcaster_key)
        assert status == 200
        assert [m["Id"] for m in page["messages"]] == [sent["Id"]]
        assert page["messages"][0]["Content"] == "remember me"


async def test_the_keeper_deletes_a_stockpiled_token_s_message_and_disconnects_it(
    server: RunningServer,
) -> None:
    """With no review handler on the room (or a fallback ALLOW), a token minted before
    a ban still sends: the keeper, judging by the sender's standing now, deletes the
    message and disconnects the sender."""
    review_falls_back(server)
    async with api(server) as client:
        key = server.broadcaster_key
        host = await client.grant("Host", key=key)
        raider = await client.grant("Raider")
        spare = await client.grant("Raider", raider["sessionKey"])  # kept unused
        assert (await client.act(key, action="ban", userId=raider["userId"]))[0] == 200
        async with chat(host) as ws_host, chat(spare) as ws_raider:
            await send(ws_raider, "still here")
            sent = await until(ws_host, Type="MESSAGE", Content="still here")
            gone = await until(ws_host, Type="EVENT", EventName="aws:DELETE_MESSAGE")
            assert gone["Attributes"]["MessageId"] == sent["Id"]
            assert gone["Attributes"]["Reason"] == "banned"
            left = await until(ws_host, Type="EVENT", EventName="aws:DISCONNECT_USER")
            assert left["Attributes"]["UserId"] == raider["userId"]
            await asyncio.wait_for(ws_raider.wait_closed(), WAIT)
