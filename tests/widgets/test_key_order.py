"""Keys that arrive in one read of the terminal are applied in the order typed, in every
text field: a bound editing key (backspace, home, ctrl+u) acts before the characters
typed after it, not after them.

The keys go in the way the terminal driver sends them: the bytes of one read through
Textual's own parser, each event posted to the app with no wait in between."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from textual import on
from textual._xterm_parser import XTermParser
from textual.app import App, ComposeResult
from textual.pilot import Pilot
from textual.widget import Widget
from textual.widgets import Input, TextArea

from tests.app_helpers import show_conversation
from tests.screens.moderation.fakes import FakeLog, FakeSettings
from tests.screens.moderation.host import Host
from tui.app import ChatApp
from tui.screens.dialogs.ban_confirm import BanConfirm
from tui.screens.dialogs.confirm import ConfirmScreen
from tui.screens.dialogs.timeout_picker import TimeoutPicker
from tui.screens.moderation_log import ModerationLogScreen
from tui.screens.room_settings import RoomSettingsScreen
from tui.widgets.composer import Composer
from tui.widgets.search_bar import SearchBar

BACKSPACE, HOME, CTRL_U, CTRL_S, CTRL_UP = "\x7f", "\x1b[H", "\x15", "\x13", "\x1b[1;5A"

SEQUENCES = {
    "ab ⌫ cd": ("ab" + BACKSPACE + "cd", "acd"),
    "abc Home X": ("abc" + HOME + "X", "Xabc"),
    "abc ctrl+u xyz": ("abc" + CTRL_U + "xyz", "xyz"),
}


async def one_read(app: App[Any], pilot: Pilot[Any], data: str) -> None:
    """`data` as one read of stdin: parsed as the driver parses it, every key posted at
    once (the pilot's `press` waits for the app after each key)."""
    parser = XTermParser()
    for event in [*parser.feed(data), *parser.tick()]:
        app.post_message(event)
    await pilot.pause()
    await pilot.pause()


def text_of(field: Widget) -> str:
    return field.text if isinstance(field, TextArea) else field.value  # type: ignore[attr-defined]


Opener = Callable[[Callable[..., ChatApp]], tuple[App[Any], Callable[[App[Any]], Widget]]]


def in_screen(screen_factory: Callable[[], Any], selector: str) -> Opener:
    def open_(make_app: Callable[..., ChatApp]) -> tuple[App[Any], Callable[[App[Any]], Widget]]:
        return Host(screen_factory()), lambda app: app.screen.query_one(selector)

    return open_


def composer(make_app: Callable[..., ChatApp]) -> tuple[App[Any], Callable[[App[Any]], Widget]]:
    return make_app(), lambda app: app.chat.composer.input


def search(make_app: Callable[..., ChatApp]) -> tuple[App[Any], Callable[[App[Any]], Widget]]:
    return make_app(), lambda app: app.chat.query_one(SearchBar)


FIELDS: dict[str, Opener] = {
    "composer": composer,
    "search": search,
    "room settings: flood messages": in_screen(
        lambda: RoomSettingsScreen(FakeSettings()), "#messages"
    ),
    "room settings: blocked terms": in_screen(lambda: RoomSettingsScreen(FakeSettings()), "#terms"),
    "timeout: duration": in_screen(lambda: TimeoutPicker("Bob"), "#duration"),
    "timeout: reason": in_screen(lambda: TimeoutPicker("Bob"), "#reason"),
    "ban: reason": in_screen(lambda: BanConfirm("Bob"), "#reason"),
    "confirm: reason": in_screen(
        lambda: ConfirmScreen("Disconnect", "Disconnect Bob?", reason_label="Reason"), "#reason"
    ),
    "moderation log: filter": in_screen(lambda: ModerationLogScreen(FakeLog()), "#filter"),
}


@pytest.mark.parametrize("sequence", SEQUENCES)
@pytest.mark.parametrize("kind", FIELDS)
async def test_keys_in_one_read_apply_in_order(
    kind: str, sequence: str, make_app: Callable[..., ChatApp]
) -> None:
    data, wanted = SEQUENCES[sequence]
    app, field_of = FIELDS[kind](make_app)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        if isinstance(app, ChatApp):
            await show_conversation(app, pilot)
        if kind == "search":
            app.chat.query_one(SearchBar).open()
        field = field_of(app)
        if isinstance(field, TextArea):
            field.text = ""
        else:
            assert isinstance(field, Input)
            field.value = ""
        field.focus()
        await pilot.pause()
        assert app.focused is field
        await one_read(app, pilot, data)
        assert text_of(field) == wanted


class ComposerAlone(App[None]):
    """A composer and nothing else, with a keymap: what Enter (or its remapping) took."""

    def __init__(self, keymap: dict[str, str]) -> None:
        super().__init__()
        self.keymap = keymap
        self.sent: list[str] = []

    def compose(self) -> ComposeResult:
        yield Composer()

    def on_mount(self) -> None:
        self.set_keymap(self.keymap)
        self.query_one(Composer).focus_input()

    @on(Composer.Submitted)
    def _submitted(self, event: Composer.Submitted) -> None:
        self.sent.append(event.text)


async def test_the_composers_own_keys_keep_their_place_in_a_read_as_remapped() -> None:
    """The send key and the history key, moved by a keymap: each acts where it was typed."""
    app = ComposerAlone({"composer.send": "ctrl+s", "composer.history_previous": "ctrl+up"})
    async with app.run_test() as pilot:
        composer = app.query_one(Composer)
        await one_read(app, pilot, "one\r" + "two" + CTRL_S + "three")
        assert app.sent == ["onetwo"]  # enter no longer sends; ctrl+s sent what was before it
        assert composer.text == "three"
        composer.input.value = ""
        composer.input.history.add("earlier")
        await one_read(app, pilot, "x" + CTRL_UP + "!")
        assert composer.text == "earlier!"
