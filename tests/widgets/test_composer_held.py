"""A line the room holds for review is said, and is not among the lines that wait to be
sent again: if a moderator approves it, it goes into the room as ours, and a second send
would post it twice. A line refused for any other reason still waits."""

from __future__ import annotations

from textual.app import App, ComposeResult
from textual.widgets import Static

from tui.ivs.events import ChatError
from tui.ivs.protocol import ErrorCode
from tui.widgets.composer import HELD_WORDS, Composer, is_held, send_error_words


class ComposerApp(App[None]):
    def compose(self) -> ComposeResult:
        yield Composer()


def test_held_is_the_review_handlers_hold_and_nothing_else() -> None:
    assert is_held(ChatError(ErrorCode.NOT_ACCEPTABLE, "held for review"))
    assert not is_held(ChatError(ErrorCode.NOT_ACCEPTABLE, "shield mode"))
    assert not is_held(ChatError(ErrorCode.NOT_ACCEPTABLE, "blocked term"))
    assert not is_held(ChatError(ErrorCode.TOO_MANY_REQUESTS, "held for review"))


async def test_a_held_line_is_said_and_does_not_wait_for_up() -> None:
    app = ComposerApp()
    async with app.run_test() as pilot:
        composer = app.query_one(Composer)
        composer.begin_send()
        composer.held("buy followers here")
        await pilot.pause()
        assert composer.waiting == []
        assert str(composer.query_one("#composer-error", Static).render()) == HELD_WORDS
        # Refused otherwise (shield mode's slow mode), the line waits for up as before.
        composer.begin_send()
        refusal = ChatError(ErrorCode.NOT_ACCEPTABLE, "shield mode")
        composer.failed("again", send_error_words(refusal))
        await pilot.pause()
        assert composer.waiting == ["again"]
        assert "blocked by moderation: shield mode" in str(
            composer.query_one("#composer-error", Static).render()
        )
