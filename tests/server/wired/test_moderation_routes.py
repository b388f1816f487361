"""Moderation end to end: the real local stack and app server, raw HTTP and
raw chat sockets."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from tests.server.wired.helpers import Api, api, chat, closed, local_server, until
from tui.ivs.moderation_notice import EVENT_MODERATION
from tui.server.boot.startup import RunningServer, StartupError


async def _people(client: Api, server: RunningServer) -> tuple[dict, dict, dict]:
    host = await client.grant("Host", key=server.broadcaster_key)
    alice = await client.grant("Alice")
    bob = await client.grant("Bob")
    return host, alice, bob


async def test_ban_refuses_a_token_with_the_reason_and_disconnects_and_unban_lifts_it(
    server: RunningServer,
) -> None:
    async with api(server) as client:
        host, alice, _ = await _people(client, server)
        async with chat(host) as ws_host, chat(alice) as ws_alice:
            status, record = await client.act(
                server.broadcaster_key, action="ban", userId=alice["userId"], reason="spam links"
            )
            assert status == 200, record
            assert record["action"] == "ban" and record["target"]["userId"] == alice["userId"]
            assert record["actor"]["displayName"] == "Host" and record["automatic"] is False
            # The notice comes before the disconnect, to everyone.
            notice = await until(ws_host, Type="EVENT", EventName=EVENT_MODERATION)
            assert notice["Attributes"]["targetUserId"] == alice["userId"]
            assert notice["Attributes"]["renew"] == "false"
            await until(ws_alice, Type="EVENT", EventName="aws:DISCONNECT_USER")
            await closed(ws_alice)
        status, refused = await client.token("Alice", alice["sessionKey"])
        assert status == 403
        assert refused["message"] == "you are banned from this chat: spam links"
        status, _ = await client.act(server.broadcaster_key, action="unban", userId=alice["userId"])
        assert status == 200
        again = await client.grant("Alice", alice["sessionKey"])
        assert again["userId"] == alice["userId"]


async def test_timeout_gives_read_only_tokens_until_it_ends(server: RunningServer) -> None:
    async with api(server) as client:
        _, alice, _ = await _people(client, server)
        async with chat(alice) as ws_alice:
            status, record = await client.act(
                server.broadcaster_key, action="timeout", userId=alice["userId"], durationSeconds=60
            )
            assert status == 200 and record["durationSeconds"] == 60
            notice = await until(ws_alice, Type="EVENT", EventName=EVENT_MODERATION)
            assert notice["Attributes"]["renew"] == "true"
            await closed(ws_alice)
        read_only = await client.grant("Alice", alice["sessionKey"])
        until_text = read_only["timedOutUntil"]
        left = datetime.fromisoformat(until_text) - datetime.now(UTC)
        assert 50 < left.total_seconds() <= 60
        async with chat(read_only) as ws:
            await ws.send('{"Action":"SEND_MESSAGE","RequestId":"x","Content":"hi"}')
            refusal = await until(ws, Type="ERROR")
            assert refusal["ErrorCode"] == 403
        # When it ends, a sending token (and the message review lets it through).
        moderation = server.service.moderation
        assert moderation is not None
        real = moderation.clock
        moderation.clock = lambda: real() + 61
        try:
            sending = await client.grant("Alice", alice["sessionKey"])
            assert "timedOutUntil" not in sending
            async with chat(sending) as ws:
                await ws.send('{"Action":"SEND_MESSAGE","RequestId":"y","Content":"back"}')
                echo = await until(ws, Type="MESSAGE")
                assert echo["Content"] == "back"
        finally:
            moderation.clock = real


async def test_a_moderator_gets_the_badge_and_may_act_on_viewers_only(
    server: RunningServer,
) -> None:
    async with api(server) as client:
        host, alice, bob = await _people(client, server)
        carol = await client.grant("Carol")
        status, _ = await client.act(server.broadcaster_key, action="mod", userId=alice["userId"])
        assert status == 200
        mod = await client.grant("Alice", alice["sessionKey"])
        assert mod["role"] == "moderator"
        async with chat(mod) as ws:
            await ws.send('{"Action":"SEND_MESSAGE","RequestId":"m","Content":"hello"}')
            echo = await until(ws, Type="MESSAGE")
            assert echo["Sender"]["Attributes"] == {"username": "Alice", "role": "moderator"}
        key = alice["sessionKey"]
        status, record = await client.act(key, action="timeout", userId=bob["userId"])
        assert status == 200 and record["actor"]["userId"] == alice["userId"]
        status, refused = await client.act(key, action="timeout", userId=host["userId"])
        assert status == 403 and "broadcaster" in refused["message"]
        await client.act(server.broadcaster_key, action="mod", userId=carol["userId"])
        status, refused = await client.act(key, action="ban", userId=carol["userId"])
        assert status == 403 and "another moderator" in refused["message"]
        # A viewer may not moderate at all; no key is 401.
        status, refused = await client.act(bob["sessionKey"], action="ban", userId=carol["userId"])
        assert status == 403
        status, _ = await client.call("POST", "/api/moderation/actions", None, {"action": "ban"})
        assert status == 401
        status, _ = await client.call("GET", "/api/moderation/log", "no-such-key")
        assert status == 401


@pytest.mark.parametrize(
    ("body", "status", "words"),
    [
        ({"action": "smite"}, 400, "unknown action"),
        ({"action": "timeout", "durationSeconds": -5}, 400, "at least 1 second"),
        ({"action": "timeout", "durationSeconds": 10**9}, 400, "at most"),
        ({"action": "ban", "durationSeconds": 1.5}, 400, "whole number"),
        ({"action": "unban"}, 400, "not banned"),
        ({"action": "ban", "target": "broadcaster"}, 403, "yourself"),
        ({"action": "ban", "userId": "viewer-nobody"}, 404, "no user"),
    ],
)
async def test_bad_input_is_refused_in_words_and_changes_nothing(
    server: RunningServer, body: dict, status: int, words: str
) -> None:
    async with api(server) as client:
        host, alice, _ = await _people(client, server)
        body = dict(body)
        target = body.pop("target", None)
        body.setdefault("userId", host["userId"] if target else alice["userId"])
        got, answer = await client.act(server.broadcaster_key, **body)
        assert got == status and words in answer["message"], answer
        _, log = await client.call("GET", "/api/moderation/log", server.broadcaster_key)
        assert log == {"records": []}
        assert (await client.grant("Alice", alice["sessionKey"])).get("timedOutUntil") is None


async def test_bad_requests_in_shape(server: RunningServer) -> None:
    async with api(server) as client:
        key = server.broadcaster_key
        status, answer = await client.call("POST", "/api/moderation/actions", key, [1, 2])
        assert status == 400 and "JSON object" in answer["message"]
        async with client.http.post(
            client.url + "/api/moderation/actions",
            headers={"Authorization": f"Bearer {key}", "Content-Type": "application/json"},
            data=b"{not json",
        ) as resp:
            assert resp.status == 400 and "not valid JSON" in (await resp.json())["message"]
        status, answer = await client.call("GET", "/api/moderation/log", key, limit="0")
        assert status == 400 and "limit" in answer["message"]


async def test_the_log_newest_first_filtered_by_user_and_the_user_route(
    server: RunningServer,
) -> None:
    async with api(server) as client:
        host, alice, bob = await _people(client, server)
        key = server.broadcaster_key
        await client.act(key, action="timeout", userId=alice["userId"], reason="caps")
        await client.act(key, action="timeout", userId=bob["userId"])
        await client.act(key, action="untimeout", userId=alice["userId"])
        _, everything = await client.call("GET", "/api/moderation/log", key)
        actions = [(r["action"], r["target"]["displayName"]) for r in everything["records"]]
        assert actions == [("untimeout", "Alice"), ("timeout", "Bob"), ("timeout", "Alice")]
        _, hers = await client.call("GET", "/api/moderation/log", key, userId=alice["userId"])
        assert [r["action"] for r in hers["records"]] == ["untimeout", "timeout"]
        assert hers["records"][1]["reason"] == "caps"
        _, one = await client.call("GET", "/api/moderation/log", key, limit="1")
        assert len(one["records"]) == 1
        status, card = await client.call("GET", f"/api/moderation/users/{bob['userId']}", key)
        assert status == 200
        assert card["userId"] == bob["userId"] and card["displayName"] == "Bob"
        assert card["role"] == "viewer" and "timedOutUntil" in card and "createdAt" in card
        _, host_card = await client.call("GET", f"/api/moderation/users/{host['userId']}", key)
        assert host_card["role"] == "broadcaster"
        status, _ = await client.call("GET", "/api/moderation/users/viewer-nobody", key)
        assert status == 404


async def test_settings_get_and_put_and_an_invalid_pattern_is_refused(
    server: RunningServer,
) -> None:
    async with api(server) as client:
        key = server.broadcaster_key
        _, alice, _ = await _people(client, server)
        status, settings = await client.call("GET", "/api/moderation/settings", key)
        assert status == 200
        assert settings == {
            "blockedTerms": [],
            "flood": {"messages": 5, "seconds": 5, "timeoutSeconds": 60},
            "newIdentityWaitSeconds": 0,
            "holdTerms": [],
            "shield": {"minutes": 30, "minIdentityAgeSeconds": 600, "slowModeSeconds": 10},
            "maxMessageRate": 10,
            "maxMessageLength": 500,
        }
        status, saved = await client.call(
            "PUT", "/api/moderation/settings", key, {"blockedTerms": ["spam", "re:sp[a4]+m"]}
        )
        assert status == 200 and saved["blockedTerms"] == ["spam", "re:sp[a4]+m"]
        for bad, words in (
            (["re:(unclosed"], "not valid"),
            (["re:(a+)+"], "repeat inside a repeat"),
            ([f"term{i}" for i in range(1001)], "at most 1000"),
            ([f"re:x{i}y" for i in range(51)], "more than 50 re: patterns"),
        ):
            status, refused = await client.call(
                "PUT", "/api/moderation/settings", key, {"blockedTerms": bad}
            )
            assert status == 400 and words in refused["message"], refused
        _, now = await client.call("GET", "/api/moderation/settings", key)
        assert now["blockedTerms"] == ["spam", "re:sp[a4]+m"]
        # Moderators read the settings; only the broadcaster changes them.
        await client.act(key, action="mod", userId=alice["userId"])
        status, _ = await client.call("GET", "/api/moderation/settings", alice["sessionKey"])
        assert status == 200
        status, _ = await client.call(
            "PUT", "/api/moderation/settings", alice["sessionKey"], {"blockedTerms": []}
        )
        assert status == 403


async def test_new_identities_wait_read_only(server: RunningServer) -> None:
    async with api(server) as client:
        key = server.broadcaster_key
        status, _ = await client.call(
            "PUT", "/api/moderation/settings", key, {"newIdentityWaitSeconds": 600}
        )
        assert status == 200
        newcomer = await client.grant("Newcomer")
        assert "timedOutUntil" in newcomer
        async with chat(newcomer) as ws:
            await ws.send('{"Action":"SEND_MESSAGE","RequestId":"x","Content":"hi"}')
            assert (await until(ws, Type="ERROR"))["ErrorCode"] == 403
        host = await client.grant("Host", key=key)
        assert "timedOutUntil" not in host


async def test_health_shows_the_keeper(server: RunningServer) -> None:
    async with api(server) as client, client.http.get(server.url + "/healthz") as resp:
        health = await resp.json()
    assert health["keeper"]["state"] == "live" and health["keeper"]["connections"] >= 1


async def test_the_blocked_terms_setting_applies_at_start_and_a_bad_one_is_refused(
    tmp_path: Path,
) -> None:
    async with (
        await local_server(tmp_path / "one", blocked_terms=["buy followers"]) as server,
        api(server) as client,
    ):
        _, settings = await client.call("GET", "/api/moderation/settings", server.broadcaster_key)
    assert settings["blockedTerms"] == ["buy followers"]
    with pytest.raises(StartupError) as refused:
        await local_server(tmp_path / "two", blocked_terms=["re:(unclosed"])
    assert "invalid blocked-terms setting" in str(refused.value)
    assert "is not valid" in str(refused.value)


async def test_a_ban_with_its_address_refuses_new_identities_from_there(
    server: RunningServer,
) -> None:
    async with api(server) as client:
        key = server.broadcaster_key
        _, alice, _ = await _people(client, server)
        status, record = await client.act(
            key, action="ban", userId=alice["userId"], banAddress=True
        )
        assert status == 200
        assert record["banAddress"] is True  # the log says the addresses went too
        # Every test client is on 127.0.0.1: a new name from there is refused too.
        status, refused = await client.token("Alicia")
        assert status == 403 and "network address is banned" in refused["message"]
        assert (await client.token("Host", key=key))[0] == 200  # never the broadcaster
        status, refused = await client.act(
            key, action="timeout", userId=alice["userId"], banAddress=True
        )
        assert status == 400 and "banAddress goes with ban" in refused["message"]
        await client.act(key, action="unban", userId=alice["userId"])
        assert (await client.token("Alicia"))[0] == 200
