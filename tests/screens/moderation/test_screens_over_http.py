"""The screens over the real ModerationClient and a loopback HTTP server (the fake of the
routes, fake_server.py): a ModerationClient is what the screens' Protocols ask for."""

from __future__ import annotations

from datetime import UTC

from textual.widgets import DataTable, Static, TextArea

from tests.screens.moderation.fake_server import Served
from tests.screens.moderation.host import Host
from tui.client.moderation_api import ModerationClient
from tui.screens.moderation_log import LogSource, ModerationLogScreen
from tui.screens.room_settings import RoomSettingsScreen, SettingsStore


def _conforms(client: ModerationClient) -> tuple[LogSource, SettingsStore]:
    # A type checker holds ModerationClient to both Protocols here.
    return client, client


async def test_the_log_of_what_was_done(served: Served) -> None:
    client = served.host()
    await client.act("timeout", "viewer-bob", duration_seconds=600, reason="caps")
    await client.act("ban", "viewer-eve", reason="spam")
    source, _ = _conforms(client)
    app = Host(ModerationLogScreen(source, tz=UTC))
    try:
        async with app.run_test(size=(80, 24)) as pilot:
            await pilot.pause()
            table = app.screen.query_one(DataTable)
            while table.row_count < 2:  # the answer is on its way over the socket
                await pilot.pause()
            targets = [str(table.get_row_at(i)[3]) for i in range(table.row_count)]
            detail = str(app.screen.query_one("#detail", Static).render())
    finally:
        await client.server.close()
    assert targets == ["[red]Eve␛[0m", "Bob"]
    assert detail == (
        "2026-12-01 20:00:00 UTC: Host banned [red]Eve␛[0m, not their addresses (manual). "
        "Reason: spam"
    )


async def test_a_moderator_may_not_change_the_settings(served: Served) -> None:
    client = served.client(session="mia-session")
    app = Host(RoomSettingsScreen(client))
    try:
        async with app.run_test(size=(80, 24)) as pilot:
            terms = app.screen.query_one("#terms", TextArea)
            while terms.text != "spam":
                await pilot.pause()
            await pilot.press("enter", *"scam", "ctrl+s")
            error = app.screen.query_one("#error", Static)
            while not error.display:
                await pilot.pause()
            words = str(error.render())
            kept = terms.text
    finally:
        await client.server.close()
    assert words == (
        "you may not change the room's moderation settings: "
        "only the broadcaster may change the settings"
    )
    assert kept == "spam\nscam" and app.results == []


async def test_a_ban_is_lifted_from_the_log(served: Served) -> None:
    # A banned user has no live message to act on: the log is where the ban is undone.
    client = served.host()
    await client.act("ban", "viewer-bob", reason="spam")
    app = Host(ModerationLogScreen(client, tz=UTC, unbanner=client))
    try:
        async with app.run_test(size=(80, 24)) as pilot:
            table = app.screen.query_one(DataTable)
            while table.row_count < 1:
                await pilot.pause()
            await pilot.press("n")
            while table.row_count < 2:  # the log, loaded again, has the unban
                await pilot.pause()
            actions = [str(table.get_row_at(i)[2]) for i in range(table.row_count)]
            status = str(app.screen.query_one("#status", Static).render())
            await pilot.press("n")  # the unban record is selected now: n does nothing
            await pilot.pause()
    finally:
        await client.server.close()
    assert actions == ["unban", "ban"]
    assert status == "2 records, newest first"
    assert served.fake.users["viewer-bob"].banned_until is None
    assert [r["action"] for r in served.fake.records] == ["ban", "unban"]
