"""The moderation log screen under pilot, over a fake LogSource."""

from __future__ import annotations

from datetime import UTC

from textual.widgets import DataTable, Footer, Input, Static
from textual.widgets._footer import FooterKey

from tests.app_helpers import HOST as HOST_ME
from tests.screens.moderation.fakes import BOB, HOST, KEEPER, FakeLog, record
from tests.screens.moderation.host import Host
from tui.app import ChatApp
from tui.client.moderation_api import ModerationRecord, Party
from tui.config.settings import TuiSettings
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
    assert [r[:5] for r in listed] == [
        ["12-01 20:31", "Host", "mod", "Mia", ""],
        ["12-01 20:24", "Mia", "ban +address", "[red]Eve␛[2J", "forever"],
        ["12-01 20:12", "room keeper", "timeout", "Bob", "1 min"],
        ["12-01 20:12", "room keeper", "delete", "Bob", ""],
        ["12-01 20:05", "Host", "untimeout", "Bob", ""],
        ["12-01 20:02", "Host", "timeout", "Bob", "10 min"],
    ]
    # A hostile reason is text with its controls made visible, never markup.
    assert listed[1][5] == "[@click=app.quit]slurs␛]52;c;aGk=␇"
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


def drawn(app: Host) -> str:
    """The table as the terminal shows it, row by row."""
    table = app.screen.query_one(DataTable)
    return "\n".join(
        "".join(s.text for s in table.render_line(y)) for y in range(table.size.height)
    )


async def test_long_names_and_reasons_wrap_at_80_columns_instead_of_being_cut() -> None:
    troll = Party(user_id="viewer-t", display_name="tr0ll_okwtf")
    reason = "blocked term: free v-bucks, said three times in a minute"
    source = FakeLog(
        records=[
            record(2, KEEPER, "delete", troll, minutes=2, reason=reason, automatic=True),
            record(1, HOST, "ban", troll, minutes=1, reason="spam"),
        ]
    )
    app = Host(ModerationLogScreen(source, tz=UTC))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        shown = drawn(app)
    words = shown.split()
    for word in ("room", "keeper", "tr0ll_okwtf", *reason.split()):
        assert word in words, (word, shown)


async def test_h_hides_the_automatic_records_and_shows_them_again() -> None:
    source = FakeLog()
    app = Host(ModerationLogScreen(source, tz=UTC))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await pilot.press("h")
        await pilot.pause()
        assert [(r[1], r[2]) for r in rows(app)] == [
            ("Host", "mod"),
            ("Mia", "ban +address"),
            ("Host", "untimeout"),
            ("Host", "timeout"),
        ]
        assert text(app, "#status") == (
            "4 of 6 records, newest first; 2 automatic hidden (h shows them)"
        )
        # Typing in the filter is not the key: "h" there is a letter of a name.
        await pilot.press("slash", *"h")
        assert app.screen.query_one("#filter", Input).value == "h"
        await pilot.press("backspace", "enter", "h")
        await pilot.pause()
        assert len(rows(app)) == 6
        assert text(app, "#status") == "6 records, newest first"


async def test_the_hide_key_can_be_remapped() -> None:
    app = Host(ModerationLogScreen(FakeLog(), tz=UTC))
    async with app.run_test(size=(80, 24)) as pilot:
        app.set_keymap({"moderation_log.hide_automatic": "ctrl+a"})
        await pilot.pause()
        await pilot.press("ctrl+a")
        await pilot.pause()
        assert len(rows(app)) == 4
        assert text(app, "#status").endswith("(^a shows them)")


async def test_f1_in_the_log_lists_its_keys() -> None:
    app = ChatApp(identity=HOST_ME, settings=TuiSettings.model_construct(), tz=UTC)
    async with app.run_test(size=(80, 24)) as pilot:
        await app.push_screen(ModerationLogScreen(FakeLog(), tz=UTC))
        await pilot.pause()
        await pilot.press("f1")
        await pilot.pause()
        shown = " ".join(m.source for m in app.screen.query("HelpPanel Markdown"))
        assert "`h` manual only: hide the room keeper's automatic records" in shown


async def test_a_ban_says_whether_it_took_the_addresses_too() -> None:
    source = FakeLog(
        records=[
            record(2, HOST, "ban", BOB, minutes=2, seconds=3600, ban_address=True),
            record(1, HOST, "ban", BOB, minutes=1, reason="spam"),
        ]
    )
    app = Host(ModerationLogScreen(source, tz=UTC))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert [r[2] for r in rows(app)] == ["ban +address", "ban"]
        assert text(app, "#detail") == (
            "2026-12-01 20:02:00 UTC: Host banned Bob for 1 h, their addresses too (manual)"
        )
        await pilot.press("down")
        assert text(app, "#detail") == (
            "2026-12-01 20:01:00 UTC: Host banned Bob, not their addresses (manual). Reason: spam"
        )


class Unbans:
    async def act(self, action: str, user_id: str) -> ModerationRecord:
        raise AssertionError("not pressed here")


async def test_at_80_columns_every_key_of_a_users_log_fits_the_footer() -> None:
    source = FakeLog(records=[record(1, HOST, "ban", BOB, minutes=1, ban_address=True)])
    app = ChatApp(identity=HOST_ME, settings=TuiSettings.model_construct(), tz=UTC)
    async with app.run_test(size=(80, 24)) as pilot:
        await app.push_screen(ModerationLogScreen(source, user=BOB, tz=UTC, unbanner=Unbans()))
        await pilot.pause()
        footer = app.screen.query_one(Footer)
        palette = footer.query_one(".-command-palette").region
        keys = [key for key in footer.query(FooterKey) if key.region != palette]
        shown = {key.description: key.region for key in keys if key.description}
        own = {"Close", "Refresh", "Find", "User", "All", "Unban", "Hide auto"}
        assert own <= set(shown)
        for description in own:  # the app's own keys (Quit, Help) come after
            region = shown[description]
            assert region.right <= palette.x, f"{description!r} is cut off: {region}"
        assert text(app, "#status") == "1 record, newest first"


async def test_the_raid_tools_records_read_as_sentences() -> None:
    room = Party(user_id="room", display_name="the room")
    source = FakeLog(
        records=[
            record(
                5, KEEPER, "refuse", BOB, minutes=5, reason="blocked term 'scam'", automatic=True
            ),
            record(4, HOST, "deny", BOB, minutes=4),
            record(3, HOST, "approve", BOB, minutes=3),
            record(2, KEEPER, "unshield", room, minutes=2, automatic=True),
            record(1, HOST, "shield", room, minutes=1),
        ]
    )
    app = Host(ModerationLogScreen(source, tz=UTC))
    said: list[str] = []
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        for _ in range(5):
            said.append(text(app, "#detail").split(": ", 1)[1])
            await pilot.press("down")
            await pilot.pause()
    assert said == [
        "room keeper refused a message of Bob (automatic). Reason: blocked term 'scam'",
        "Host denied a held message of Bob (manual)",
        "Host approved a held message of Bob (manual)",
        "room keeper turned off shield mode in the room (automatic)",
        "Host turned on shield mode in the room (manual)",
    ]
