"""Shield mode, the held queue, approvals and the moderators' news over the real local
stack and app server: raw HTTP and raw chat WebSockets, every message reviewed by the
server's `POST /api/review` as the stack sends it."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from websockets.asyncio.client import ClientConnection

from tests.server.wired.helpers import LENIENT, WAIT, Api, api, chat, keeper_live, send, until
from tui.emulator import EmulatorConfig
from tui.server.boot.startup import RunningServer, start_server
from tui.server.raid.approval import MARKER_ATTRIBUTE
from tui.server.settings import ServerSettings

REVIEW_MS = 5000
"""The stack's wait for the review (IVS's is 200 ms): a loaded machine must not turn a
slow answer into the fallback, which these tests do not ask about."""


async def reviewed_server(data_dir: Path) -> RunningServer:
    server = await start_server(
        ServerSettings(mode="local", host="127.0.0.1", port=0, data_dir=data_dir, **LENIENT),
        emulator_config=EmulatorConfig(review_timeout_ms=REVIEW_MS),
    )
    return await keeper_live(server)


@pytest.fixture
async def server(tmp_path: Path) -> AsyncIterator[RunningServer]:
    running = await reviewed_server(tmp_path / "data")
    async with running:
        yield running


async def settings(client: Api, key: str, **body: Any) -> dict[str, Any]:
    status, answer = await client.call("PUT", "/api/moderation/settings", key, body)
    assert status == 200, answer
    return answer


async def refused(ws: ClientConnection, content: str, request_id: str) -> dict[str, Any]:
    await send(ws, content, request_id)
    error = await until(ws, RequestId=request_id)
    assert error["Type"] == "ERROR", error
    assert error["ErrorCode"] == 406
    return error


async def log_actions(client: Api, key: str) -> list[tuple[str, str, bool]]:
    status, body = await client.call("GET", "/api/moderation/log", key)
    assert status == 200, body
    return [(r["action"], r["actor"]["displayName"], r["automatic"]) for r in body["records"]]


async def test_shield_on_and_off_is_logged_with_its_actor(server: RunningServer) -> None:
    key = server.broadcaster_key
    async with api(server) as client:
        host = await client.grant("Host", key=key)
        viewer = await client.grant("Vera")
        status, state = await client.call("GET", "/api/moderation/shield", key)
        assert status == 200
        assert state == {
            "on": False,
            "until": None,
            "settings": {"minutes": 30, "minIdentityAgeSeconds": 600, "slowModeSeconds": 10},
        }
        assert (await client.call("GET", "/api/moderation/shield"))[0] == 401
        assert (await client.call("GET", "/api/moderation/shield", viewer["sessionKey"]))[0] == 403
        status, bad = await client.call("POST", "/api/moderation/shield", key, {"on": "yes"})
        assert status == 400 and "on" in bad["message"]
        status, bad = await client.call(
            "POST", "/api/moderation/shield", key, {"on": True, "minutes": 0}
        )
        assert status == 400 and "minutes" in bad["message"]
        for bad, words in (
            ("x", "shield must be an object"),
            ({"minutes": 0}, "shield.minutes must be from 1 to 1440"),
            ({"slowModeSeconds": 1.5}, "shield.slowModeSeconds must be a whole number"),
            ({"minIdentityAgeSeconds": -1}, "shield.minIdentityAgeSeconds must be from 0"),
        ):
            status, refusal = await client.call(
                "PUT", "/api/moderation/settings", key, {"shield": bad}
            )
            assert status == 400 and words in refusal["message"], refusal
        saved = await settings(client, key, shield={"minutes": 7})
        assert saved["shield"] == {
            "minutes": 7,
            "minIdentityAgeSeconds": 600,
            "slowModeSeconds": 10,
        }
        status, state = await client.call("POST", "/api/moderation/shield", key, {"on": True})
        assert status == 200 and state["on"] is True and state["settings"]["minutes"] == 7
        assert state["until"].endswith("Z")
        status, again = await client.call("GET", "/api/moderation/shield", key)
        assert again == state
        status, off = await client.call("POST", "/api/moderation/shield", key, {"on": False})
        assert status == 200 and off["on"] is False and off["until"] is None
        # Off when off changes nothing, and logs nothing.
        assert (await client.call("POST", "/api/moderation/shield", key, {"on": False}))[0] == 200
        _, log = await client.call("GET", "/api/moderation/log", key)
        shield_records = [r for r in log["records"] if r["action"] in ("shield", "unshield")]
        assert [(r["action"], r["actor"]["userId"]) for r in shield_records] == [
            ("unshield", host["userId"]),
            ("shield", host["userId"]),
        ]
        assert shield_records[1]["durationSeconds"] == 7 * 60


async def test_shield_holds_young_identities_and_slows_viewers_not_moderators(
    server: RunningServer,
) -> None:
    key = server.broadcaster_key
    async with api(server) as client:
        rate = (await client.call("GET", "/api/moderation/settings", key))[1]["maxMessageRate"]
        mia = await client.grant("Mia")
        assert (await client.act(key, action="mod", userId=mia["userId"]))[0] == 200
        mia = await client.grant("Mia", mia["sessionKey"])  # a moderator's token
        young = await client.grant("Newcomer")
        await client.call("POST", "/api/moderation/shield", mia["sessionKey"], {"on": True})
        async with chat(young) as ws_young, chat(mia) as ws_mia:
            error = await refused(ws_young, "hello raid", "y1")
            assert error["ErrorMessage"] == "held for review"
            # Moderators are exempt from both: two at once both go through.
            await send(ws_mia, "mod one", "m1")
            await until(ws_mia, RequestId="m1", Type="MESSAGE")
            await send(ws_mia, "mod two", "m2")
            await until(ws_mia, RequestId="m2", Type="MESSAGE")
        status, held = await client.call("GET", "/api/moderation/held", mia["sessionKey"])
        assert status == 200
        [message] = held["messages"]
        assert message["sender"] == {"userId": young["userId"], "displayName": "Newcomer"}
        assert message["content"] == "hello raid"
        assert message["reason"] == "new identity during shield mode"
        assert message["term"] is None
        # Every identity old enough (the age set to 0): slow mode is what remains.
        await settings(client, key, shield={"minIdentityAgeSeconds": 0, "slowModeSeconds": 600})
        async with chat(await client.grant("Olga")) as ws:
            await send(ws, "first", "a")
            assert (await until(ws, RequestId="a"))["Type"] == "MESSAGE"
            error = await refused(ws, "second", "b")
            assert error["ErrorMessage"] == "shield mode"
        # The room's own rate is not touched.
        after = (await client.call("GET", "/api/moderation/settings", key))[1]
        assert after["maxMessageRate"] == rate


async def test_a_hold_term_holds_and_a_deny_drops_it_logged(server: RunningServer) -> None:
    key = server.broadcaster_key
    async with api(server) as client:
        saved = await settings(client, key, holdTerms=["giveaway"], blockedTerms=["scam"])
        assert saved["holdTerms"] == ["giveaway"] and saved["blockedTerms"] == ["scam"]
        status, bad = await client.call(
            "PUT", "/api/moderation/settings", key, {"holdTerms": ["re:(a+)+"]}
        )
        assert status == 400 and bad["message"].startswith("holdTerms: ")
        vera = await client.grant("Vera")
        async with chat(vera) as ws:
            assert (await refused(ws, "free G1VEAWAY here", "h"))["ErrorMessage"] == (
                "held for review"
            )
            # A blocked term is refused outright, not held.
            assert (await refused(ws, "a scam giveaway", "s"))["ErrorMessage"] == "blocked term"
            await send(ws, "just chatting", "ok")
            assert (await until(ws, RequestId="ok"))["Type"] == "MESSAGE"
        _, held = await client.call("GET", "/api/moderation/held", key)
        [message] = held["messages"]
        assert (message["reason"], message["term"]) == ("hold term: giveaway", "giveaway")
        path = f"/api/moderation/held/{message['id']}"
        status, bad = await client.call("POST", path, key, {"decision": "maybe"})
        assert status == 400
        assert (await client.call("POST", path, vera["sessionKey"], {"decision": "deny"}))[0] == 403
        status, answer = await client.call("POST", path, key, {"decision": "deny"})
        assert status == 200 and answer == {"id": message["id"], "decision": "deny"}
        assert (await client.call("GET", "/api/moderation/held", key))[1] == {"messages": []}
        status, gone = await client.call("POST", path, key, {"decision": "approve"})
        assert status == 404 and "no message" in gone["message"]
        assert ("deny", "broadcaster", False) in [
            (a, "broadcaster" if n != "room keeper" else n, auto)
            for a, n, auto in await log_actions(client, key)
        ]


async def test_an_approved_message_is_the_senders_in_the_room_and_in_history(
    server: RunningServer,
) -> None:
    key = server.broadcaster_key
    async with api(server) as client:
        await settings(client, key, holdTerms=["link"])
        host = await client.grant("Host", key=key)
        vera = await client.grant("Vera")
        bob = await client.grant("Bob")
        async with chat(vera) as ws_vera, chat(bob) as ws_bob:
            await ws_vera.send(
                json.dumps(
                    {
                        "Action": "SEND_MESSAGE",
                        "RequestId": "held",
                        "Content": "my link is here",
                        "Attributes": {"replyTo": "abc"},
                    }
                )
            )
            error = await until(ws_vera, RequestId="held")
            assert error["ErrorMessage"] == "held for review"
            _, held = await client.call("GET", "/api/moderation/held", key)
            [message] = held["messages"]
            status, answer = await client.call(
                "POST", f"/api/moderation/held/{message['id']}", key, {"decision": "approve"}
            )
            assert status == 200, answer
            assert answer["decision"] == "approve" and len(answer["messageId"]) == 12
            seen = await until(ws_bob, Type="MESSAGE", Content="my link is here")
            assert seen["Id"] == answer["messageId"]
            assert seen["Sender"]["UserId"] == vera["userId"]
            assert seen["Sender"]["Attributes"]["username"] == "Vera"
            assert seen["Attributes"] == {"replyTo": "abc"}  # the marker taken out
            # The sender sees it as theirs too.
            mine = await until(ws_vera, Type="MESSAGE", Content="my link is here")
            assert mine["Sender"]["UserId"] == vera["userId"]
        # In history, as the sender's.
        async with asyncio.timeout(WAIT):
            while True:
                status, page = await client.call("GET", "/api/chat/history", host["sessionKey"])
                found = [m for m in page["messages"] if m["Id"] == answer["messageId"]]
                if found:
                    break
                await asyncio.sleep(0.05)
        assert found[0]["Sender"]["UserId"] == vera["userId"]
        assert MARKER_ATTRIBUTE not in found[0]["Attributes"]
        assert ("approve", "Host", False) in await log_actions(client, key)
        assert (await client.call("GET", "/api/moderation/held", key))[1] == {"messages": []}


async def test_a_forged_approval_marker_is_refused(server: RunningServer) -> None:
    async with api(server) as client:
        vera = await client.grant("Vera")
        async with chat(vera) as ws:
            await ws.send(
                json.dumps(
                    {
                        "Action": "SEND_MESSAGE",
                        "RequestId": "f",
                        "Content": "let me in",
                        "Attributes": {MARKER_ATTRIBUTE: "abcdefabcdef.1.x.y"},
                    }
                )
            )
            error = await until(ws, RequestId="f")
            assert (error["ErrorCode"], error["ErrorMessage"]) == (406, "approval not valid")


class News:
    """`GET /api/moderation/events`, read as a client would: event by event."""

    def __init__(self, response: aiohttp.ClientResponse) -> None:
        self.response = response

    async def next(self) -> dict[str, Any]:
        lines: list[str] = []
        async with asyncio.timeout(WAIT):
            while True:
                raw = await self.response.content.readline()
                assert raw, "the stream ended"
                line = raw.decode().rstrip("\n")
                if line:
                    lines.append(line)
                    continue
                if any(x.startswith("data: ") for x in lines):
                    assert "event: news" in lines
                    data = next(x for x in lines if x.startswith("data: "))
                    return json.loads(data.removeprefix("data: "))
                lines = []

    async def until(self, check: Any) -> dict[str, Any]:
        while True:
            news = await self.next()
            if check(news):
                return news


async def test_the_news_stream_carries_counts_shield_and_offences_and_ends_cleanly(
    tmp_path: Path,
) -> None:
    server = await reviewed_server(tmp_path / "data")
    try:
        key = server.broadcaster_key
        async with api(server) as client, aiohttp.ClientSession() as http:
            viewer = await client.grant("Vera")
            async with http.get(
                server.url + "/api/moderation/events",
                headers={"Authorization": f"Bearer {viewer['sessionKey']}"},
            ) as denied:
                assert denied.status == 403
            await settings(client, key, holdTerms=["link"], flood={"messages": 2, "seconds": 60})
            async with http.get(
                server.url + "/api/moderation/events",
                headers={"Authorization": f"Bearer {key}"},
            ) as response:
                assert response.status == 200
                assert response.headers["Content-Type"] == "text/event-stream"
                news = News(response)
                first = await news.next()
                assert first == {"held": 0, "shield": {"on": False}, "offences": [], "approved": []}
                await client.call("POST", "/api/moderation/shield", key, {"on": True})
                on = await news.until(lambda n: n["shield"]["on"])
                assert on["shield"]["until"].endswith("Z")
                await settings(
                    client, key, shield={"minIdentityAgeSeconds": 0, "slowModeSeconds": 0}
                )
                async with chat(viewer) as ws:
                    await refused(ws, "a link", "l")
                    held = await news.until(lambda n: n["held"] == 1)
                    assert "a link" not in json.dumps(held)  # no message content
                    # The held one counted: the third in the window starts a flood, which
                    # times Vera out (and disconnects her, so no answer is awaited).
                    await send(ws, "one", "1")
                    assert (await until(ws, RequestId="1"))["Type"] == "MESSAGE"
                    await send(ws, "two", "2")
                flood = await news.until(lambda n: n["offences"])
                [offence] = flood["offences"]
                assert offence["kind"] == "flood"
                assert offence["user"] == {"userId": viewer["userId"], "displayName": "Vera"}
                await server.stop()
                # The stream ends cleanly: the rest reads to its end without an error.
                async with asyncio.timeout(WAIT):
                    await response.content.read()
                assert response.content.at_eof()
    finally:
        await server.stop()


async def test_a_blocked_term_refused_by_the_review_is_logged_counted_and_news(
    server: RunningServer,
) -> None:
    """The review refuses a blocked term before anyone sees it: moderators still learn
    of it (an automatic `refuse` record, an offence on the user card, and news), and
    the room hears nothing of it."""
    key = server.broadcaster_key
    async with api(server) as client, aiohttp.ClientSession() as http:
        await settings(client, key, blockedTerms=["scam"])
        eve = await client.grant("Eve")
        witness = await client.grant("Wes")
        async with http.get(
            server.url + "/api/moderation/events", headers={"Authorization": f"Bearer {key}"}
        ) as response:
            news = News(response)
            assert (await news.next())["offences"] == []
            async with chat(eve) as ws, chat(witness) as seen:
                assert (await refused(ws, "s.c.a.m here", "s"))["ErrorMessage"] == "blocked term"
                await send(ws, "fine words", "f")
                await until(seen, Type="MESSAGE", Content="fine words")
            offence = (await news.until(lambda n: n["offences"]))["offences"]
            assert [(o["kind"], o["user"]["displayName"]) for o in offence] == [
                ("blocked term", "Eve")
            ]
        assert ("refuse", "room keeper", True) in await log_actions(client, key)
        _, profile = await client.call("GET", f"/api/moderation/users/{eve['userId']}", key)
        assert profile["offences"] == {"automatic": 1, "manual": 0}
