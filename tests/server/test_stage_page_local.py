"""The local stage page (stage-local.js, stage-list.js) in headless Chromium: everyone on
the stage is listed, the broadcaster included, as they come and go; a guest taken off the
stage no longer reads as on it."""

from __future__ import annotations

from pathlib import Path

import aiohttp
import pytest

from tests.emulator.helpers import call, client
from tests.server.browser import CHROMIUM, Browser
from tui.server.client import AppServerClient
from tui.server.startup import RunningServer, start_local_stack

pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed")


async def _broadcaster_on_stage(server: RunningServer, user_id: str, name: str) -> str:
    """Puts the broadcaster on the stage the way their own stage link will: a participant
    token for their user id, joined on the local stack. Returns the token."""
    assert server.control_access_key_id is not None
    assert server.control_secret_access_key is not None
    realtime = client(
        "ivs-realtime",
        server.url,
        access_key_id=server.control_access_key_id,
        secret_access_key=server.control_secret_access_key,
    )
    made = await call(
        realtime.create_participant_token,
        stageArn=server.stage_arn,
        userId=user_id,
        attributes={"username": name},
        capabilities=["PUBLISH", "SUBSCRIBE"],
    )
    token = str(made["participantToken"]["token"])
    async with (
        aiohttp.ClientSession() as http,
        http.post(
            server.url + "/_local/stage/join", headers={"Authorization": f"Bearer {token}"}
        ) as resp,
    ):
        assert resp.status == 200, await resp.text()
    return token


async def test_guest_and_broadcaster_both_listed_and_removal_shows(tmp_path: Path) -> None:
    async with await start_local_stack(port=0, data_dir=tmp_path / "data") as server:
        host = AppServerClient(server.url, broadcaster_key=server.broadcaster_key)
        viewer = AppServerClient(server.url)
        try:
            host_grant = await host.chat_token("Hana")
            grant = await viewer.chat_token("<i>Gus</i>")
            invite = await host.invite(grant.user_id)
            link = await viewer.redeem(invite.invite_id)
            async with Browser(link.join_url, tmp_path / "profile", size=(900, 1300)) as page:
                assert await page.text("participants") == "Nobody is on the stage yet."
                await page.click("join")
                mine = await page.text_once("participants", 'text.includes("Gus")')
                assert mine == f"<i>Gus</i> ({grant.user_id}) you"

                # The broadcaster goes on stage after the page loaded: the page shows both.
                await _broadcaster_on_stage(server, host_grant.user_id, "Hana")
                both = await page.text_once("participants", 'text.includes("Hana")')
                assert sorted(both.splitlines()) == sorted(
                    [f"<i>Gus</i> ({grant.user_id}) you", f"Hana ({host_grant.user_id})"]
                )
                assert (
                    await page.evaluate("document.querySelectorAll('#participants i').length") == 0
                )
                await page.screenshot(tmp_path / "local-both.png")
                assert await page.text("status") == (
                    "You are on the stage (no media: nothing is sent)."
                )

                # The broadcaster takes the guest off: the page stops saying "on the stage".
                await host.disconnect(grant.user_id)
                status = await page.text_once("status", 'text.startsWith("You are no longer")')
                assert status == (
                    "You are no longer on the stage: this invitation has ended "
                    "(the broadcaster removed you, or it expired)."
                )
                assert await page.evaluate("document.getElementById('join').disabled") is True
                assert await page.evaluate("document.getElementById('leave').disabled") is True
                # The list says why it cannot be read, in the server's words.
                listed = await page.text("participants")
                assert listed.startswith("Could not list the stage: ") and "expired" in listed
                await page.screenshot(tmp_path / "local-removed.png")
        finally:
            await host.close()
            await viewer.close()
