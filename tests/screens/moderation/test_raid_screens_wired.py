"""The held queue and the user card's notes over the real local stack and app server: a
viewer's message held by a hold term, approved with `a` (it reaches the room as theirs)
or denied with `x` (it never does); a note added with `n` and read back with the offence
count. The screens are handed the TUI's own client and controller, nothing faked."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from textual.widgets import Static

from tests.app_helpers import until
from tests.screens.moderation.host import Host
from tests.server.raid.test_shield_and_held import refused, reviewed_server
from tests.server.wired.helpers import api, chat
from tests.server.wired.helpers import until as frame_until
from tui.client.app_server import AppServerClient
from tui.client.moderation_api import ModerationAction, ModerationClient
from tui.client.session import ChatSession
from tui.controller import ChatController
from tui.ivs.events import ChatMessage
from tui.screens.dialogs.note_input import NoteInput
from tui.screens.held_queue import TERM_STYLE, HeldDesk, HeldQueueScreen
from tui.screens.user_card import NoteBook, UserCard, UserLookup


def _conforms(client: ModerationClient, controller: ChatController) -> tuple[object, ...]:
    # A type checker holds the real client and controller to the screens' Protocols here.
    desk: HeldDesk = client
    book: NoteBook = controller
    lookup: UserLookup = controller
    return desk, book, lookup


async def test_the_held_queue_approves_and_denies_over_the_real_server(tmp_path: Path) -> None:
    server = await reviewed_server(tmp_path / "data")
    async with server, api(server) as raw:
        moderation = ModerationClient(
            AppServerClient(server.url, broadcaster_key=server.broadcaster_key)
        )
        vera = await raw.grant("Vera")
        settings = await moderation.room_settings()
        await moderation.save_room_settings(settings.model_copy(update={"hold_terms": ["link"]}))
        app = Host(HeldQueueScreen(moderation, tz=UTC))
        try:
            async with chat(vera) as ws, app.run_test(size=(80, 24)) as pilot:
                await refused(ws, "a link for you", "r1")
                await refused(ws, "another link, sorry", "r2")
                queue = app.screen
                assert isinstance(queue, HeldQueueScreen)
                queue.queue_changed()  # the chat screen calls it when the news says so
                await until(lambda: len(queue.held) == 2, "both held messages in the queue")
                words = queue.query_one("#held").get_option_at_index(0).prompt
                spans = [s for s in words.spans if s.style == TERM_STYLE]
                assert [words.plain[s.start : s.end] for s in spans] == ["link"]
                assert "Vera · hold term: link" in words.plain
                await pilot.press("a")  # the oldest: approved, it goes into the room
                echo = await frame_until(ws, Type="MESSAGE", Content="a link for you")
                assert echo["Sender"]["UserId"] == vera["userId"]
                await until(lambda: [h.content for h in queue.held] == ["another link, sorry"], "")
                await pilot.press("x")  # denied: dropped
                await until(lambda: queue.held == [] and queue.loaded, "the queue empty")
                assert str(queue.query_one("#title", Static).render()).endswith("0 messages")
                assert queue.status_words == "Vera's message denied: dropped"
        finally:
            await moderation.server.close()


async def test_a_note_added_on_the_card_over_the_real_server(tmp_path: Path) -> None:
    server = await reviewed_server(tmp_path / "data")
    async with server, api(server) as raw:
        vera = await raw.grant("Vera")
        session = ChatSession(
            AppServerClient(server.url, broadcaster_key=server.broadcaster_key), "Host"
        )
        controller = ChatController(session, browser=lambda url: False)
        _conforms(ModerationClient(session.client), controller)
        await controller.act(ModerationAction.TIMEOUT, vera["userId"], duration_seconds=60)
        message = ChatMessage(
            id="m1",
            content="hi",
            sender_id=vera["userId"],
            sender_attributes={"username": "Vera", "role": "viewer"},
            attributes={},
            send_time=datetime.now(UTC),
        )
        card = UserCard(
            message,
            lookup=controller,
            scrollback=[message],
            now=datetime.now(UTC),
            tz=UTC,
            moderator=True,
            broadcaster=True,
            notes=controller,
        )
        app = Host(card)
        try:
            async with app.run_test(size=(80, 24)) as pilot:
                await until(lambda: card.notes_words == "notes: none yet", "no notes yet")
                await until(lambda: card.offences != "", "the offence count")
                assert card.offences == "1 offence (0 automatic, 1 manual)"
                await pilot.press("n")
                await until(lambda: isinstance(app.screen, NoteInput), "the note dialog")
                await pilot.press(*"warned about links", "enter")
                await until(lambda: card.notes_words.startswith("notes (1"), "the note shown")
                assert "broadcaster: warned about links" in card.notes_words
            (note,) = await controller.user_notes(vera["userId"])
            assert note.text == "warned about links"
        finally:
            await controller.close()
