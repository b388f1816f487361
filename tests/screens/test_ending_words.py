"""How the state of the session is said: the header whole at 80 columns, who banned us,
and the dialog, which must not promise a chat that goes on (the client has left the room
by then)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

from textual.widgets import Static

from tests.app_helpers import BOB, CAROL, T0, show_conversation
from tui.app import ChatApp
from tui.ivs.events import ConnectionState, CustomEvent, StateChanged, UserDisconnected
from tui.ivs.moderation_notice import EVENT_MODERATION, ModerationNotice
from tui.screens.dialogs.disconnected import DisconnectedScreen


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
        assert app.chat.composer.input.placeholder == "You have been banned from this chat."
        words = dialog_words(app)
        assert "You have been banned from this chat." in words
        assert "still read the chat" not in words
        assert "no new messages arrive" in words


async def test_a_banned_moderators_header_says_viewer(make_app: Callable[..., ChatApp]) -> None:
    # The server takes a banned moderator's role away: the header must not keep it.
    app = make_app(replace(BOB, role="moderator"))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert app.chat.status.role == "moderator"
        await show_conversation(
            app, pilot, ban_of_bob("user-host", "Host"), UserDisconnected(BOB.user_id, "selling")
        )
        assert isinstance(app.screen, DisconnectedScreen)
        assert app.chat.status.role == "viewer"
        assert "moderator" not in str(app.chat.status.render())


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


async def test_the_header_wraps_a_long_reason_instead_of_cutting_it(
    make_app: Callable[..., ChatApp],
) -> None:
    reason = "could not get a chat token: the app server at http://127.0.0.1:8750 answered 503"
    app = make_app(CAROL)
    async with app.run_test(size=(80, 24)) as pilot:
        await show_conversation(
            app, pilot, StateChanged(ConnectionState.RECONNECTING, reason=reason, retry_in=8)
        )
        status = app.chat.status
        drawn = " ".join(
            "".join(s.text for s in status.render_line(y)) for y in range(status.size.height)
        )
        assert status.size.height == 2
        assert "● reconnecting in 8 s · viewer · Carol" in drawn
        assert reason.split() == drawn.split("Carol · ")[1].split()
        # Live again: one line.
        app.deliver(StateChanged(ConnectionState.CONNECTED))
        await pilot.pause()
        assert status.size.height == 1
