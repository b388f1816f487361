"""A ban ends everything the user has, in the one action: their stage invites (revoked,
and DisconnectParticipant for every participant they were given), their session key on
every keyed route, and any moderator role (an unban does not give it back). The real
local stack and app server, raw HTTP: the stage needs the local stack's own stage, so
those tests run `serve --local`."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from tests.server.wired.helpers import Api, api, local_server
from tui.server.boot.startup import RunningServer


@pytest.fixture
async def live_local(tmp_path: Path) -> AsyncIterator[RunningServer]:
    """`serve --local` with lenient limits and its room keeper connected."""
    async with await local_server(tmp_path / "data") as running:
        yield running


async def _invited(client: Api, server: RunningServer, name: str) -> tuple[dict, dict]:
    """A viewer (their grant) with a stage invite redeemed (the redemption)."""
    await client.grant("Host", key=server.broadcaster_key)
    viewer = await client.grant(name)
    status, invite = await client.call(
        "POST", "/api/multihost/invite", server.broadcaster_key, {"userId": viewer["userId"]}
    )
    assert status == 201, invite
    redeemed = await _redeem(client, viewer, invite["inviteId"])
    assert redeemed[0] == 200, redeemed
    return viewer, {**redeemed[1], "inviteId": invite["inviteId"]}


async def _redeem(client: Api, viewer: dict, invite_id: str) -> tuple[int, Any]:
    return await client.call(
        "POST", "/api/multihost/redeem", viewer["sessionKey"], {"inviteId": invite_id}
    )


async def _join_stage(client: Api, participant_token: str) -> int:
    return (await client.call("POST", "/api/multihost/stage/join", participant_token))[0]


async def _on_stage(server: RunningServer, user_id: str) -> bool:
    found = await server.service.control.list_participants(server.stage_arn)
    return any(p.user_id == user_id and p.state == "CONNECTED" for p in found)


async def _open_page(client: Api, url: str) -> int:
    async with client.http.get(url) as page:
        return page.status


async def _ban(client: Api, server: RunningServer, user_id: str) -> dict[str, Any]:
    status, record = await client.act(
        server.broadcaster_key, action="ban", userId=user_id, banAddress=True, reason="raid"
    )
    assert status == 200, record
    return record


async def test_after_a_ban_the_invite_is_not_redeemed_nor_the_page_opened_nor_the_stage_joined(
    live_local: RunningServer,
) -> None:
    async with api(live_local) as client:
        bob, redeemed = await _invited(client, live_local, "Bob")
        await _ban(client, live_local, bob["userId"])
        status, refused = await _redeem(client, bob, redeemed["inviteId"])
        assert status == 403 and "banned" in refused["message"], refused
        # The link from before the ban, its one-time code unused, opens nothing.
        assert await _open_page(client, redeemed["joinUrl"]) in (403, 410)
        # Its participant token joins neither through the app server nor the stack.
        assert await _join_stage(client, redeemed["participantToken"]) in (403, 410)
        headers = {"Authorization": f"Bearer {redeemed['participantToken']}"}
        async with client.http.post(live_local.url + "/_local/stage/join", headers=headers) as r:
            assert r.status == 403
        assert not await _on_stage(live_local, bob["userId"])
        assert live_local.service.store.invite(redeemed["inviteId"]).revoked_at is not None


async def test_banned_while_on_stage_they_are_taken_off_and_cannot_rejoin(
    live_local: RunningServer,
) -> None:
    async with api(live_local) as client:
        bob, redeemed = await _invited(client, live_local, "Bob")
        assert await _join_stage(client, redeemed["participantToken"]) == 200
        assert await _on_stage(live_local, bob["userId"])
        await _ban(client, live_local, bob["userId"])
        assert not await _on_stage(live_local, bob["userId"])
        # Leaving and joining again does not work either.
        assert await _join_stage(client, redeemed["participantToken"]) in (403, 410)
        assert not await _on_stage(live_local, bob["userId"])


async def test_a_banned_session_key_fails_on_every_keyed_route(server: RunningServer) -> None:
    async with api(server) as client:
        await client.grant("Host", key=server.broadcaster_key)
        bob = await client.grant("Bob")
        key = bob["sessionKey"]
        assert (await client.call("GET", "/api/chat/history", key))[0] == 200
        await _ban(client, server, bob["userId"])
        status, refused = await client.call("GET", "/api/chat/history", key)
        assert status == 403 and refused["message"] == "you are banned from this chat: raid"
        assert (await client.token("Bob", key))[0] == 403
        status, _ = await client.call("POST", "/api/multihost/redeem", key, {"inviteId": "x"})
        assert status == 403


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("POST", "/api/moderation/actions", {"action": "timeout", "userId": "{viewer}"}),
        ("POST", "/api/moderation/actions", {"action": "unban", "userId": "{viewer}"}),
        ("GET", "/api/moderation/log", None),
        ("GET", "/api/moderation/users/{viewer}", None),
        ("GET", "/api/moderation/settings", None),
        ("PUT", "/api/moderation/settings", {"newIdentityWaitSeconds": 0}),
        ("GET", "/api/chat/history", None),
    ],
)
async def test_a_banned_moderator_loses_every_moderation_route(
    server: RunningServer, method: str, path: str, body: dict[str, Any] | None
) -> None:
    async with api(server) as client:
        await client.grant("Host", key=server.broadcaster_key)
        viewer = await client.grant("Bob")
        ana = await client.grant("Ana")
        status, _ = await client.act(server.broadcaster_key, action="mod", userId=ana["userId"])
        assert status == 200
        await _ban(client, server, viewer["userId"])  # so that an unban would apply
        path = path.replace("{viewer}", viewer["userId"])
        if body is not None:
            body = {
                k: v.replace("{viewer}", viewer["userId"]) if isinstance(v, str) else v
                for k, v in body.items()
            }
        # A moderator the line before: the route answers her.
        assert (await client.call("GET", "/api/moderation/log", ana["sessionKey"]))[0] == 200
        await _ban(client, server, ana["userId"])
        status, refused = await client.call(method, path, ana["sessionKey"], body)
        assert status == 403 and "banned" in refused["message"], refused
        # Nothing she asked happened.
        assert server.service.moderation is not None
        assert server.service.moderation.store.state(viewer["userId"]).banned_until is not None


async def test_a_ban_suspends_the_moderator_role_and_an_unban_leaves_a_viewer(
    server: RunningServer,
) -> None:
    async with api(server) as client:
        await client.grant("Host", key=server.broadcaster_key)
        ana = await client.grant("Ana")
        bob = await client.grant("Bob")
        await client.act(server.broadcaster_key, action="mod", userId=ana["userId"])
        await _ban(client, server, ana["userId"])
        status, card = await client.call(
            "GET", f"/api/moderation/users/{ana['userId']}", server.broadcaster_key
        )
        assert status == 200 and card["role"] == "viewer" and "bannedUntil" in card
        status, _ = await client.act(server.broadcaster_key, action="unban", userId=ana["userId"])
        assert status == 200
        again = await client.grant("Ana", ana["sessionKey"])
        assert again["role"] == "viewer"
        status, refused = await client.act(
            ana["sessionKey"], action="timeout", userId=bob["userId"]
        )
        assert status == 403 and "only the broadcaster and moderators" in refused["message"]
