"""The TUI's side of purge, notes and offence counts (`tui.client.moderation_api`) against the
real local stack and app server: the typed answers and the words of each refusal."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from tests.server.wired.helpers import api, chat, local_server, send, until
from tui.client.app_server import AppServerClient
from tui.client.moderation_api import ModerationAction, ModerationClient, NotPermitted, Refused
from tui.server.models import Offences


async def test_the_client_purges_writes_and_reads_notes_and_reads_offences(
    tmp_path: Path,
) -> None:
    async with await local_server(tmp_path / "data") as server, api(server) as raw:
        alice = await raw.grant("Alice")
        bob = await raw.grant("Bob")
        host = ModerationClient(AppServerClient(server.url, broadcaster_key=server.broadcaster_key))
        viewer = ModerationClient(AppServerClient(server.url, session_key=bob["sessionKey"]))
        try:
            assert await host.user_notes(alice["userId"]) == []
            note = await host.add_user_note(alice["userId"], "first warning\x1b[2J")
            assert note.text == "first warning\u241b[2J"  # ESC shown, not sent on
            assert note.author.display_name == "broadcaster" and note.id > 0
            assert [n.id for n in await host.user_notes(alice["userId"])] == [note.id]
            with pytest.raises(Refused, match="at most 500"):
                await host.add_user_note(alice["userId"], "x" * 501)
            with pytest.raises(NotPermitted, match="you may not read the notes on this user"):
                await viewer.user_notes(alice["userId"])
            with pytest.raises(NotPermitted, match="you may not add a note on this user"):
                await viewer.add_user_note(alice["userId"], "hi")

            async with chat(alice) as ws:
                await send(ws, "spam")
                await until(ws, Type="MESSAGE", Content="spam")
                moderation = server.service.moderation
                assert moderation is not None and moderation.keeper is not None
                await moderation.keeper.wait_until(lambda h: h.messages_seen >= 1)
            record = await host.act(
                ModerationAction.TIMEOUT, alice["userId"], duration_seconds=60, purge_seconds=300
            )
            assert (record.purge_queued, record.purged) == (1, None)
            with pytest.raises(Refused, match="from 1 to 3600"):
                await host.act(ModerationAction.BAN, alice["userId"], purge_seconds=7200)
            while True:  # the log shows the purge done
                (logged,) = await host.moderation_log(alice["userId"])
                if logged.purged is not None:
                    break
                await asyncio.sleep(0.05)
            assert logged.purged == 1
            profile = await host.user(alice["userId"])
            assert profile.offences == Offences(automatic=0, manual=1)
        finally:
            await host.server.close()
            await viewer.server.close()
