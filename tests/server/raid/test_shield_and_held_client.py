"""The TUI's client of the raid routes (`ModerationClient`) against the real local stack
and app server: every method, its typed refusals, and the news stream as an async
iterator that ends when the server stops."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from tests.server.raid.test_shield_and_held import refused, reviewed_server
from tests.server.wired.helpers import WAIT, api, chat, until
from tui.client.app_server import AppServerClient
from tui.client.moderation_api import ModerationClient, NoSuchHeldMessage, NotPermitted
from tui.server.models import ShieldSettings


async def test_every_raid_method_over_the_real_server(tmp_path: Path) -> None:
    server = await reviewed_server(tmp_path / "data")
    async with server, api(server) as raw:
        host = AppServerClient(server.url, broadcaster_key=server.broadcaster_key)
        moderation = ModerationClient(host)
        vera = await raw.grant("Vera")
        viewer = ModerationClient(AppServerClient(server.url, session_key=vera["sessionKey"]))
        try:
            state = await moderation.shield()
            assert (state.on, state.until) == (False, None)
            assert state.settings == ShieldSettings(
                minutes=30, min_identity_age_seconds=600, slow_mode_seconds=10
            )
            with pytest.raises(NotPermitted, match="you may not turn shield mode on"):
                await viewer.set_shield(True)
            with pytest.raises(NotPermitted, match="you may not follow the moderators' news"):
                await anext(viewer.moderation_news())
            # The room settings carry the new fields; a save that leaves them out keeps them.
            settings = await moderation.room_settings()
            assert settings.hold_terms == [] and settings.shield == state.settings
            wanted = settings.model_copy(update={"hold_terms": ["link"]})
            assert (await moderation.save_room_settings(wanted)).hold_terms == ["link"]
            kept = settings.model_copy(update={"hold_terms": None, "shield": None})
            assert (await moderation.save_room_settings(kept)).hold_terms == ["link"]
            news = moderation.moderation_news()
            first = await asyncio.wait_for(anext(news), WAIT)
            assert (first.held, first.shield.on, first.offences) == (0, False, [])
            on = await moderation.set_shield(True, minutes=5)
            assert on.on and on.until is not None
            assert (await moderation.shield()) == on
            changed = await asyncio.wait_for(anext(news), WAIT)
            assert changed.shield.on and changed.shield.until == on.until
            async with chat(vera) as ws:
                await refused(ws, "a link for you", "r")
                [held] = await moderation.held_messages()
                assert (held.content, held.term, held.sender.display_name) == (
                    "a link for you",
                    "link",
                    "Vera",
                )
                assert (await asyncio.wait_for(anext(news), WAIT)).held == 1
                approved = await moderation.approve_held(held.id)
                assert approved.decision == "approve" and approved.message_id
                # Every moderator's news names it, so their lists can mark it approved.
                marked = await asyncio.wait_for(anext(news), WAIT)
                while approved.message_id not in marked.approved:
                    marked = await asyncio.wait_for(anext(news), WAIT)
                assert marked.held == 0
                echo = await until(ws, Type="MESSAGE", Content="a link for you")
                assert echo["Id"] == approved.message_id
            with pytest.raises(NoSuchHeldMessage):
                await moderation.deny_held(held.id)
            off = await moderation.set_shield(False)
            assert (off.on, off.until) == (False, None)
            await server.stop()
            # The stream ends with the server, cleanly: the iteration just stops.
            async with asyncio.timeout(WAIT):
                async for _ in news:
                    pass
        finally:
            await host.close()
            await viewer.server.close()
