"""Hostile names through every screen and modal: nothing anyone else typed is parsed as
Textual markup (a `[/]` would crash the app with MarkupError; a `[link=…]` would plant an
OSC 8 hyperlink), and no raw ESC, OSC or other control reaches the terminal.

What reaches the terminal is what the compositor would write for the whole screen
(`terminal_output`): escape sequences and all, as a real driver sends them.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, timedelta

import pytest
from textual.app import App, ComposeResult
from textual.content import Content
from textual.screen import Screen
from textual.widgets import Input, Static

from tests.app_helpers import ALICE, HOST, HOSTILE, T0, chat_message, show_conversation
from tests.screens.moderation.fakes import FakeLog, FakeSettings, record
from tests.screens.moderation.held_fakes import FakeDesk, Held, Sender
from tests.screens.moderation.host import Host
from tests.screens.moderation.notes_fakes import Author, FakeNotes, Note
from tui.app import ChatApp
from tui.client.moderation_api import ModeratedUser, Party, RoomSettings
from tui.ivs.events import (
    ChatMessage,
    ConnectionState,
    CustomEvent,
    DisconnectReason,
    StateChanged,
)
from tui.ivs.invites import Invite
from tui.ivs.protocol import EVENT_MULTIHOST_INVITE
from tui.screens.dialogs.admin_menu import AdminMenu
from tui.screens.dialogs.ban_confirm import BanConfirm
from tui.screens.dialogs.confirm import ConfirmScreen
from tui.screens.dialogs.disconnected import DisconnectedScreen
from tui.screens.dialogs.note_input import NoteInput
from tui.screens.dialogs.stage_link import StageLinkScreen
from tui.screens.dialogs.timeout_picker import TimeoutPicker
from tui.screens.dialogs.whip import WhipScreen
from tui.screens.held_queue import HeldQueueScreen
from tui.screens.moderation_log import ModerationLogScreen
from tui.screens.room_settings import RoomSettingsScreen
from tui.screens.user_card import UserCard
from tui.terminal.untrusted import clean, content_from

NAMES = {
    "conftest": HOSTILE,
    "close_tag": "Eve[/]",
    "link": 'E[link="https://ev.il/n"]x',
    "bold": "[bold]",
    "click": "[@click=app.quit]x",
    "stray": "a [/ b",
    "variable": "$name[b]",
    "osc8": "\x1b]8;;https://ev.il/n\x1b\\x\x1b]8;;\x1b\\",
    "osc52": "\x1b]52;c;aGk=\x07",
    "c1": "\x9b2J\x9d8;;x\x9c",
}

# What the compositor itself writes: SGR and cursor moves (CSI … letter). Anything else
# that starts with ESC (an OSC above all) came from text.
_CSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")
_RAW = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def terminal_output(app: App[object]) -> str:
    """What a terminal would receive for a full redraw of the screen showing now."""
    update = app.screen._compositor.render_update(full=True)
    return update.render_segments(app.console)


def assert_inert(app: App[object]) -> None:
    """No OSC (a hyperlink, a clipboard write) and no control but the compositor's own
    SGR and cursor moves in what the terminal would receive."""
    output = terminal_output(app)
    assert "\x1b]" not in output, "an OSC sequence reached the terminal"
    rest = _CSI.sub("", output)
    assert (found := _RAW.search(rest)) is None, f"a raw control reached the terminal: {found}"


class _Planted(App[None]):
    """What the checks must catch: markup parsed from a name, as the user card did."""

    def compose(self) -> ComposeResult:
        yield Static(Content.from_markup('E[link="https://ev.il/n"]x'))


async def test_the_check_sees_a_planted_hyperlink() -> None:
    app = _Planted()
    async with app.run_test(size=(40, 3)):
        with pytest.raises(AssertionError, match="OSC"):
            assert_inert(app)


def screen_text(app: App[object]) -> str:
    """The screen as plain text, row by row."""
    return "\n".join(
        "".join(segment.text for segment in strip)
        for strip in app.screen._compositor.render_update(full=True).strips  # type: ignore[attr-defined]
    )


def names_message(n: int, name: str, text: str = "hello") -> ChatMessage:
    return chat_message(n, ALICE, text, name=name, minutes=n)


class Profiles:
    """The card's lookup, answering for anyone with `name` and a permanent ban."""

    def __init__(self, name: str) -> None:
        self.name = name

    async def user_profile(self, user_id: str) -> ModeratedUser:
        return ModeratedUser(
            user_id=user_id,
            display_name=self.name,
            role="viewer",
            banned_until=T0.replace(year=9998, month=1, day=1, hour=0, minute=0),
            created_at=T0 - timedelta(days=2),
        )

    async def recent_messages(self, user_id: str) -> list[ChatMessage]:
        return [names_message(9, self.name, self.name)]


@pytest.fixture(params=sorted(NAMES))
def name(request: pytest.FixtureRequest) -> str:
    return NAMES[request.param]


async def test_the_chat_its_card_menu_help_palette_and_toasts(
    make_app: Callable[..., ChatApp], name: str
) -> None:
    app = make_app(HOST)
    async with app.run_test(size=(100, 30)) as pilot:
        await show_conversation(app, pilot, names_message(7, name, f"hi from {name}"))
        assert_inert(app)
        # The user card of the hostile sender (u on their message).
        await pilot.press("escape")
        assert app.chat.messages.selected_message is not None
        assert app.chat.messages.selected_message.sender_name == name
        await pilot.press("u")
        await pilot.pause()
        assert isinstance(app.screen, UserCard)
        assert clean(name) in screen_text(app)
        assert_inert(app)
        await pilot.press("escape")
        # The moderation menu on their message.
        await pilot.press("m")
        await pilot.pause()
        assert isinstance(app.screen, AdminMenu)
        assert_inert(app)
        await pilot.press("escape")
        # A toast quoting them, as the chat screen says one (cleaned, never markup).
        app.notify(clean(f"could not ban {name}: no such user"), markup=False)
        await pilot.pause()
        assert_inert(app)
        # F1's help and the command palette, over a chat with their messages in it.
        await pilot.press("f1")
        await pilot.pause()
        assert_inert(app)
        await pilot.press("f1")
        await pilot.press("ctrl+p")
        await pilot.pause()
        # What the user could type of it (the palette's query is their own typing).
        app.screen.query_one(Input).value = "".join(c for c in name if c.isprintable())
        await pilot.pause()
        assert_inert(app)
        await pilot.press("escape")
        await pilot.pause()
    assert app.return_code in (None, 0)


async def test_the_header_the_invite_toast_and_the_disconnect(
    make_app: Callable[..., ChatApp], name: str
) -> None:
    app = make_app(ALICE)
    async with app.run_test(size=(100, 30)) as pilot:
        await show_conversation(app, pilot)
        app.deliver(StateChanged(ConnectionState.RECONNECTING, reason=name, retry_in=5))
        invite = Invite(ALICE.user_id, "realtime", name, "inv-0001", T0 + timedelta(minutes=5))
        app.deliver(
            CustomEvent(
                id="evt-1",
                name=EVENT_MULTIHOST_INVITE,
                attributes=invite.attributes(),
                send_time=T0,
            )
        )
        await pilot.pause()
        assert app.chat.toast.showing
        assert_inert(app)
        app.deliver(
            StateChanged(
                ConnectionState.DISCONNECTED,
                reason=name,
                disconnect=DisconnectReason.TOKEN_REJECTED,
            )
        )
        await pilot.pause()
        assert isinstance(app.screen, DisconnectedScreen)
        assert_inert(app)


def _log(name: str) -> FakeLog:
    them = Party(user_id="viewer-x", display_name=name)
    return FakeLog(
        records=[
            record(2, them, "ban", them, minutes=3, reason=name),
            record(1, them, "timeout", them, minutes=1, seconds=60, reason=name, automatic=True),
        ]
    )


def _screens(name: str) -> dict[str, Callable[[], object]]:
    message = names_message(1, name, name)
    return {
        "user_card": lambda: UserCard(
            message,
            lookup=Profiles(name),
            scrollback=[message],
            now=T0,
            tz=UTC,
            moderator=True,
            broadcaster=True,
        ),
        "card_with_notes": lambda: UserCard(
            message,
            lookup=Profiles(name),
            scrollback=[message],
            now=T0,
            tz=UTC,
            moderator=True,
            broadcaster=False,
            notes=FakeNotes([Note(1, T0, Author("viewer-x", name), name)]),
        ),
        "note": lambda: NoteInput(name, initial=name, error=name),
        "held": lambda: HeldQueueScreen(
            FakeDesk([Held("h1", T0, Sender("viewer-x", name), f"{name} spam", name, name)]),
            tz=UTC,
            clock=lambda: T0,
        ),
        "log": lambda: ModerationLogScreen(_log(name), tz=UTC),
        "log_of_them": lambda: ModerationLogScreen(
            _log(name), user=Party(user_id="viewer-x", display_name=name), tz=UTC
        ),
        "settings": lambda: RoomSettingsScreen(
            FakeSettings(
                RoomSettings.model_validate(
                    {
                        "blockedTerms": [name, "spam"],
                        "flood": {"messages": 5, "seconds": 5, "timeoutSeconds": 60},
                        "newIdentityWaitSeconds": 0,
                    }
                )
            )
        ),
        "ban": lambda: BanConfirm(name, error=name),
        "timeout": lambda: TimeoutPicker(name, error=name),
        "menu": lambda: AdminMenu(message, actions=()),
        "confirm": lambda: ConfirmScreen(
            "Disconnect user", content_from("Disconnect $name?", name=name), reason_label="Reason"
        ),
        "disconnected": lambda: DisconnectedScreen(name),
        "refused": lambda: DisconnectedScreen.refused(name),
        "whip": lambda: WhipScreen(f"https://x/{name}", name),
        "stage_link": lambda: StageLinkScreen(f"https://x/{name}"),
    }


SHOWS_THE_NAME = (
    "user_card",
    "card_with_notes",
    "note",
    "held",
    "log",
    "log_of_them",
    "ban",
    "timeout",
    "disconnected",
)


async def test_every_screen_and_dialog(name: str) -> None:
    screens = _screens(name)
    app = Host(Screen())
    async with app.run_test(size=(100, 30)) as pilot:
        for which, make in screens.items():
            await app.push_screen(make())  # type: ignore[arg-type]
            await pilot.pause()
            await pilot.pause()
            assert_inert(app)
            if which in SHOWS_THE_NAME:
                assert clean(name).strip()[:8] in screen_text(app), which
            await app.pop_screen()
