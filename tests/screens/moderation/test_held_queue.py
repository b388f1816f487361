"""The held queue under Textual's pilot: `a` approves, `x` denies, the queue read again
after each decision and when it changed, failures said with nothing lost, and other
people's words as text."""

from __future__ import annotations

from datetime import UTC

from textual.widgets import OptionList, Static

from tests.app_helpers import until
from tests.screens.moderation.held_fakes import T0, FakeDesk
from tests.screens.moderation.host import Host
from tui.screens.held_queue import OUTCOME_SHOWN, TERM_STYLE, HeldQueueScreen, held_words


def screen_of(app: Host) -> HeldQueueScreen:
    assert isinstance(app.screen, HeldQueueScreen)
    return app.screen


def held_screen(desk: FakeDesk) -> HeldQueueScreen:
    return HeldQueueScreen(desk, tz=UTC, clock=lambda: T0)


async def test_a_approves_and_x_denies_the_selected_message() -> None:
    desk = FakeDesk()
    app = Host(held_screen(desk))
    async with app.run_test() as pilot:
        queue = screen_of(app)
        await until(lambda: queue.loaded, "the queue read")
        assert str(queue.query_one("#title", Static).render()) == "Held for review · 3 messages"
        await pilot.press("a")  # the oldest is selected first
        await until(lambda: desk.decided == [("h1", "approve")], "approved")
        await until(lambda: [h.id for h in queue.held] == ["h2", "h3"], "the queue read again")
        await pilot.press("down", "x")
        await until(lambda: desk.decided[-1] == ("h3", "deny"), "denied")
        await until(lambda: [h.id for h in queue.held] == ["h2"], "the queue read again")
        assert queue.status_words == "Zed's message denied: dropped"
        await pilot.press("escape")
    assert app.results == [None]


async def test_an_empty_queue_offers_no_decision() -> None:
    desk = FakeDesk(held=[])
    app = Host(held_screen(desk))
    async with app.run_test() as pilot:
        queue = screen_of(app)
        await until(lambda: queue.loaded, "the queue read")
        assert queue.status_words == "nothing is held"
        assert queue.check_action("approve", ()) is None  # shown dimmed, does nothing
        await pilot.press("a", "x")
        assert desk.decided == []


async def test_a_message_already_decided_elsewhere_is_said_and_goes() -> None:
    desk = FakeDesk()
    app = Host(held_screen(desk))
    async with app.run_test() as pilot:
        queue = screen_of(app)
        await until(lambda: queue.loaded, "the queue read")
        desk.held = desk.held[1:]  # another moderator approved Bob's
        await pilot.press("a")
        await until(lambda: "no longer held" in queue.status_words, "the refusal said")
        assert queue.status_words.startswith("could not approve Bob's message")
        await until(lambda: [h.id for h in queue.held] == ["h2", "h3"], "the queue read again")


async def test_a_refusal_stays_said_while_the_queue_keeps_changing() -> None:
    """During a raid the queue is read again every second: the refusal must not be
    wiped by the next reading's hint before the moderator reads it."""
    now = [T0]
    desk = FakeDesk()
    app = Host(HeldQueueScreen(desk, tz=UTC, clock=lambda: now[0]))
    async with app.run_test() as pilot:
        queue = screen_of(app)
        await until(lambda: queue.loaded, "the queue read")
        desk.held = desk.held[1:]  # another moderator approved Bob's
        await pilot.press("a")
        await until(lambda: "no longer held" in queue.status_words, "the refusal said")
        reads = desk.reads
        for _ in range(3):  # the news says the queue changed, again and again
            queue.queue_changed()
            reads += 1
            await until(lambda r=reads: desk.reads >= r, "the queue read again")
            await pilot.pause()
            assert "no longer held" in queue.status_words
        now[0] = T0 + OUTCOME_SHOWN
        queue.queue_changed()
        await until(lambda: queue.status_words == "a approves · x denies", "the hint back")


async def test_a_failed_read_keeps_what_is_shown() -> None:
    desk = FakeDesk()
    app = Host(held_screen(desk))
    async with app.run_test():
        queue = screen_of(app)
        await until(lambda: queue.loaded, "the queue read")
        desk.failure = "cannot reach the app server at http://127.0.0.1:1"
        queue.queue_changed()
        await until(lambda: "could not read the queue" in queue.status_words, "the failure")
        assert len(queue.held) == 3
        assert queue.query_one("#status").has_class("-error")


async def test_the_queue_follows_changes() -> None:
    desk = FakeDesk()
    app = Host(held_screen(desk))
    async with app.run_test():
        queue = screen_of(app)
        await until(lambda: queue.loaded, "the queue read")
        desk.held = desk.held[:1]  # two expired
        queue.queue_changed()
        await until(lambda: len(queue.held) == 1, "the queue read again")
        assert queue.query_one("#held", OptionList).option_count == 1


def test_the_matched_term_stands_out_and_hostile_words_are_text() -> None:
    bob, eve, zed = FakeDesk().held
    shown = held_words(bob, tz=UTC, now=T0)
    assert shown.plain == (
        "20:00 Bob · hold term: spam · 10 min left\n  get cheap followers at my SPAM site"
    )
    marked = [shown.plain[s.start : s.end] for s in shown.spans if s.style == TERM_STYLE]
    assert marked == ["SPAM"]
    phrase = held_words(zed, tz=UTC, now=T0)
    assert [phrase.plain[s.start : s.end] for s in phrase.spans if s.style == TERM_STYLE] == [
        "buy-followers"
    ]
    hostile = held_words(eve, tz=UTC, now=T0).plain
    assert "\x1b" not in hostile and "\x07" not in hostile and "\u202e" not in hostile
    assert "[@click=app.quit]hi␛]52;c;aGk=␇" in hostile and "[red]Eve␛[2J" in hostile
