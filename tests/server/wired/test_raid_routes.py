"""Purge, shared notes on users and offence counts end to end: the real local stack and
app server (both modes), raw HTTP and raw chat sockets."""

from __future__ import annotations

import asyncio
from typing import Any

from websockets.asyncio.client import ClientConnection

from tests.server.wired.helpers import WAIT, Api, api, chat, send, until
from tests.server.wired.test_keeper_and_history import review_falls_back
from tui.server.boot.startup import RunningServer
from tui.server.raid.notes import NOTE_MAX_LENGTH


async def _seen(server: RunningServer, count: int) -> None:
    """Until the room keeper (and so the history) has seen `count` messages."""
    moderation = server.service.moderation
    assert moderation is not None and moderation.keeper is not None
    await asyncio.wait_for(moderation.keeper.wait_until(lambda h: h.messages_seen >= count), WAIT)


async def _purge_done(client: Api, key: str, record_id: int) -> dict[str, Any]:
    """Until the log record says its purge is done; that record."""
    while True:
        _, log = await client.call("GET", "/api/moderation/log", key)
        (record,) = [r for r in log["records"] if r["id"] == record_id]
        if record["purged"] is not None:
            return record
        await asyncio.sleep(0.05)


async def _deleted(ws: ClientConnection, count: int) -> set[str]:
    """The ids of the next `count` messages deleted (aws:DELETE_MESSAGE events)."""
    ids: set[str] = set()
    while len(ids) < count:
        event = await until(ws, Type="EVENT", EventName="aws:DELETE_MESSAGE")
        ids.add(event["Attributes"]["MessageId"])
    return ids


async def test_a_ban_with_purge_seconds_deletes_the_users_recent_messages_for_everyone(
    server: RunningServer,
) -> None:
    async with api(server) as client:
        key = server.broadcaster_key
        alice = await client.grant("Alice")
        bob = await client.grant("Bob")
        async with chat(alice) as ws_alice, chat(bob) as ws_bob:
            spam = []
            for i in range(3):
                await send(ws_alice, f"spam {i}", f"r{i}")
                spam.append((await until(ws_bob, Type="MESSAGE", Content=f"spam {i}"))["Id"])
            await send(ws_bob, "what was that", "b1")
            kept = (await until(ws_bob, Type="MESSAGE", Content="what was that"))["Id"]
            await _seen(server, 4)
            status, record = await client.act(
                key, action="ban", userId=alice["userId"], reason="raid", purgeSeconds=600
            )
            assert status == 200, record
            assert record["purgeQueued"] == 3
            # Bob, another client, sees each of Alice's messages go.
            assert await _deleted(ws_bob, 3) == set(spam)
        done = await _purge_done(client, key, record["id"])
        assert done["purged"] == 3 and done["purgeQueued"] == 3
        _, page = await client.call("GET", "/api/chat/history", bob["sessionKey"])
        assert [m["Id"] for m in page["messages"]] == [kept]


async def test_a_timeout_with_nothing_to_purge_is_done_at_once(server: RunningServer) -> None:
    async with api(server) as client:
        key = server.broadcaster_key
        alice = await client.grant("Alice")
        status, record = await client.act(
            key, action="timeout", userId=alice["userId"], durationSeconds=60, purgeSeconds=60
        )
        assert status == 200, record
        assert (record["purgeQueued"], record["purged"]) == (0, 0)
        # A ban without purgeSeconds has neither field.
        status, plain = await client.act(key, action="ban", userId=alice["userId"])
        assert status == 200 and "purgeQueued" not in plain and "purged" not in plain


async def test_purge_seconds_out_of_bounds_or_on_another_action_is_400_in_words(
    server: RunningServer,
) -> None:
    async with api(server) as client:
        key = server.broadcaster_key
        alice = await client.grant("Alice")
        user = alice["userId"]
        cases: list[tuple[dict[str, Any], str]] = [
            ({"action": "ban", "purgeSeconds": 3601}, "from 1 to 3600"),
            ({"action": "ban", "purgeSeconds": 0}, "from 1 to 3600"),
            ({"action": "timeout", "purgeSeconds": "600"}, "whole number of seconds"),
            ({"action": "timeout", "purgeSeconds": 1.5}, "whole number of seconds"),
            ({"action": "ban", "purgeSeconds": True}, "whole number of seconds"),
            ({"action": "disconnect", "purgeSeconds": 60}, "goes with ban or timeout"),
            ({"action": "unban", "purgeSeconds": 60}, "goes with ban or timeout"),
        ]
        for body, words in cases:
            status, answer = await client.act(key, userId=user, **body)
            assert status == 400, (body, answer)
            assert words in answer["message"], (body, answer)
        _, log = await client.call("GET", "/api/moderation/log", key)
        assert log["records"] == []  # a refused request logs nothing


async def test_notes_are_shared_by_moderators_cleaned_and_refused_to_viewers(
    server: RunningServer,
) -> None:
    async with api(server) as client:
        key = server.broadcaster_key
        await client.grant("Host", key=key)
        alice = await client.grant("Alice")
        mod = await client.grant("Mia")
        status, _ = await client.act(key, action="mod", userId=mod["userId"])
        assert status == 200
        path = f"/api/moderation/users/{alice['userId']}/notes"
        assert await client.call("GET", path, key) == (200, {"notes": []})
        status, first = await client.call("POST", path, key, {"text": "  warned about links  "})
        assert status == 201, first
        assert first["text"] == "warned about links"
        assert first["author"]["displayName"] == "Host"
        # Controls and bidi overrides are made visible before they are stored.
        hostile = "ok\x1b]52;c;cGF5bG9hZA==\x07\u202e\nnext"
        status, second = await client.call("POST", path, mod["sessionKey"], {"text": hostile})
        assert status == 201, second
        assert second["author"] == {"userId": mod["userId"], "displayName": "Mia"}
        assert "\x1b" not in second["text"] and "\x07" not in second["text"]
        assert "\u202e" not in second["text"] and "\n" not in second["text"]
        status, body = await client.call("GET", path, mod["sessionKey"])
        assert status == 200
        assert [n["id"] for n in body["notes"]] == [second["id"], first["id"]]  # newest first
        assert set(body["notes"][0]) == {"id", "at", "author", "text"}
        # Viewers may neither read nor write; no key is 401.
        assert (await client.call("GET", path, alice["sessionKey"]))[0] == 403
        assert (await client.call("POST", path, alice["sessionKey"], {"text": "x"}))[0] == 403
        assert (await client.call("GET", path))[0] == 401
        # Bad input is 400 in words and stores nothing.
        for bad, words in (
            ({"text": "x" * (NOTE_MAX_LENGTH + 1)}, f"at most {NOTE_MAX_LENGTH}"),
            ({"text": "   "}, "empty"),
            ({"text": 5}, "must be text"),
            ({}, "text is missing"),
            ([], "JSON object"),
        ):
            status, answer = await client.call("POST", path, key, bad)
            assert status == 400 and words in answer["message"], (bad, answer)
        assert len((await client.call("GET", path, key))[1]["notes"]) == 2
        # An unknown user has no notes to read or write.
        status, answer = await client.call("GET", "/api/moderation/users/nobody/notes", key)
        assert status == 404 and "nobody" in answer["message"]


async def test_the_user_profile_counts_automatic_and_manual_offences(
    server: RunningServer,
) -> None:
    review_falls_back(server)
    async with api(server) as client:
        key = server.broadcaster_key
        alice = await client.grant("Alice")
        bob = await client.grant("Bob")
        await client.call("PUT", "/api/moderation/settings", key, {"blockedTerms": ["scam"]})
        user = f"/api/moderation/users/{alice['userId']}"
        _, profile = await client.call("GET", user, key)
        assert profile["offences"] == {"automatic": 0, "manual": 0}
        async with chat(alice) as ws_alice, chat(bob) as ws_bob:
            # The review handler fails open, so the room keeper deletes it: automatic.
            await send(ws_alice, "a scam link")
            await send(ws_alice, "hello", "r2")
            hello = await until(ws_bob, Type="MESSAGE", Content="hello")
            await _seen(server, 2)
        while True:  # the keeper's deletion is logged
            _, log = await client.call("GET", "/api/moderation/log", key)
            if log["records"]:
                break
            await asyncio.sleep(0.05)
        for body in (
            {"action": "timeout", "userId": alice["userId"], "durationSeconds": 60},
            {"action": "untimeout", "userId": alice["userId"]},  # lifting one is no offence
            {"action": "delete", "messageId": hello["Id"]},
            {"action": "ban", "userId": bob["userId"]},  # someone else's
        ):
            status, answer = await client.act(key, **body)
            assert status == 200, answer
        _, profile = await client.call("GET", user, key)
        assert profile["offences"] == {"automatic": 1, "manual": 2}
