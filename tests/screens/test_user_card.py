"""The user card: `u` on a selected message shows its sender, what a viewer may see, and
for the broadcaster the moderation actions one key away."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from textual.widgets import Static

from tests.app_helpers import ALICE, HOST, T0, show_conversation
from tui.app import ChatApp
from tui.client.moderation_api import ModeratedUser, ModerationAction
from tui.screens.chat.search import ModerateUser
from tui.screens.dialogs.timeout_picker import TimeoutPicker
from tui.screens.user_card import UserCard, age_words, status_words
from tui.widgets.message_list import MessageList


def test_identity_age_in_words() -> None:
    assert age_words(T0 - timedelta(days=3, hours=2), T0) == "3 days old"
    assert age_words(T0 - timedelta(minutes=1), T0) == "1 minute old"
    assert age_words(T0, T0) == "new (under a minute old)"


def test_a_permanent_ban_is_said_as_one() -> None:
    def user(banned_until: datetime) -> ModeratedUser:
        return ModeratedUser(
            user_id="u", display_name="Eve", role="viewer", banned_until=banned_until, created_at=T0
        )

    # The server's permanent ban is "until 9998-01-01": not a date anyone should read.
    assert status_words(user(datetime(9998, 1, 1, tzinfo=UTC)), T0) == "banned permanently"
    until = T0 + timedelta(days=1)
    assert status_words(user(until), T0) == "banned until 2026-11-28 21:30 UTC"


async def select_content(app: ChatApp, pilot, content: str) -> None:
    await pilot.press("escape")
    listing = app.chat.query_one(MessageList)
    for _ in range(len(listing)):
        if (m := listing.selected_message) is not None and m.content == content:
            return
        await pilot.press("up")
    raise AssertionError(content)


async def test_u_shows_the_sender_and_their_recent_messages(
    make_app: Callable[..., ChatApp],
) -> None:
    app = make_app(ALICE)
    async with app.run_test(size=(90, 30)) as pilot:
        await show_conversation(app, pilot)
        await select_content(app, pilot, "GG")
        await pilot.press("u")
        await pilot.pause()
        card = app.screen
        assert isinstance(card, UserCard)
        assert card.name_shown == "Bob" and card.role == "viewer"
        recent = str(card.query_one("#recent", Static).render())
        assert "what keyboard is that?" in recent and "GG" in recent
        assert "hi everyone" not in recent  # Alice's
        await pilot.pause()
        # Nowhere to look the identity up (no app server here): said, not hidden.
        assert "unknown" in card.status
        assert not card.query("#keys")  # a viewer has no moderation keys
        await pilot.press("b")  # nothing for a viewer
        assert app.screen is card
        await pilot.press("escape")
        assert app.screen is app.chat


async def test_the_broadcasters_card_hands_an_action_to_the_screen(
    make_app: Callable[..., ChatApp],
) -> None:
    app = make_app(HOST)
    picked: list[ModerateUser] = []
    async with app.run_test(size=(90, 30)) as pilot:
        post = app.chat.post_message

        def watch(message: object) -> bool:
            if isinstance(message, ModerateUser):
                picked.append(message)  # what the moderation wiring will carry out
            return post(message)  # type: ignore[arg-type]

        app.chat.post_message = watch  # type: ignore[method-assign]
        await show_conversation(app, pilot)
        await select_content(app, pilot, "GG")
        await pilot.press("u")
        await pilot.pause()
        assert isinstance(app.screen, UserCard)
        keys = str(app.screen.query_one("#keys", Static).render())
        assert "t time out" in keys and "b ban" in keys and "o make moderator" in keys
        await pilot.press("t")
        await pilot.pause()
        assert [(p.choice.action, p.choice.name) for p in picked] == [
            (ModerationAction.TIMEOUT, "Bob")
        ]
        # The chat screen carries it out: the timeout picker for Bob, as from his message.
        assert isinstance(app.screen, TimeoutPicker)
        assert "Bob" in " ".join(str(w.render()) for w in app.screen.query(Static))
