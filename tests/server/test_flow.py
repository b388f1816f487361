"""The invite flow end to end over HTTP and real chat WebSockets, in both modes."""

from __future__ import annotations

import html
import json
import time
from datetime import UTC, datetime

import aiohttp
import pytest
from websockets.asyncio.client import connect

from tests.server.conftest import next_event, next_frame
from tui.client.app_server import AppServerClient, AppServerError
from tui.ivs.events import CustomEvent
from tui.ivs.invites import parse_invite, rfc3339
from tui.ivs.protocol import EVENT_MULTIHOST_INVITE, new_id
from tui.server.boot.startup import RunningServer
from tui.server.domain_errors import INVITE_EXPIRED, INVITE_REVOKED


async def test_invite_flow(stack: RunningServer) -> None:
    host = AppServerClient(stack.url, broadcaster_key=stack.broadcaster_key)
    alice_client = AppServerClient(stack.url)
    bob_client = AppServerClient(stack.url)
    async with host, alice_client, bob_client, aiohttp.ClientSession() as browser:
        broadcaster = await host.chat_token("Host")
        alice = await alice_client.chat_token("Alice")
        bob = await bob_client.chat_token("Bob")
        assert (broadcaster.role, alice.role, bob.role) == ("broadcaster", "viewer", "viewer")
        assert len({broadcaster.user_id, alice.user_id, bob.user_id}) == 3
        assert alice.chat_url == stack.chat_url and alice.chat_url.startswith("ws://")

        async with (
            connect(alice.chat_url, subprotocols=[alice.token]) as ws_alice,  # type: ignore[list-item]
            connect(bob.chat_url, subprotocols=[bob.token]) as ws_bob,  # type: ignore[list-item]
        ):
            # The token's attributes carry the display name and role; viewers may not moderate.
            await ws_alice.send(
                json.dumps({"Action": "SEND_MESSAGE", "RequestId": "r1", "Content": "hi"})
            )
            echo, _ = await next_frame(ws_alice)
            assert echo["Sender"] == {
                "UserId": alice.user_id,
                "Attributes": {"username": "Alice", "role": "viewer"},
            }
            await next_frame(ws_bob)  # Bob sees Alice's message
            await ws_bob.send(
                json.dumps(
                    {"Action": "DISCONNECT_USER", "RequestId": "r2", "UserId": alice.user_id}
                )
            )
            refusal, _ = await next_frame(ws_bob)
            assert refusal["Type"] == "ERROR" and refusal["ErrorCode"] == 403

            # A viewer cannot invite: no key is 401, a wrong key 403.
            with pytest.raises(AppServerError) as no_key:
                await alice_client.invite(bob.user_id)
            assert no_key.value.status == 401
            async with AppServerClient(stack.url, broadcaster_key="not-the-key") as impostor:
                with pytest.raises(AppServerError) as wrong_key:
                    await impostor.invite(bob.user_id)
            assert wrong_key.value.status == 403

            invite = await host.invite(alice.user_id)
            event_alice, raw_alice = await next_event(ws_alice, EVENT_MULTIHOST_INVITE)
            event_bob, raw_bob = await next_event(ws_bob, EVENT_MULTIHOST_INVITE)

        expected = {
            "userId": alice.user_id,
            "broadcastType": "realtime",
            "stage": stack.service.config.stage_name,
            "inviteId": invite.invite_id,
            "expiresAt": rfc3339(invite.expires_at),
        }
        assert event_alice["Attributes"] == expected
        assert event_bob["Attributes"] == expected
        # The TUI reads when to take the prompt down from the event alone.
        seen = parse_invite(
            CustomEvent("e", EVENT_MULTIHOST_INVITE, event_alice["Attributes"], invite.expires_at)
        )
        assert seen is not None and seen.expires_at is not None
        assert abs((seen.expires_at - invite.expires_at).total_seconds()) < 0.001
        minutes = stack.service.config.invite_minutes
        assert abs((seen.expires_at - datetime.now(UTC)).total_seconds() - minutes * 60) < 60

        # Bob cannot redeem Alice's invite; Alice can.
        with pytest.raises(AppServerError) as not_bobs:
            await bob_client.redeem(invite.invite_id)
        assert not_bobs.value.status == 403
        redemption = await alice_client.redeem(invite.invite_id)
        assert redemption.participant_id and redemption.whip_url
        code = redemption.join_url.partition("?code=")[2]
        # Everyone in the room got the event: it carries neither the token nor the link.
        for raw in (raw_alice, raw_bob):
            assert redemption.participant_token not in raw
            assert code not in raw and "/multihost/" not in raw

        # The join link works once.
        async with browser.get(redemption.join_url) as first:
            page = await first.text()
            assert first.status == 200
            assert first.headers["Cache-Control"] == "no-store"
        assert html.escape(redemption.participant_token) in page
        async with browser.get(redemption.join_url) as second:
            again = await second.text()
        assert second.status == 410
        assert "used already" in again and redemption.participant_token not in again
        async with browser.get(redemption.join_url.replace(code, "made-up")) as forged:
            assert forged.status == 404
            assert redemption.participant_token not in await forged.text()

        # On the local stage the page's Join marks Alice as on stage.
        auth = {"Authorization": f"Bearer {redemption.participant_token}"}
        async with browser.post(stack.url + "/api/multihost/stage/join", headers=auth) as joined:
            assert joined.status == 200
        async with browser.get(stack.url + "/api/multihost/participants", headers=auth) as listed:
            on_stage = (await listed.json())["participants"]
        assert [(p["userId"], p["displayName"], p["state"]) for p in on_stage] == [
            (alice.user_id, "Alice", "CONNECTED")
        ]

        # An expired invite: 410 with StreamCat's words.
        later = await host.invite(bob.user_id)
        real_clock = stack.service.clock
        stack.service.clock = lambda: real_clock() + stack.service.config.invite_minutes * 60 + 1
        with pytest.raises(AppServerError) as expired:
            await bob_client.redeem(later.invite_id)
        assert (expired.value.status, expired.value.message) == (410, INVITE_EXPIRED)
        stack.service.clock = real_clock

        # Disconnect revokes Alice's invite and takes her off the stage.
        await host.disconnect(alice.user_id)
        with pytest.raises(AppServerError) as revoked:
            await alice_client.redeem(invite.invite_id)
        assert (revoked.value.status, revoked.value.message) == (410, INVITE_REVOKED)
        async with browser.get(stack.url + "/api/multihost/participants", headers=auth) as gone:
            assert gone.status == 410
        on_stage = await stack.service.control.list_participants(stack.stage_arn)
        assert [p for p in on_stage if p.user_id == alice.user_id and p.state == "CONNECTED"] == []


async def test_same_identity_on_reconnect(stack: RunningServer) -> None:
    async with AppServerClient(stack.url) as viewer:
        provide = viewer.token_provider("Carol")
        first = await provide()
        user = viewer.session_key
        second = await provide()
        assert first.token != second.token  # tokens are single use: a fresh one each time
        again = await viewer.chat_token("Carol B")
        assert viewer.session_key == user
        assert again.display_name == "Carol B"
    # A new client with the same session key is the same user.
    async with AppServerClient(stack.url, session_key=user) as resumed:
        assert (await resumed.chat_token("Carol")).user_id == again.user_id


async def test_invite_refusals(stack: RunningServer) -> None:
    async with AppServerClient(stack.url, broadcaster_key=stack.broadcaster_key) as host:
        me = await host.chat_token("Host")
        with pytest.raises(AppServerError) as unknown:
            await host.invite(f"viewer-{new_id()}")
        assert unknown.value.status == 404
        with pytest.raises(AppServerError) as self_invite:
            await host.invite(me.user_id)
        assert self_invite.value.status == 400
        async with AppServerClient(stack.url) as viewer:
            v = await viewer.chat_token("Dan")
            with pytest.raises(AppServerError) as low_latency:
                await host.invite(v.user_id, broadcast_type="lowlatency")
            assert low_latency.value.status == 400 and "realtime" in low_latency.value.message
            with pytest.raises(AppServerError) as no_invite:
                await viewer.redeem("AAAAAAAAAAAA")
            assert no_invite.value.status == 404


async def test_link_code_expires(stack: RunningServer) -> None:
    async with (
        AppServerClient(stack.url, broadcaster_key=stack.broadcaster_key) as host,
        AppServerClient(stack.url) as viewer,
        aiohttp.ClientSession() as browser,
    ):
        await host.chat_token("Host")
        v = await viewer.chat_token("Erin")
        invite = await host.invite(v.user_id)
        stale = await viewer.redeem(invite.invite_id)
        fresh = await viewer.redeem(invite.invite_id)
        async with browser.get(stale.join_url) as replaced:
            assert replaced.status == 404  # a new redeem replaces the earlier link
        now = time.time()
        stack.service.clock = lambda: now + stack.service.config.link_seconds + 1
        async with browser.get(fresh.join_url) as late:
            text = await late.text()
        assert late.status == 410 and "expired" in text
        assert fresh.participant_token not in text
