"""How the end of a session is said: who banned us, in the header; and the dialog, which
must not promise a chat that goes on (the client has left the room by then)."""

from __future__ import annotations

from collections.abc import Callable

from textual.widgets import Static

from tests.tui.conftest import BOB, T0, show_conversation
from tui.app import ChatApp
from tui.ivs.events import CustomEvent, UserDisconnected
from tui.ivs.moderation_notice import EVENT_MODERATION, ModerationNotice
from tui.screens.disconnected import DisconnectedScreen


def ban_of_bob(actor_id: str, actor_name: str, *, automatic: bool = False) -> CustomEvent:
    notice = ModerationNotice(
        action="ban",
        record_id=7,
        actor_id=actor_id,
        actor_name=actor_name,
        target_id=BOB.user_id,
        target_name=BOB.name,
        automatic=automatic,
        reason="selling",
    )
    return CustomEvent(
        id="evt-ban", name=EVENT_MODERATION, attributes=notice.attributes(), send_time=T0
    )


def dialog_words(app: ChatApp) -> str:
    return " ".join(str(w.render()) for w in app.screen.query(Static))


async def test_the_header_names_who_banned_us(make_app: Callable[..., ChatApp]) -> None:
    app = make_app(BOB)
    async with app.run_test(size=(80, 24)) as pilot:
        await show_conversation(
            app, pilot, ban_of_bob("user-host", "Host"), UserDisconnected(BOB.user_id, "selling")
        )
        assert isinstance(app.screen, DisconnectedScreen)
        # The broadcaster did it: the header does not say "the moderator".
        assert app.chat.status.reason == "banned by Host"
        words = dialog_words(app)
        assert "You have been banned from this chat." in words
        assert "still read the chat" not in words
        assert "no new messages arrive" in words


async def test_the_room_keepers_ban_is_said_as_automatic(
    make_app: Callable[..., ChatApp],
) -> None:
    app = make_app(BOB)
    async with app.run_test(size=(80, 24)) as pilot:
        await show_conversation(
            app,
            pilot,
            ban_of_bob("room-keeper", "room keeper", automatic=True),
            UserDisconnected(BOB.user_id, "flood"),
        )
        assert app.chat.status.reason == "banned by room keeper (automatic)"


async def test_a_disconnect_does_not_promise_the_chat_goes_on(
    make_app: Callable[..., ChatApp],
) -> None:
    app = make_app(BOB)
    async with app.run_test(size=(80, 24)) as pilot:
        await show_conversation(app, pilot, UserDisconnected(BOB.user_id, "spamming"))
        assert isinstance(app.screen, DisconnectedScreen)
        words = dialog_words(app)
        assert "still read the chat" not in words
        assert "What was said so far stays here to read; no new messages arrive" in words
