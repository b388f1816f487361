"""The room settings screen under pilot, over a fake SettingsStore: loaded, edited,
saved whole; bad input and the server's refusal said in place, nothing typed lost."""

from __future__ import annotations

from textual.widgets import Input, Static, TextArea

from tests.screens.moderation.fakes import FakeSettings
from tests.screens.moderation.host import Host, error_of
from tui.client.moderation_api import FloodLimits, RoomSettings
from tui.screens.room_settings import RoomSettingsScreen


def field(app: Host, field_id: str) -> Input:
    return app.screen.query_one(f"#{field_id}", Input)


async def test_loads_edits_and_saves() -> None:
    store = FakeSettings()
    app = Host(RoomSettingsScreen(store))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        terms = app.screen.query_one("#terms", TextArea)
        assert terms.text == "spam\nfr[e3]{2}\\s*v-?bucks"
        assert [field(app, f).value for f in ("messages", "seconds", "timeout", "wait")] == [
            "5",
            "5s",
            "1m",
            "10m",
        ]
        await pilot.press("end", "enter", *"  scam  ", "enter", "enter")  # blank lines do not count
        field(app, "messages").value = "8"
        field(app, "timeout").value = "10m"
        field(app, "wait").value = "0"
        assert (field(app, "rate").value, field(app, "length").value) == ("10", "500")
        field(app, "rate").value = "20"
        field(app, "length").value = "140"
        await pilot.press("ctrl+s")
        await pilot.pause()
    wanted = RoomSettings(
        blocked_terms=["spam", r"fr[e3]{2}\s*v-?bucks", "scam"],
        flood=FloodLimits(messages=8, seconds=5, timeout_seconds=600),
        new_identity_wait_seconds=0,
        max_message_rate=20,
        max_message_length=140,
    )
    assert store.saved == [wanted]
    assert app.results == [wanted]


def status_of(app: Host) -> str:
    return str(app.screen.query_one("#status", Static).render())


async def test_the_count_of_terms_follows_the_editing() -> None:
    store = FakeSettings()
    store.settings = store.settings.model_copy(update={"blocked_terms": ["spam"]})
    app = Host(RoomSettingsScreen(store))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert status_of(app) == "1 blocked term"
        await pilot.press("end", "enter", *"scam")
        await pilot.pause()
        assert status_of(app) == "2 blocked terms (not saved yet; 1 saved)"
        await pilot.press("enter", "enter")  # blank lines are not terms
        await pilot.pause()
        assert status_of(app) == "2 blocked terms (not saved yet; 1 saved)"
        app.screen.query_one("#terms", TextArea).text = "spam"
        await pilot.pause()
        assert status_of(app) == "1 blocked term"


async def test_an_invalid_pattern_is_said_and_the_text_kept() -> None:
    store = FakeSettings()
    app = Host(RoomSettingsScreen(store))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await pilot.press("end", "enter", *"(free", "ctrl+s")
        await pilot.pause()
        assert error_of(app) == (
            "blocked term '(free' is not a valid pattern: "
            "missing ), unterminated subpattern at position 0"
        )
        terms = app.screen.query_one("#terms", TextArea)
        assert terms.text.endswith("\n(free")
        assert store.saved == [] and app.results == []
        # Fixed in place, saved.
        await pilot.press(")", "ctrl+s")
        await pilot.pause()
    assert store.saved[0].blocked_terms[-1] == "(free)"


async def test_bad_fields_are_named_and_focused() -> None:
    store = FakeSettings()
    app = Host(RoomSettingsScreen(store))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        field(app, "messages").value = "many"
        await pilot.press("ctrl+s")
        assert error_of(app) == "flood messages: type a whole number of at least 1"
        assert app.screen.focused is field(app, "messages")
        field(app, "messages").value = "5"
        field(app, "seconds").value = "soon"
        await pilot.press("ctrl+s")
        assert error_of(app) == "'soon' is not a flood window: type one such as 90s, 15m, 2h or 3d"
        assert app.screen.focused is field(app, "seconds")
        field(app, "seconds").value = "2h"  # the server's words were "flood.seconds must be..."
        await pilot.press("ctrl+s")
        assert error_of(app) == "a flood window is at most 1h"
        assert app.screen.focused is field(app, "seconds")
        field(app, "seconds").value = "5s"
        field(app, "timeout").value = "99999d"
        await pilot.press("ctrl+s")
        assert error_of(app) == "a flood timeout is at most 14d"
        assert app.screen.focused is field(app, "timeout")
        field(app, "timeout").value = "1m"
        field(app, "wait").value = "8d"
        await pilot.press("ctrl+s")
        assert error_of(app) == "a wait for new identities is at most 7d"
        field(app, "wait").value = "0s"
        field(app, "rate").value = "101"
        await pilot.press("ctrl+s")
        assert error_of(app) == "the room's messages a second: type a whole number from 1 to 100"
        assert app.screen.focused is field(app, "rate")
        field(app, "rate").value = "10"
        field(app, "length").value = "0"
        await pilot.press("ctrl+s")
        assert error_of(app) == "the longest message: type a whole number from 1 to 500"
        await pilot.press("escape")
    assert store.saved == [] and app.results == [None]


async def test_a_failed_load_says_so_and_cannot_save() -> None:
    store = FakeSettings(load_failure="you may not see the room's moderation settings")
    app = Host(RoomSettingsScreen(store))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert error_of(app) == (
            "could not load the settings: you may not see the room's moderation settings "
            "(ctrl+r to try again)"
        )
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert store.saved == []
        store.load_failure = None
        await pilot.press("ctrl+r")
        await pilot.pause()
        assert error_of(app) == "" and field(app, "messages").value == "5"


async def test_hostile_terms_are_shown_safely() -> None:
    store = FakeSettings()
    store.settings = store.settings.model_copy(update={"blocked_terms": ["bad\x1b[2J", "[b]x"]})
    app = Host(RoomSettingsScreen(store))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        text = app.screen.query_one("#terms", TextArea).text
    assert text == "bad␛[2J\n[b]x"
