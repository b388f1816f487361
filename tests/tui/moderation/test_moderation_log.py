"""The moderation log screen under pilot, over a fake LogSource."""

from __future__ import annotations

from datetime import UTC

from textual.widgets import DataTable, Input, Static

from tests.tui.moderation.fakes import BOB, FakeLog
from tests.tui.moderation.host import Host
from tui.screens.moderation_log import ModerationLogScreen


def rows(app: Host) -> list[list[str]]:
    table = app.screen.query_one(DataTable)
    return [[str(cell) for cell in table.get_row_at(i)] for i in range(table.row_count)]


def text(app: Host, selector: str) -> str:
    return str(app.screen.query_one(selector, Static).render())


async def test_lists_the_log_newest_first() -> None:
    source = FakeLog()
    app = Host(ModerationLogScreen(source, tz=UTC))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        listed = rows(app)
        assert text(app, "#status") == "6 records, newest first"
        assert (
            text(app, "#detail") == "2026-12-01 20:31:00 UTC: Host made a moderator: Mia (manual)"
        )
    assert [r[:6] for r in listed] == [
        ["12-01 20:31", "Host", "mod", "Mia", "", "manual"],
        ["12-01 20:24", "Mia", "ban", "[red]Eve␛[2J", "forever", "manual"],
        ["12-01 20:12", "room keeper", "timeout", "Bob", "1 min", "auto"],
        ["12-01 20:12", "room keeper", "delete", "Bob", "", "auto"],
        ["12-01 20:05", "Host", "untimeout", "Bob", "", "manual"],
        ["12-01 20:02", "Host", "timeout", "Bob", "10 min", "manual"],
    ]
    # A hostile reason is text with its controls made visible, never markup.
    assert listed[1][6] == "[@click=app.quit]slurs␛]52;c;aGk=␇"
    assert source.asked == [(None, 200)]


async def test_keys_move_filter_and_ask_for_one_user() -> None:
    source = FakeLog()
    app = Host(ModerationLogScreen(source, tz=UTC))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await pilot.press("down", "down")
        assert text(app, "#detail") == (
            "2026-12-01 20:12:00 UTC: room keeper timed out Bob for 1 min (automatic). "
            "Reason: flood"
        )
        await pilot.press("u")  # the selected record's target: Bob's whole log
        await pilot.pause()
        assert source.asked[-1] == ("viewer-bob", 200)
        assert text(app, "#title") == "Moderation log · Bob (viewer-bob)"
        assert [r[3] for r in rows(app)] == ["Bob"] * 4
        await pilot.press("a")
        await pilot.pause()
        assert source.asked[-1] == (None, 200) and len(rows(app)) == 6
        # Typing a name narrows what is shown; letters typed are not keys ("u", "a").
        await pilot.press("slash", *"mia")
        assert app.screen.query_one("#filter", Input).value == "mia"
        assert [(r[1], r[3]) for r in rows(app)] == [("Host", "Mia"), ("Mia", "[red]Eve␛[2J")]
        assert text(app, "#status") == "2 of 6 records, newest first"
        await pilot.press("enter", "end")
        await pilot.pause()
        assert text(app, "#detail").startswith("2026-12-01 20:24:00 UTC: Mia banned [red]Eve␛[2J")
        await pilot.press("escape")
    assert app.results == [None]


async def test_a_failed_refresh_keeps_what_is_shown() -> None:
    source = FakeLog()
    app = Host(ModerationLogScreen(source, user=BOB, tz=UTC))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert len(rows(app)) == 4
        source.failure = "cannot reach the app server at http://127.0.0.1:9: connection refused"
        await pilot.press("ctrl+r")
        await pilot.pause()
        assert text(app, "#status") == (
            "could not load the log: cannot reach the app server at http://127.0.0.1:9: "
            "connection refused (ctrl+r to try again)"
        )
        assert len(rows(app)) == 4
        source.failure = None
        source.records = source.records[:1]
        await pilot.press("f5")
        await pilot.pause()
        assert text(app, "#status") == "nothing about them"
    assert source.asked == [("viewer-bob", 200)] * 3


async def test_refresh_remapped() -> None:
    source = FakeLog()
    app = Host(ModerationLogScreen(source, tz=UTC))
    async with app.run_test(size=(80, 24)) as pilot:
        app.set_keymap({"moderation_log.refresh": "g"})
        await pilot.pause()
        await pilot.press("g")
        await pilot.pause()
    assert len(source.asked) == 2
