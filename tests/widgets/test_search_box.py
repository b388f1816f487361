"""The search box shows what is typed in it: one row of text, focused or not, at 80x24
and larger (a focused Input's border took its only row, so the search was typed blind)."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from textual.geometry import Region
from textual.pilot import Pilot

from tests.app_helpers import HOST, show_conversation
from tui.app import ChatApp
from tui.widgets.search_bar import SearchBar


async def open_search(app: ChatApp, pilot: Pilot[object], typed: str) -> SearchBar:
    """The conversation, then `/` from the list and `typed` in the box."""
    await show_conversation(app, pilot)
    await pilot.press("escape", "slash")  # from the composer to the list, then search
    await pilot.pause()
    bar = app.chat.query_one(SearchBar)
    bar.cursor_blink = False  # a snapshot must not flicker
    await pilot.press(*typed)
    await pilot.pause()
    return bar


@pytest.mark.parametrize("size", [(80, 24), (80, 40), (120, 40)])
async def test_the_search_box_draws_what_is_typed(
    make_app: Callable[..., ChatApp], size: tuple[int, int]
) -> None:
    app = make_app(HOST)
    async with app.run_test(size=size) as pilot:
        bar = await open_search(app, pilot, "from:bob corne")
        assert bar.has_focus and bar.value == "from:bob corne"
        assert bar.region.height == 1 and bar.content_region.height == 1
        rows = bar.render_lines(Region(0, 0, bar.size.width, bar.size.height))
        assert ["from:bob corne" in "".join(s.text for s in row) for row in rows] == [True]


def test_snapshot_of_the_open_search_box_with_text(
    snap_compare, make_app: Callable[..., ChatApp]
) -> None:
    async def run_before(pilot: Pilot[object]) -> None:
        app = pilot.app
        assert isinstance(app, ChatApp)
        app.chat.composer.input.cursor_blink = False
        await open_search(app, pilot, "from:bob corne")

    assert snap_compare(make_app(HOST), terminal_size=(80, 24), run_before=run_before)
