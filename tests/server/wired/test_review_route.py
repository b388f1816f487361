"""`POST /api/review` over a real app server in both modes: signed calls over loopback,
as the local stack and the Lambda forwarder make them, and the standing, address,
blocked-term, flood and role checks, each with its fixed Reason."""

from __future__ import annotations

import asyncio
import json
import logging
import time
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from tests.server.wired.helpers import WAIT, Api, api, local_server
from tui.common.review_signature import SIGNATURE_HEADER, sign
from tui.server.boot.startup import RunningServer


def payload(user_id: str, content: str = "hello", **sender: Any) -> dict[str, Any]:
    return {
        "Content": content,
        "MessageId": "AbCdEfGhIjKl",
        "RoomArn": "arn:aws:ivschat:us-east-1:123456789012:room/AbCdEfGhIjKl",
        "Attributes": {},
        "Sender": {"UserId": user_id, "Attributes": {"role": "viewer"}, "Ip": "", **sender},
    }


async def post(
    server: RunningServer, http: aiohttp.ClientSession, body: Any, header: str | None = "sign"
) -> tuple[int, Any]:
    raw = json.dumps(body).encode()
    headers = {"Content-Type": "application/json"}
    if header == "sign":
        headers[SIGNATURE_HEADER] = sign(server.review_secret, raw, time.time())
    elif header is not None:
        headers[SIGNATURE_HEADER] = header
    async with http.post(server.url + "/api/review", data=raw, headers=headers) as resp:
        return resp.status, await resp.json()


async def review(server: RunningServer, client: Api, body: dict[str, Any]) -> dict[str, Any]:
    status, answer = await post(server, client.http, body)
    assert status == 200, answer
    return answer


def denied(answer: dict[str, Any]) -> str | None:
    """The Reason of a DENY, or None for an ALLOW."""
    if answer == {"ReviewResult": "ALLOW"}:
        return None
    assert answer["ReviewResult"] == "DENY", answer
    return str(answer["Attributes"]["Reason"])


async def test_unsigned_wrong_and_stale_signatures_are_refused(
    server: RunningServer, caplog: pytest.LogCaptureFixture
) -> None:
    body = payload("viewer-x")
    raw = json.dumps(body).encode()
    stale = sign(server.review_secret, raw, time.time() - 120)
    wrong = sign("not-the-secret-at-all", raw, time.time())
    caplog.set_level(logging.WARNING, "tui.server.review")
    async with api(server) as client:
        for header in (None, "garbage", wrong, stale):
            status, answer = await post(server, client.http, body, header)
            assert status == 403
            assert answer == {"status": 403, "message": "forbidden"}  # nothing that helps
        # A body changed after signing fails too.
        headers = {
            SIGNATURE_HEADER: sign(server.review_secret, raw, time.time()),
            "Content-Type": "application/json",
        }
        tampered = json.dumps(payload("broadcaster-x")).encode()
        async with client.http.post(
            server.url + "/api/review", data=tampered, headers=headers
        ) as resp:
            assert resp.status == 403
    said = [r.getMessage() for r in caplog.records if r.name == "tui.server.review"]
    assert any("does not match" in line for line in said)
    assert any("from now" in line for line in said)
    assert any("no X-Ivs-Chat-Tui-Signature header" in line for line in said)


async def test_a_viewer_in_good_standing_is_allowed(server: RunningServer) -> None:
    async with api(server) as client:
        grant = await client.grant("Alice")
        assert denied(await review(server, client, payload(grant["userId"]))) is None
        # A body that is no payload is refused in words, signed or not.
        status, answer = await post(server, client.http, {"Content": "x"})
        assert status == 400 and "Sender" in answer["message"]


async def test_the_access_log_keeps_refused_reviews_and_skips_answered_ones(
    server: RunningServer, caplog: pytest.LogCaptureFixture
) -> None:
    """The review is called once per chat message: a line per answer would bury the log
    at the room's rate, so only the calls that are not answered 200 are logged."""
    caplog.set_level(logging.INFO, "tui.server")
    async with api(server) as client:
        grant = await client.grant("Alice")
        for _ in range(3):
            assert denied(await review(server, client, payload(grant["userId"]))) is None
        assert (await post(server, client.http, payload(grant["userId"]), None))[0] == 403
        await client.grant("Bob")
    access = [r.getMessage() for r in caplog.records if r.name == "tui.server"]
    assert [line for line in access if "/api/review" in line] == ["POST /api/review 403"]
    assert any(line.startswith("POST /api/chat/token") for line in access)


async def test_banned_and_timed_out_senders_are_denied_by_user_id(server: RunningServer) -> None:
    key = server.broadcaster_key
    async with api(server) as client:
        await client.grant("Host", key=key)
        banned = await client.grant("Banned")
        timed = await client.grant("Timed")
        assert (await client.act(key, action="ban", userId=banned["userId"]))[0] == 200
        assert (await client.act(key, action="timeout", userId=timed["userId"]))[0] == 200
        assert denied(await review(server, client, payload(banned["userId"]))) == "banned"
        assert denied(await review(server, client, payload(timed["userId"]))) == "timed out"
        assert (await client.act(key, action="untimeout", userId=timed["userId"]))[0] == 200
        assert denied(await review(server, client, payload(timed["userId"]))) is None


async def test_a_banned_address_is_denied_by_sender_ip(server: RunningServer) -> None:
    key = server.broadcaster_key
    async with api(server) as client:
        await client.grant("Host", key=key)
        other = await client.grant("Other")
        banned = await client.grant("Raider")  # its token came from 127.0.0.1
        status, _ = await client.act(key, action="ban", userId=banned["userId"], banAddress=True)
        assert status == 200
        call = payload(other["userId"], Ip="127.0.0.1")
        assert denied(await review(server, client, call)) == "banned"
        assert denied(await review(server, client, payload(other["userId"], Ip="10.1.2.3"))) is None


async def test_a_blocked_term_is_denied(server: RunningServer) -> None:
    key = server.broadcaster_key
    async with api(server) as client:
        viewer = await client.grant("Viewer")
        status, _ = await client.call(
            "PUT", "/api/moderation/settings", key, {"blockedTerms": ["spam"]}
        )
        assert status == 200
        answer = await review(server, client, payload(viewer["userId"], "buy SPAM now"))
        assert denied(answer) == "blocked term"
        assert "spam" not in json.dumps(answer).lower()  # the list is not given away
        assert denied(await review(server, client, payload(viewer["userId"], "spammer"))) is None


async def test_a_flood_is_denied_and_brings_a_timeout(server: RunningServer) -> None:
    key = server.broadcaster_key
    async with api(server) as client:
        await client.grant("Host", key=key)
        viewer = await client.grant("Flooder")
        status, _ = await client.call(
            "PUT", "/api/moderation/settings", key, {"flood": {"messages": 3, "seconds": 60}}
        )
        assert status == 200
        verdicts = [
            denied(await review(server, client, payload(viewer["userId"], f"m{i}")))
            for i in range(5)
        ]
        assert verdicts[:4] == [None, None, None, "flood"]
        assert verdicts[4] in ("flood", "timed out")  # the timeout is applied meanwhile

        async def timed_out() -> None:
            while True:
                _, card = await client.call("GET", f"/api/moderation/users/{viewer['userId']}", key)
                if "timedOutUntil" in card:
                    return
                await asyncio.sleep(0.02)

        await asyncio.wait_for(timed_out(), WAIT)
        _, log = await client.call("GET", "/api/moderation/log", key, userId=viewer["userId"])
        assert [r["action"] for r in log["records"]] == ["timeout"]  # one, not one a message
        assert denied(await review(server, client, payload(viewer["userId"]))) == "timed out"


async def test_a_token_that_claims_more_than_the_standing_is_denied(server: RunningServer) -> None:
    key = server.broadcaster_key
    async with api(server) as client:
        host = await client.grant("Host", key=key)
        mod = await client.grant("Mod")
        viewer = await client.grant("Viewer")
        assert (await client.act(key, action="mod", userId=mod["userId"]))[0] == 200
        as_mod = payload(mod["userId"], Attributes={"role": "moderator"})
        assert denied(await review(server, client, as_mod)) is None
        assert (await client.act(key, action="unmod", userId=mod["userId"]))[0] == 200
        assert denied(await review(server, client, as_mod)) == "role changed"
        as_host = payload(viewer["userId"], Attributes={"role": "broadcaster"})
        assert denied(await review(server, client, as_host)) == "role changed"
        real_host = payload(host["userId"], "spam spam", Attributes={"role": "broadcaster"})
        assert denied(await review(server, client, real_host)) is None


async def test_the_route_is_exempt_from_per_address_budgets(tmp_path: Path) -> None:
    # The strictest budgets: one wrong key, one token request at once.
    async with (
        await local_server(
            tmp_path / "data", wrong_key_burst=1, token_burst=1, token_rate_per_minute=0.01
        ) as server,
        api(server) as client,
    ):
        await client.grant("Alice")  # the address's one token request
        for _ in range(5):
            status, _ = await post(server, client.http, payload("x"), "t=1,v1=00")
            assert status == 403
        for n in range(20):  # many senders, one address: the Lambda's
            assert denied(await review(server, client, payload(f"viewer-{n}"))) is None
