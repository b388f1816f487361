"""The broadcaster on stage: `POST /api/multihost/host` gives the broadcaster
their own participant token and stage link, shaped as a redeem answer; a second call takes
the first participant off, so two of them never share the stage.

Both modes (`stack`): `--local`, and `--aws --endpoint-url` against the local stack."""

from __future__ import annotations

from typing import Any

import aiohttp
import pytest

from tests.emulator.helpers import call, client
from tui.client.app_server import AppServerClient
from tui.common.roles import Role
from tui.server.boot.startup import RunningServer
from tui.server.domain_errors import HOST_LINK_REPLACED
from tui.server.models import Redemption

HOST_PATH = "/api/multihost/host"


async def _go_on_stage(server: RunningServer, key: str | None) -> tuple[int, dict[str, Any]]:
    headers = {"Authorization": f"Bearer {key}"} if key else {}
    async with (
        aiohttp.ClientSession() as http,
        http.post(server.url + HOST_PATH, headers=headers) as r,
    ):
        return r.status, await r.json()


async def _post(server: RunningServer, path: str, token: str) -> int:
    headers = {"Authorization": f"Bearer {token}"}
    async with aiohttp.ClientSession() as http, http.post(server.url + path, headers=headers) as r:
        return r.status


async def _participants(server: RunningServer, token: str) -> tuple[int, dict[str, Any]]:
    headers = {"Authorization": f"Bearer {token}"}
    async with (
        aiohttp.ClientSession() as http,
        http.get(server.url + "/api/multihost/participants", headers=headers) as r,
    ):
        return r.status, await r.json()


def _realtime(server: RunningServer) -> Any:
    """boto3 on the stack the server uses, signed as the stack accepts."""
    if server.emulator is not None:
        assert server.control_access_key_id and server.control_secret_access_key
        return client(
            "ivs-realtime",
            server.url,
            access_key_id=server.control_access_key_id,
            secret_access_key=server.control_secret_access_key,
        )
    assert server.settings.endpoint_url
    return client("ivs-realtime", server.settings.endpoint_url)


async def test_the_broadcaster_gets_their_own_stage_link(stack: RunningServer) -> None:
    async with (
        AppServerClient(stack.url, broadcaster_key=stack.broadcaster_key) as host,
        AppServerClient(stack.url) as viewer,
    ):
        host_grant = await host.chat_token("Hana")
        status, body = await _go_on_stage(stack, stack.broadcaster_key)
        assert status == 200, body
        link = Redemption.model_validate(body)  # what the TUI's invite-join code reads
        assert link.join_url.startswith(f"{stack.url}/multihost/realtime/")
        assert "?code=" in link.join_url
        assert link.whip_url and link.participant_id

        # The stage page opens once, for the broadcaster.
        async with aiohttp.ClientSession() as browser:
            async with browser.get(link.join_url) as page:
                assert page.status == 200
                html = await page.text()
                assert f"You join as Hana ({host_grant.user_id})" in html
                assert 'data-role="broadcaster"' in html
            async with browser.get(link.join_url) as again:
                assert again.status == 410

        # The token publishes and subscribes, and names the broadcaster and their role.
        assert await _post(stack, "/api/multihost/stage/join", link.participant_token) == 200
        realtime = _realtime(stack)
        stage = await call(realtime.get_stage, arn=stack.stage_arn)
        got = await call(
            realtime.get_participant,
            stageArn=stack.stage_arn,
            sessionId=stage["stage"]["activeSessionId"],
            participantId=link.participant_id,
        )
        participant = got["participant"]
        assert participant["userId"] == host_grant.user_id
        assert participant["attributes"] == {"username": "Hana", "role": "broadcaster"}

        # A guest joins too: both are listed, the broadcaster as the host.
        grant = await viewer.chat_token("Gus")
        invite = await host.invite(grant.user_id)
        guest = await viewer.redeem(invite.invite_id)
        assert await _post(stack, "/api/multihost/stage/join", guest.participant_token) == 200
        status, listed = await _participants(stack, guest.participant_token)
        assert status == 200
        on = sorted(
            (p["displayName"], p["role"])
            for p in listed["participants"]
            if p["state"] == "CONNECTED"
        )
        assert on == [("Gus", Role.VIEWER), ("Hana", Role.BROADCASTER)]


async def test_going_on_stage_again_takes_the_first_participant_off(
    stack: RunningServer,
) -> None:
    async with AppServerClient(stack.url, broadcaster_key=stack.broadcaster_key) as host:
        host_id = (await host.chat_token("Hana")).user_id
        _, first = await _go_on_stage(stack, stack.broadcaster_key)
        old = Redemption.model_validate(first)
        assert await _post(stack, "/api/multihost/stage/join", old.participant_token) == 200

        status, second = await _go_on_stage(stack, stack.broadcaster_key)
        assert status == 200, second
        new = Redemption.model_validate(second)
        assert new.participant_id != old.participant_id

        # The old participant is off, for good: its token joins no more, and its page
        # says why.
        assert await _post(stack, "/api/multihost/stage/join", old.participant_token) == 410
        status, refused = await _participants(stack, old.participant_token)
        assert (status, refused["message"]) == (410, HOST_LINK_REPLACED)
        async with aiohttp.ClientSession() as browser, browser.get(old.join_url) as page:
            assert page.status == 410
        # The new one joins; the broadcaster is on the stage once.
        assert await _post(stack, "/api/multihost/stage/join", new.participant_token) == 200
        _, listed = await _participants(stack, new.participant_token)
        mine = [p["state"] for p in listed["participants"] if p["userId"] == host_id]
        assert mine.count("CONNECTED") == 1


@pytest.mark.parametrize(("key", "status"), [(None, 401), ("not-the-broadcaster-key", 403)])
async def test_only_the_broadcaster_goes_on_stage(
    stack: RunningServer, key: str | None, status: int
) -> None:
    got, body = await _go_on_stage(stack, key)
    assert got == status
    assert body["message"].startswith("only the broadcaster may do this")


async def test_the_broadcaster_joins_the_chat_first(stack: RunningServer) -> None:
    status, body = await _go_on_stage(stack, stack.broadcaster_key)
    assert status == 404
    assert body["message"].startswith("the broadcaster has not joined the chat yet")
