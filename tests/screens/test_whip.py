"""The OBS (WHIP) settings modal: the bearer token is shown whole at 80x24 and copied by
a key (OSC 52)."""

from __future__ import annotations

import math

from textual.app import App
from textual.geometry import Region
from textual.widgets import Static

from tui.screens.dialogs.whip import WhipScreen

SERVER = "http://127.0.0.1:8750/whip"
# A JWT-like token: no spaces, longer than the local one, shorter than AWS's.
TOKEN = "eyJhbGciOiJFUzM4NCJ9." + "".join(f"{n:04x}AbCdEf" for n in range(100)) + ".sig-end"


class WhipApp(App[None]):
    def __init__(self, keymap: dict[str, str] | None = None) -> None:
        super().__init__()
        self.keys = keymap or {}

    def on_mount(self) -> None:
        self.set_keymap(self.keys)  # as the chat app does, before any dialog opens
        self.push_screen(WhipScreen(SERVER, TOKEN))


async def test_the_whole_token_is_shown_and_t_copies_it() -> None:
    app = WhipApp()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, WhipScreen)
        token = screen.query_one("#token", Static)
        # Every character is drawn: as many rows as the token needs at this width.
        rows = math.ceil(len(TOKEN) / token.content_region.width)
        assert token.content_region.height == rows
        whole = Region(0, 0, *token.outer_size)
        drawn = "".join(line.text.strip() for line in token.render_lines(whole))
        assert drawn == TOKEN
        # Taller than the terminal: the dialog scrolls to the buttons under it.
        dialog = screen.query_one("#dialog")
        assert dialog.max_scroll_y > 0
        for _ in range(dialog.max_scroll_y):
            await pilot.press("down")
        assert dialog.scroll_y == dialog.max_scroll_y
        await pilot.press("t")
        await pilot.pause()
        assert app.clipboard == TOKEN
        # Said in the dialog: a notification toast would sit on its corner.
        assert str(screen.query_one("#status", Static).render()) == (
            "Token copied to the clipboard (OSC 52)."
        )
        assert not app._notifications


async def test_the_keys_are_said_in_the_dialog_as_they_are_bound() -> None:
    app = WhipApp({"whip.copy_token": "y"})
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, WhipScreen)
        keys = screen.query_one("#keys", Static)
        assert str(keys.render()) == "u copy server · y copy token · esc close"
        # At the top of the dialog, not on its bottom border (where, at 80x24, it sat on
        # the invite toast's edge under the modal and read as part of it).
        assert keys.region.y < screen.query_one("#token").region.y
        assert not screen.query_one("#dialog").border_subtitle


def test_whip_snapshot(snap_compare) -> None:  # type: ignore[no-untyped-def]
    assert snap_compare(WhipApp(), terminal_size=(80, 24))
