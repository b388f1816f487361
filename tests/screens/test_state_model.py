"""The chat screen's state is reactive with one owner each: the status line draws the
screen's identity and connection (bound to them, never set apart), a change that gates a
key redraws the footer by itself, and nothing in tui/ refreshes keys by hand."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

from textual.widgets._footer import FooterKey

from tests.app_helpers import ALICE, BOB, select, show_conversation, until
from tui.app import ChatApp
from tui.chat.room_messages import IdentityKnown
from tui.ivs.events import ConnectionState, StateChanged

TUI = Path(__file__).resolve().parents[2] / "tui"


def footer_actions(app: ChatApp) -> set[str]:
    return {key.action for key in app.chat.query(FooterKey)}


async def test_the_status_line_draws_the_screens_connection(
    make_app: Callable[..., ChatApp],
) -> None:
    app = make_app(ALICE)
    async with app.run_test(size=(100, 30)) as pilot:
        dropped = StateChanged(ConnectionState.RECONNECTING, retry_in=3, reason="link lost")
        await show_conversation(app, pilot, dropped)
        assert app.chat.connection == dropped
        assert app.chat.status.connection == dropped
        assert (app.chat.status.state, app.chat.status.reason) == (dropped.state, "link lost")


async def test_a_new_role_redraws_the_keys_and_the_header(
    make_app: Callable[..., ChatApp],
) -> None:
    app = make_app(ALICE)
    async with app.run_test(size=(160, 40)) as pilot:
        await show_conversation(app, pilot)
        await select(app, pilot, "GG")  # Bob's
        await pilot.pause()
        assert "delete" not in footer_actions(app)
        # Made a moderator: the controller tells the app, the app the screen.
        app.controller.identity = replace(ALICE, role="moderator")
        app.chat.post_message(IdentityKnown(app.controller.identity))
        await until(lambda: "delete" in footer_actions(app), "the moderator's keys shown")
        assert app.chat.status.role == "moderator"
        assert app.identity is app.controller.identity  # the app keeps no copy of its own
        assert app.chat.messages.selected_message is not None
        assert app.chat.messages.selected_message.sender_id == BOB.user_id


def test_no_keys_are_refreshed_by_hand() -> None:
    """State that gates a key is a reactive with bindings=True: a hand-written refresh is
    one that a new state forgets."""
    by_hand = [
        f"{path.relative_to(TUI.parent)}:{n}"
        for path in sorted(TUI.rglob("*.py"))
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if "refresh_bindings(" in line
    ]
    assert by_hand == []
