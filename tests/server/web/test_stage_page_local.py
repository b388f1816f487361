"""The local stage page (stage-local.js, stage-list.js) in headless Chromium: everyone on
the stage is listed, the broadcaster included, as they come and go; a guest taken off the
stage no longer reads as on it."""

from __future__ import annotations

from pathlib import Path

import aiohttp
import pytest

from tests.server.browser import CHROMIUM, Browser
from tui.client.app_server import AppServerClient
from tui.server.boot.startup import RunningServer, start_local_stack
from tui.server.domain_errors import HOST_LINK_REPLACED

pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed")


async def _broadcaster_on_stage(server: RunningServer) -> str:
    """Puts the broadcaster on the stage as their own stage link does: their participant
    token from `POST /api/multihost/host`, joined as the page's Join button joins.
    Returns the token."""
    auth = {"Authorization": f"Bearer {server.broadcaster_key}"}
    async with aiohttp.ClientSession() as http:
        async with http.post(server.url + "/api/multihost/host", headers=auth) as resp:
            assert resp.status == 200, await resp.text()
            token = str((await resp.json())["participantToken"])
        join = {"Authorization": f"Bearer {token}"}
        async with http.post(server.url + "/api/multihost/stage/join", headers=join) as resp:
            assert resp.status == 200, await resp.text()
    return token


async def test_guest_and_broadcaster_both_listed_and_removal_shows(tmp_path: Path) -> None:
    async with await start_local_stack(port=0, data_dir=tmp_path / "data") as server:
        host = AppServerClient(server.url, broadcaster_key=server.broadcaster_key)
        viewer = AppServerClient(server.url)
        try:
            host_grant = await host.chat_token("Hana")
            grant = await viewer.chat_token("Gus <i>G</i>")
            invite = await host.invite(grant.user_id)
            link = await viewer.redeem(invite.invite_id)
            async with Browser(link.join_url, tmp_path / "profile", size=(900, 1300)) as page:
                assert await page.text("participants") == "Nobody is on the stage yet."
                await page.click("join")
                mine = await page.text_once("participants", 'text.includes("Gus")')
                assert mine == f"Gus <i>G</i> ({grant.user_id}) you"

                # The broadcaster goes on stage after the page loaded: the page shows both.
                await _broadcaster_on_stage(server)
                both = await page.text_once("participants", 'text.includes("Hana")')
                assert sorted(both.splitlines()) == sorted(
                    [f"Gus <i>G</i> ({grant.user_id}) you", f"Hana ({host_grant.user_id}) host"]
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
                    "You are no longer on the stage. Your invitation to this stream has been "
                    "revoked."
                )
                assert await page.evaluate("document.getElementById('join').disabled") is True
                assert await page.evaluate("document.getElementById('leave').disabled") is True
                # The list says why it cannot be read, in the server's words.
                listed = await page.text("participants")
                assert listed == (
                    "Could not list the stage: Your invitation to this stream has been revoked."
                )
                await page.screenshot(tmp_path / "local-removed.png")
        finally:
            await host.close()
            await viewer.close()


async def test_the_broadcasters_own_page_lists_them_as_host_and_you(tmp_path: Path) -> None:
    async with (
        await start_local_stack(port=0, data_dir=tmp_path / "data") as server,
        AppServerClient(server.url, broadcaster_key=server.broadcaster_key) as host,
    ):
        host_id = (await host.chat_token("Hana")).user_id
        auth = {"Authorization": f"Bearer {server.broadcaster_key}"}
        async with (
            aiohttp.ClientSession() as http,
            http.post(server.url + "/api/multihost/host", headers=auth) as resp,
        ):
            link = await resp.json()
        async with Browser(link["joinUrl"], tmp_path / "profile", size=(900, 1300)) as page:
            await page.click("join")
            mine = await page.text_once("participants", 'text.includes("Hana")')
            assert mine == f"Hana ({host_id}) host you"

            # Going on stage again (another terminal, a second press): this page's
            # participant is taken off, and the page says why.
            async with (
                aiohttp.ClientSession() as http,
                http.post(server.url + "/api/multihost/host", headers=auth) as resp,
            ):
                assert resp.status == 200
            status = await page.text_once("status", 'text.startsWith("You are no longer")')
            assert status == f"You are no longer on the stage. {HOST_LINK_REPLACED}"
            assert await page.evaluate("document.getElementById('leave').disabled") is True
