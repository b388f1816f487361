"""Lines the room refuses (its rate limit) are never joined to other text: they wait, in
the order typed, with their count under the composer, and up brings each back whole.
Against the real local stack, whose room rate limit refuses them."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from pathlib import Path

from textual.pilot import Pilot

from tests.app_helpers import HOST, contents, show_conversation, until
from tests.screens.test_burst import alice_and_bob, burst
from tui.app import ChatApp
from tui.common.token_bucket import TokenBucket
from tui.ivs.events import ChatError
from tui.ivs.protocol import ErrorCode
from tui.server.boot.startup import LocalStack
from tui.widgets.composer import Composer, send_error_words

LINES = [f"line {n:02}" for n in range(1, 26)]
REFUSED = {5, 6, 12, 20}  # 1-based: which of LINES the room's rate limit refuses
FAST = {"messages": 1000, "seconds": 1}
"""The room keeper's flood limit out of the way: this is about the room's own rate."""


def refuse_at(bucket: TokenBucket, refused: set[int], count: int) -> None:
    """Make the room's real rate limit refuse sends number `refused` (1-based) of the
    next `count`, and take every send after those: its clock, one tick a send, moves
    a second (a token) before each send that goes through and stands still before each
    refused one."""
    ticks: list[float] = []
    now = 0.0
    for n in range(1, count + 1):
        if n not in refused:
            now += 1.0
        ticks.append(now)
    clock = itertools.chain(ticks, itertools.count(now + 1.0))
    bucket.rate, bucket.burst, bucket.tokens, bucket.updated = 1.0, 1.0, 0.0, 0.0
    bucket.clock = lambda: next(clock)


async def test_refused_lines_of_a_burst_wait_in_order_and_come_back_whole(tmp_path: Path) -> None:
    stacks: list[LocalStack] = []
    async with alice_and_bob(tmp_path, flood=FAST, stacks=stacks) as (alice, pilot, bob):
        stack = stacks[0]
        assert stack.emulator is not None
        hub, room = stack.emulator.hub, stack.emulator.state.rooms[stack.room_arn]
        refuse_at(hub.live_room(room).limiter, REFUSED, len(LINES))
        composer = alice.chat.query_one(Composer)
        refused = [line for n, line in enumerate(LINES, 1) if n in REFUSED]
        sent = [line for line in LINES if line not in refused]

        # 25 lines in one burst, and the start of the next one, not sent: the composer is
        # not empty when the refusals come back.
        keys = [key for line in LINES for key in (*line, "enter")]
        await burst(alice, pilot, *keys, *"draft")
        await until(lambda: len(contents(bob)) >= len(sent), "the lines let through at Bob")
        await until(lambda: not composer.sending, "every send answered")
        assert contents(bob) == sent  # nothing joined, nothing twice
        assert composer.text == "draft"  # no refused line put into it
        assert composer.waiting == refused
        words = "4 not sent: ↑ to recall · you are sending too fast"
        assert composer.error == words
        # All of it on the line at 80 columns.
        assert alice.size.width == 80
        assert composer.query_one("#composer-error").content_region.width >= len(words)

        # Up brings each back whole, oldest first; Enter sends it. The draft waits its turn.
        await burst(alice, pilot, *["up", "enter"] * len(refused))
        await until(lambda: len(contents(bob)) == len(LINES), "the refused lines at Bob")
        await until(lambda: not composer.sending, "every send answered")
        assert contents(bob) == sent + refused
        assert composer.waiting == ["draft"]
        assert composer.error == "1 not sent: ↑ to recall"
        await burst(alice, pilot, "up")
        assert composer.text == "draft"
        await burst(alice, pilot, "!")
        assert composer.text == "draft!" and composer.waiting == [] and composer.error == ""


def test_snapshot_of_refused_lines_waiting_under_a_draft(
    snap_compare, make_app: Callable[..., ChatApp]
) -> None:
    """At 80x24 the count, its key and the reason are all on the line."""

    async def run_before(pilot: Pilot[object]) -> None:
        app = pilot.app
        assert isinstance(app, ChatApp)
        composer = app.chat.composer
        composer.input.cursor_blink = False
        await show_conversation(app, pilot)
        await pilot.press(*"and one more thing")
        too_fast = send_error_words(ChatError(ErrorCode.TOO_MANY_REQUESTS, "rate limit"))
        for line in ("line 05", "line 06"):
            composer.begin_send()
            composer.failed(line, too_fast)
        await pilot.pause()

    assert snap_compare(make_app(HOST), terminal_size=(80, 24), run_before=run_before)
