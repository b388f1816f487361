"""Snapshots of the moderation screens at 80x24 (pytest-textual-snapshot): the timeout
picker, the ban confirmation, the moderation log and the room settings, each on a bare
host app over fixed data (tests/screens/moderation/fakes.py), times in UTC. Hostile names
and reasons are in them on purpose. Every SVG under __snapshots__ was opened and looked
at before it was kept."""

from __future__ import annotations

from datetime import UTC

from textual.pilot import Pilot

from tests.app_helpers import until
from tests.screens.moderation.fakes import FakeLog, FakeSettings
from tests.screens.moderation.held_fakes import T0, FakeDesk
from tests.screens.moderation.host import Host
from tui.screens.dialogs.ban_confirm import BanConfirm
from tui.screens.dialogs.timeout_picker import TimeoutPicker
from tui.screens.held_queue import HeldQueueScreen
from tui.screens.moderation_log import ModerationLogScreen
from tui.screens.room_settings import RoomSettingsScreen

SIZE = (80, 24)
HOSTILE_NAME = "[@click=app.quit]Mallory\x1b[2J\u202eevil"


def keys(*pressed: str):
    async def run_before(pilot: Pilot) -> None:
        app = pilot.app
        assert isinstance(app, Host)
        await pilot.pause()
        app.still_cursors()
        for key in pressed:
            await pilot.press(key)
        await pilot.pause()
        app.still_cursors()
        await pilot.pause()

    return run_before


def test_timeout_picker(snap_compare) -> None:
    app = Host(TimeoutPicker(HOSTILE_NAME))
    assert snap_compare(app, terminal_size=SIZE, run_before=keys("2", *"caps lock"))


def test_timeout_picker_bad_duration(snap_compare) -> None:
    app = Host(TimeoutPicker("Bob"))

    async def run_before(pilot: Pilot) -> None:
        pilot.app.screen.query_one("#duration").focus()
        await keys(*"15x", "enter")(pilot)

    assert snap_compare(app, terminal_size=SIZE, run_before=run_before)


def test_ban_confirm(snap_compare) -> None:
    app = Host(BanConfirm(HOSTILE_NAME, address="203.0.113.7", address_shared_by=3))
    assert snap_compare(app, terminal_size=SIZE, run_before=keys(*"slurs", "ctrl+t"))


REASONS = ("spam", "slurs", "harassment")


def test_timeout_picker_with_reasons(snap_compare) -> None:
    app = Host(TimeoutPicker("Bob", reasons=REASONS))
    assert snap_compare(app, terminal_size=SIZE, run_before=keys("3", "b", "ctrl+r"))


def test_ban_confirm_with_reasons(snap_compare) -> None:
    app = Host(BanConfirm("Bob", reasons=REASONS, address="203.0.113.7", address_shared_by=1))
    assert snap_compare(app, terminal_size=SIZE, run_before=keys("a"))


def test_moderation_log(snap_compare) -> None:
    app = Host(ModerationLogScreen(FakeLog(), tz=UTC))
    assert snap_compare(app, terminal_size=SIZE, run_before=keys("down"))


def test_moderation_log_filtered(snap_compare) -> None:
    app = Host(ModerationLogScreen(FakeLog(), tz=UTC))
    assert snap_compare(app, terminal_size=SIZE, run_before=keys("slash", *"bob", "enter"))


def test_moderation_log_manual_only(snap_compare) -> None:
    app = Host(ModerationLogScreen(FakeLog(), tz=UTC))
    assert snap_compare(app, terminal_size=SIZE, run_before=keys("h"))


def test_room_settings_invalid_pattern(snap_compare) -> None:
    app = Host(RoomSettingsScreen(FakeSettings()))
    assert snap_compare(app, terminal_size=SIZE, run_before=keys("enter", *"(free", "ctrl+s"))


def test_held_queue(snap_compare) -> None:
    app = Host(HeldQueueScreen(FakeDesk(), tz=UTC, clock=lambda: T0))
    assert snap_compare(app, terminal_size=SIZE, run_before=keys("down"))


def test_user_card_with_notes(snap_compare) -> None:
    from tests.screens.moderation.notes_fakes import FakeNotes
    from tests.screens.moderation.test_user_card_notes import card

    app = Host(card(FakeNotes()))

    async def run_before(pilot: Pilot) -> None:
        screen = pilot.app.screen
        await until(lambda: screen.notes_words.startswith("notes (2"), "the notes")
        await until(lambda: screen.offences != "", "the profile")
        await pilot.pause()

    assert snap_compare(app, terminal_size=SIZE, run_before=run_before)
