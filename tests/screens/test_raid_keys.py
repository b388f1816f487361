"""The chat screen's raid keys: `r` (shield mode) and `h` (the held queue) for moderators
only, in the palette and F1 too; a message naming us alerts once, our own never; the
dialogs take the config's presets and reasons. An app with no app server: what the keys
do over the real stack is tests/test_e2e_raid.py's."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from textual.widgets import Input

from tests.app_helpers import (
    ALICE,
    BOB,
    HOST,
    T0,
    chat_message,
    lines,
    show_conversation,
    until,
)
from tui.app import ChatApp
from tui.config.alert_settings import AlertKind
from tui.config.presets import ModerationPresets
from tui.screens.dialogs.timeout_picker import TimeoutPicker
from tui.screens.held_queue import HeldQueueScreen
from tui.screens.keys_help import keys_help


async def test_the_raid_keys_are_the_moderators(make_app: Callable[..., ChatApp]) -> None:
    app = make_app(HOST)
    async with app.run_test() as pilot:
        await show_conversation(app, pilot)
        titles = {c.title for c in app.get_system_commands(app.screen)}
        assert {"Shield mode", "Held for review"} <= titles
        help_text = keys_help(app, {})
        assert "`r` shield mode (mod)" in help_text and "`h` held queue (mod)" in help_text
        await pilot.press("escape", "r")
        # No app server here: said in words, in the list.
        await until(
            lambda: lines(app)[-1].endswith(
                "could not change shield mode: there is no app server in this session"
            ),
            lambda: str(lines(app)[-2:]),
        )
        await pilot.press("h")
        await until(lambda: isinstance(app.screen, HeldQueueScreen), "the held queue")
        queue = app.screen
        await until(lambda: "could not read the queue" in queue.status_words, "said why")
        await pilot.press("escape")
        await until(lambda: app.screen is app.chat, "back to the chat")


async def test_a_viewer_has_no_raid_keys(make_app: Callable[..., ChatApp]) -> None:
    app = make_app(ALICE)
    async with app.run_test() as pilot:
        await show_conversation(app, pilot)
        titles = {c.title for c in app.get_system_commands(app.screen)}
        assert not {"Shield mode", "Held for review"} & titles
        before = lines(app)
        await pilot.press("escape", "r", "h")
        await pilot.pause()
        assert app.screen is app.chat and lines(app) == before


async def test_a_mention_alerts_and_our_own_does_not(make_app: Callable[..., ChatApp]) -> None:
    app = make_app(ALICE)
    async with app.run_test() as pilot:
        await show_conversation(app, pilot)
        alerts = app.chat.alerts
        assert alerts is not None and not alerts.moderator
        given = len(alerts.given)
        app.deliver(chat_message(20, ALICE, "I am Alice"))
        app.deliver(chat_message(21, BOB, "hey @Alice\x1b[2J, look"))
        await until(lambda: len(alerts.given) > given, "the mention alert")
        assert alerts.given[-1] == (AlertKind.MENTION, "Bob: hey @Alice␛[2J, look")


async def test_the_dialogs_take_the_configs_presets(make_app: Callable[..., ChatApp]) -> None:
    presets = ModerationPresets(timeout_presets=("5m", "2h"), reasons=("spam",))
    app = make_app(HOST, moderation=presets)
    async with app.run_test() as pilot:
        await show_conversation(app, pilot)
        app.chat.confirm_arming = 0
        await pilot.press("escape", "t")
        await until(lambda: isinstance(app.screen, TimeoutPicker), "the timeout picker")
        picker = app.screen
        assert picker.presets == ((300, "5 min"), (7200, "2 h"))
        assert picker.reasons == ("spam",)


@dataclass(frozen=True)
class Shield:
    on: bool
    until: datetime | None = None


@dataclass(frozen=True)
class News:
    held: int
    shield: Shield
    offences: tuple[()] = ()
    approved: tuple[str, ...] = ()


def test_the_status_line_and_the_approved_mark(snap_compare, make_app) -> None:
    """A moderator's status line during a raid (`SHIELD mm:ss`, `held 3`) and a message
    approved from the queue, marked after its time; at 80x24."""
    app = make_app(HOST)

    async def run_before(pilot) -> None:
        for field in app.query(Input):
            field.cursor_blink = False  # a blinking cursor would make the SVG flicker
        await show_conversation(app, pilot)
        until = T0 + timedelta(minutes=29, seconds=30)
        app.chat._news(News(3, Shield(True, until), approved=("msg-0005",)))
        await pilot.pause()
        assert app.chat.messages.is_approved("msg-0005")

    assert snap_compare(app, terminal_size=(80, 24), run_before=run_before)
