"""The timeout picker and the ban confirmation under Textual's pilot: keys in, the
choice out, bad input said beside the field with nothing lost."""

from __future__ import annotations

from textual.widgets import Checkbox, Input, Static

from tests.screens.moderation.host import Host, error_of
from tui.config.presets import ModerationPresets
from tui.screens.dialogs.ban_confirm import BanChoice, BanConfirm
from tui.screens.dialogs.timeout_picker import TimeoutChoice, TimeoutPicker

HOSTILE_NAME = "[@click=app.quit]Mallory\x1b[2J"


async def test_a_preset_key_then_enter_times_out() -> None:
    app = Host(TimeoutPicker("Bob"))
    async with app.run_test() as pilot:
        await pilot.press("3", "enter")  # 1 h; the reason stays empty
    assert app.results == [TimeoutChoice(3600, "")]


async def test_every_preset_with_a_reason() -> None:
    for key, seconds in (("1", 30), ("2", 600), ("4", 86400)):
        app = Host(TimeoutPicker("Bob"))
        async with app.run_test() as pilot:
            await pilot.press(key, *"caps", "enter")
        assert app.results == [TimeoutChoice(seconds, "caps")]


async def test_enter_on_a_highlighted_preset() -> None:
    app = Host(TimeoutPicker("Bob"))
    async with app.run_test() as pilot:
        await pilot.press("down", "enter", "enter")  # the second preset, 10 min
    assert app.results == [TimeoutChoice(600, "")]


async def test_a_custom_duration_and_bad_input() -> None:
    app = Host(TimeoutPicker("Bob"))
    async with app.run_test() as pilot:
        app.screen.query_one("#duration").focus()
        await pilot.press(*"15x", "enter")
        assert error_of(app) == "'x' is not a unit: use s, m, h or d (such as 90s, 15m, 2h or 3d)"
        # Nothing lost: the typed duration is still there, and the reason once typed.
        assert app.screen.query_one("#duration", Input).value == "15x"
        await pilot.press("backspace", "m", "enter", *"spam", "enter")
    assert app.results == [TimeoutChoice(900, "spam")]


async def test_too_long_or_missing_is_refused_in_place() -> None:
    app = Host(TimeoutPicker("Bob"))
    async with app.run_test() as pilot:
        app.screen.query_one("#reason").focus()
        await pilot.press(*"rude", "enter")
        assert error_of(app) == "type a timeout such as 90s, 15m, 2h or 3d"
        assert app.screen.focused is app.screen.query_one("#duration")
        await pilot.press(*"30d", "ctrl+s")
        assert error_of(app) == "a timeout lasts at most 14 days (14d); for longer, ban"
        assert app.screen.query_one("#reason", Input).value == "rude"
        assert app.results == []
        await pilot.press("escape")
    assert app.results == [None]


async def test_reopened_with_the_servers_words_and_the_choice_kept() -> None:
    before = TimeoutChoice(5400, "flooding")
    app = Host(TimeoutPicker("Bob", initial=before, error="you may not time out this user"))
    async with app.run_test() as pilot:
        assert error_of(app) == "you may not time out this user"
        assert app.screen.query_one("#duration", Input).value == "1h30m"
        await pilot.press("enter")
    assert app.results == [before]


async def test_a_hostile_name_is_text() -> None:
    app = Host(TimeoutPicker(HOSTILE_NAME))
    async with app.run_test() as pilot:
        about = str(app.screen.query_one("#about", Static).render())
        await pilot.press("escape")
    assert about.startswith("[@click=app.quit]Mallory␛[2J is disconnected")
    assert app.results == [None]


async def test_a_remapped_preset_key() -> None:
    app = Host(TimeoutPicker("Bob"))
    async with app.run_test() as pilot:
        app.set_keymap({"timeout_picker.preset_4": "f4"})
        await pilot.press("f4", "enter")
    assert app.results == [TimeoutChoice(86400, "")]


async def test_ban_with_a_reason_and_the_address() -> None:
    app = Host(BanConfirm("Bob"))
    async with app.run_test() as pilot:
        await pilot.press(*"slurs", "ctrl+t")
        assert app.screen.query_one("#address", Checkbox).value is True
        await pilot.press("enter")
    assert app.results == [BanChoice("slurs", ban_address=True)]


async def test_ban_without_a_reason_by_the_checkbox_and_cancel() -> None:
    app = Host(BanConfirm("Bob"))
    async with app.run_test() as pilot:
        await pilot.press("tab", "space", "space", "ctrl+s")  # toggled on, then off again
    assert app.results == [BanChoice("", ban_address=False)]
    app = Host(BanConfirm("Bob"))
    async with app.run_test() as pilot:
        await pilot.press(*"oops", "escape")
    assert app.results == [None]


async def test_ban_words_are_honest_and_the_name_is_text() -> None:
    app = Host(BanConfirm(HOSTILE_NAME, initial=BanChoice("x", True), error="no such user: u"))
    async with app.run_test() as pilot:
        question = str(app.screen.query_one("#question", Static).render())
        assert error_of(app) == "no such user: u"
        assert app.screen.query_one("#reason", Input).value == "x"
        await pilot.press("enter")
    assert question == (
        "Ban [@click=app.quit]Mallory␛[2J? They are disconnected now and cannot get a new "
        "chat token until unbanned."
    )
    assert app.results == [BanChoice("x", True)]


async def test_digits_in_the_fields_are_text_not_presets() -> None:
    app = Host(TimeoutPicker("Bob"))
    async with app.run_test() as pilot:
        await pilot.press("1", *"2nd warning", "enter")
    assert app.results == [TimeoutChoice(30, "2nd warning")]


async def test_the_address_checkbox_shows_its_state_by_a_mark_not_only_colour() -> None:
    app = Host(BanConfirm("Bob"))
    async with app.run_test() as pilot:
        box = app.screen.query_one("#address", Checkbox)
        unchecked = str(box.render())
        await pilot.press("ctrl+t")
        checked = str(box.render())
        assert "X" in checked and "X" not in unchecked
        assert checked.replace("X", " ") == unchecked  # the mark is the only difference


# --- the moderator's own presets and reasons, and the purge ----------------------------

REASONS = ("spam", "slurs", "harassment")


async def test_configured_presets_by_number_and_reasons_by_letter() -> None:
    presets = ModerationPresets(timeout_presets=("5m", "2h", "3d")).timeouts()
    app = Host(TimeoutPicker("Bob", presets=presets, reasons=REASONS))
    async with app.run_test() as pilot:
        subtitle = str(app.screen.query_one("#dialog").border_subtitle)
        assert subtitle.startswith("1-3 preset · a-z reason · ^r purge")
        await pilot.press("4")  # no fourth preset: nothing
        assert app.screen.query_one("#duration", Input).value == ""
        await pilot.press("2")  # 2 h, then the reasons' list has the focus
        assert app.screen.focused is app.screen.query_one("#reasons")
        await pilot.press("b")  # slurs, into the reason box, where it can be edited
        reason = app.screen.query_one("#reason", Input)
        assert reason.value == "slurs" and app.screen.focused is reason
        await pilot.press(*" again", "enter")
    assert app.results == [TimeoutChoice(7200, "slurs again")]


async def test_a_letter_in_a_text_box_is_typed_not_a_reason() -> None:
    app = Host(TimeoutPicker("Bob", reasons=REASONS))
    async with app.run_test() as pilot:
        await pilot.press("3")  # 1 h; the reasons' list
        await pilot.press("tab")  # on to the reason box
        await pilot.press(*"abc", "enter")
    assert app.results == [TimeoutChoice(3600, "abc")]


async def test_a_reason_chosen_by_enter_on_the_list() -> None:
    app = Host(TimeoutPicker("Bob", reasons=REASONS))
    async with app.run_test() as pilot:
        await pilot.press("1", "down", "down", "enter", "enter")
    assert app.results == [TimeoutChoice(30, "harassment")]


async def test_a_timeout_purges_only_when_asked() -> None:
    app = Host(TimeoutPicker("Bob"))
    async with app.run_test() as pilot:
        assert app.screen.query_one("#purge", Checkbox).value is False
        await pilot.press("2", "ctrl+r", "enter")
    assert app.results == [TimeoutChoice(600, "", purge=True)]
    assert app.results[0].purge_seconds == 600
    assert TimeoutChoice(600).purge_seconds is None


async def test_a_ban_purges_by_default_and_ctrl_r_keeps_the_messages() -> None:
    app = Host(BanConfirm("Bob"))
    async with app.run_test() as pilot:
        assert app.screen.query_one("#purge", Checkbox).value is True
        await pilot.press("enter")
    assert app.results == [BanChoice("", ban_address=False, purge=True)]
    assert app.results[0].purge_seconds == 600
    app = Host(BanConfirm("Bob"))
    async with app.run_test() as pilot:
        await pilot.press("ctrl+r", "enter")
    assert app.results == [BanChoice("", purge=False)]
    assert app.results[0].purge_seconds is None


async def test_a_ban_reason_by_letter() -> None:
    app = Host(BanConfirm("Bob", reasons=REASONS))
    async with app.run_test() as pilot:
        assert app.screen.focused is app.screen.query_one("#reasons")
        await pilot.press("z")  # no 26th reason: nothing
        assert app.screen.query_one("#reason", Input).value == ""
        await pilot.press("c", "ctrl+s")
    assert app.results == [BanChoice("harassment")]


async def test_reopened_the_purge_choice_is_kept() -> None:
    app = Host(BanConfirm("Bob", initial=BanChoice("x", purge=False), error="refused"))
    async with app.run_test() as pilot:
        assert app.screen.query_one("#purge", Checkbox).value is False
        await pilot.press("enter")
    assert app.results == [BanChoice("x", purge=False)]
