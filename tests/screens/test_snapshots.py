"""Snapshots of the chat screen and its modals (pytest-textual-snapshot).

The app connects nowhere: each scene hands it room events, with a fixed clock, fixed ids
and UTC times. Every SVG under __snapshots__ was opened and looked at before it was kept.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import pytest
from textual.pilot import Pilot
from textual.widgets import Input

from tests.app_helpers import (
    ALICE,
    BOB,
    HOST,
    HOSTILE,
    JOIN_HINT,
    ROOM,
    chat_message,
    invite_event,
    show_conversation,
)
from tui.app import ChatApp
from tui.chat.stage_invite import WhipSettings
from tui.client.session import SelfIdentity
from tui.ivs.events import (
    ConnectionState,
    DisconnectReason,
    RoomEvent,
    StateChanged,
    UserDisconnected,
)

Scene = Callable[[Pilot], Awaitable[None]]


def scene(*events: RoomEvent, keys: tuple[str, ...] = ()) -> Scene:
    async def run_before(pilot: Pilot) -> None:
        app = pilot.app
        assert isinstance(app, ChatApp)
        for field in app.query(Input):
            field.cursor_blink = False
        await show_conversation(app, pilot, *events)
        for key in keys:
            await pilot.press(key)
            await pilot.pause()
        # A modal's input exists only now; a blinking cursor would make the SVG flicker.
        for field in app.screen.query(Input):
            field.cursor_blink = False
        await pilot.pause()

    return run_before


@pytest.mark.parametrize("size", [(80, 24), (120, 40)], ids=["80x24", "120x40"])
def test_broadcaster_chat(snap_compare, make_app, size: tuple[int, int]) -> None:
    app = make_app(HOST, join_hint=JOIN_HINT)
    assert snap_compare(app, terminal_size=size, run_before=scene())


@pytest.mark.parametrize("size", [(80, 24), (120, 40)], ids=["80x24", "120x40"])
def test_viewer_chat(snap_compare, make_app, size: tuple[int, int]) -> None:
    # A hostile name and message: shown as text, control and bidi characters made visible.
    hostile = chat_message(7, BOB, HOSTILE, minutes=4, name="[red]Mallory\x1b[0m")
    app = make_app(ALICE)
    assert snap_compare(app, terminal_size=size, run_before=scene(hostile))


def test_admin_menu(snap_compare, make_app) -> None:
    # escape: the list, newest (Bob's "GG") selected; enter opens the menu.
    app = make_app(HOST)
    assert snap_compare(app, run_before=scene(keys=("escape", "enter")))


def test_disconnect_confirmation(snap_compare, make_app) -> None:
    app = make_app(HOST)
    app.chat.confirm_arming = 0  # armed at once: the snapshot is the same every run
    assert snap_compare(app, run_before=scene(keys=("escape", "x", *"spam")))


def test_invite_toast(snap_compare, make_app) -> None:
    app = make_app(ALICE)
    assert snap_compare(app, run_before=scene(invite_event(ALICE)))


def test_stage_link_shown_whole(snap_compare, make_app) -> None:
    # ctrl+y after joining: the link the toast cuts at 80 columns, wrapped whole.
    app = make_app(ALICE)
    link = "http://127.0.0.1:8750/multihost/stage-0001?code=" + "ZCByfUD3hXC4I" * 8

    async def run_before(pilot: Pilot) -> None:
        await scene(invite_event(ALICE))(pilot)
        app.chat.toast.joined(link, browser_opened=False)
        await pilot.pause()
        await pilot.press("ctrl+y")
        await pilot.pause()

    assert snap_compare(app, terminal_size=(80, 24), run_before=run_before)


def test_obs_dialog_over_the_invite_toast(snap_compare, make_app) -> None:
    # ctrl+g after joining, at 80x24: its keys inside the dialog, clear of the toast.
    app = make_app(ALICE)
    link = "http://127.0.0.1:8750/multihost/stage-0001?code=" + "ZCByfUD3hXC4I" * 8

    async def run_before(pilot: Pilot) -> None:
        await scene(invite_event(ALICE))(pilot)
        whip = WhipSettings("http://127.0.0.1:8750/whip", "eyJ" + "AbCdEf0123" * 30)
        app.chat.toast.joined(link, whip, browser_opened=False)
        await pilot.pause()
        await pilot.press("ctrl+g")
        await pilot.pause()

    assert snap_compare(app, terminal_size=(80, 24), run_before=run_before)


def test_disconnected_modal(snap_compare, make_app) -> None:
    app = make_app(BOB)
    gone = UserDisconnected(BOB.user_id, "spamming the chat")
    assert snap_compare(app, run_before=scene(gone))


def test_refused_for_good_modal(snap_compare, make_app) -> None:
    app = make_app(BOB)
    refused = StateChanged(
        ConnectionState.DISCONNECTED,
        reason="the app server no longer knows this session",
        disconnect=DisconnectReason.TOKEN_REJECTED,
    )
    assert snap_compare(app, run_before=scene(refused))


def test_reconnecting(snap_compare, make_app) -> None:
    app = make_app(ALICE)
    again = StateChanged(
        ConnectionState.RECONNECTING, retry_in=4.2, reason="the connection dropped", attempt=2
    )
    assert snap_compare(app, run_before=scene(chat_message(7, BOB, "still there?"), again))


def test_admin_menu_of_a_moderator(snap_compare, make_app) -> None:
    # A moderator's menu for a viewer's message: no stage invite, no moderator changes.
    app = make_app(SelfIdentity("viewer-mia", "Mia", "moderator", ROOM))
    assert snap_compare(app, run_before=scene(keys=("escape", "enter")))


def test_the_list_has_the_keys(snap_compare, make_app) -> None:
    # escape: the message list has the keys; the composer looks inactive and says how to
    # get back, and the footer leads with the mode. Then a message arrives: the selection
    # stays on Bob's "GG", the new one waits below the marker.
    async def run_before(pilot: Pilot) -> None:
        await scene(keys=("escape",))(pilot)
        app = pilot.app
        assert isinstance(app, ChatApp)
        app.deliver(chat_message(7, ALICE, "a new message arrives", minutes=4))
        await pilot.pause()

    assert snap_compare(make_app(HOST), terminal_size=(80, 24), run_before=run_before)


def test_a_confirmation_arming(snap_compare, make_app) -> None:
    # Make moderator asks first; the confirm button waits a moment (here: for good).
    async def run_before(pilot: Pilot) -> None:
        app = pilot.app
        assert isinstance(app, ChatApp)
        app.chat.confirm_arming = 3600
        await scene(keys=("escape", "m", "o"))(pilot)

    assert snap_compare(make_app(HOST), terminal_size=(80, 24), run_before=run_before)
