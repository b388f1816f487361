"""Keys typed while the message list has focus: a printable key alone is a command, keys
that arrive together are text for the composer (tui/terminal/key_bursts.py), and the
confirmations of actions that remove someone or hand out power cannot be answered by keys
already on their way. On the real chat app, with a controller that records what the
screen asked of it instead of calling a server."""

from __future__ import annotations

import time
from datetime import UTC

from textual import events
from textual.pilot import Pilot
from textual.widgets import Button, Input

from tests.app_helpers import BOB, HOST, T0, chat_message, show_conversation, until
from tests.screens.test_burst import burst
from tui.app import ChatApp
from tui.config.settings import TuiSettings
from tui.controller import ChatController
from tui.screens.chat.words import LIST_PLACEHOLDER
from tui.screens.dialogs.admin_menu import AdminMenu
from tui.screens.dialogs.ban_confirm import BanConfirm
from tui.screens.dialogs.confirm import ConfirmScreen
from tui.screens.dialogs.dialog import DialogScreen
from tui.screens.dialogs.timeout_picker import TimeoutPicker
from tui.screens.keys_help import keys_help
from tui.widgets.composer import Composer


class RecordingController(ChatController):
    """The real controller, with every call that would reach the room or the app server
    recorded instead."""

    def __init__(self) -> None:
        super().__init__(None, browser=lambda url: False)
        self.calls: list[tuple[str, ...]] = []

    async def send(self, text: str) -> None:  # type: ignore[override]
        self.calls.append(("send", text))

    async def delete(self, message_id: str, reason: str | None = None) -> None:
        self.calls.append(("delete", message_id))

    async def disconnect(self, user_id: str, reason: str | None = None) -> None:
        self.calls.append(("disconnect", user_id))

    async def invite(self, user_id: str) -> None:  # type: ignore[override]
        self.calls.append(("invite", user_id))

    async def revoke(self, user_id: str) -> None:
        self.calls.append(("revoke", user_id))

    async def act(  # type: ignore[override]
        self,
        action: str,
        user_id: str,
        *,
        reason: str | None = None,
        duration_seconds: int | None = None,
        ban_address: bool = False,
        purge_seconds: int | None = None,
    ) -> None:
        self.calls.append(("act", action, user_id))


class HostApp(ChatApp):
    def __init__(self, settings: TuiSettings | None = None) -> None:
        self.recorder = RecordingController()
        super().__init__(
            controller=self.recorder,
            identity=HOST,
            settings=settings or TuiSettings.model_construct(),
            clock=lambda: T0,
            tz=UTC,
        )

    @property
    def calls(self) -> list[tuple[str, ...]]:
        return self.recorder.calls


async def in_the_list(app: HostApp, pilot: Pilot[object]) -> None:
    """The fixed conversation, then escape: the list has the keys, Bob's "GG" selected."""
    await show_conversation(app, pilot)
    await pilot.press("escape")
    assert app.focused is app.chat.messages
    selected = app.chat.messages.selected_message
    assert selected is not None and selected.id == "msg-0006"


def key(name: str, at: float) -> events.Key:
    """A key as the terminal driver makes it, read at monotonic time `at`."""
    event = events.Key("space" if name == " " else name, name if len(name) == 1 else None)
    event.time = at
    return event


async def test_a_line_typed_in_the_list_lands_in_the_composer_and_does_nothing() -> None:
    """Typed in the list as if in the composer, one burst as over SSH: the s's invited, d
    deleted, u opened the card, b on it the ban, and the Enter that ended the line
    confirmed the ban. Now it is text in the composer, not sent, and nobody was touched."""
    app = HostApp()
    async with app.run_test() as pilot:
        await in_the_list(app, pilot)
        await burst(app, pilot, *"missed message number 1", "enter")
        await pilot.pause()
        composer = app.chat.query_one(Composer)
        assert composer.text == "missed message number 1"
        assert app.focused is composer.input
        assert app.screen is app.chat  # no card, no menu, no confirmation
        assert app.calls == []  # nothing invited, deleted, banned or sent
        assert not any("--" in line and "Host" not in line for line in app.chat.messages.lines)


async def test_separate_presses_arriving_in_one_read_are_text_too() -> None:
    # On a slow or lossy link j, j, d and Enter can arrive in one read.
    app = HostApp()
    async with app.run_test() as pilot:
        await in_the_list(app, pilot)
        await burst(app, pilot, "j", "j", "d", "enter")
        await pilot.pause()
        composer = app.chat.query_one(Composer)
        assert composer.text == "jjd"
        assert app.calls == []
        # The composer, the text kept: an Enter now, pressed on its own, sends it.
        await pilot.press("enter")
        await until(lambda: app.calls == [("send", "jjd")], "jjd sent")
        # Typed again in the list over a draft: joined with a space, never glued on.
        composer.input.value = "a draft"
        await pilot.press("escape")
        await burst(app, pilot, *"more", "enter")
        await pilot.pause()
        assert composer.text == "a draft more"


async def test_a_command_key_pressed_alone_still_acts() -> None:
    app = HostApp()
    async with app.run_test() as pilot:
        await in_the_list(app, pilot)
        await pilot.press("d")
        await until(lambda: app.calls == [("delete", "msg-0006")], "the delete")
        assert app.focused is app.chat.messages


async def test_a_key_after_another_in_the_same_read_is_not_a_command() -> None:
    """Enter opened the admin menu; the b that came with it must neither ban nor answer
    the menu, which was not on screen when it was read."""
    app = HostApp()
    async with app.run_test() as pilot:
        await in_the_list(app, pilot)
        await burst(app, pilot, "enter", "b")
        await until(lambda: isinstance(app.screen, AdminMenu), "the menu")
        await pilot.pause()
        assert app.calls == []
        assert not any(isinstance(s, BanConfirm) for s in app.screen_stack)
        assert app.chat.query_one(Composer).text == "b"


async def test_the_rest_of_a_read_split_in_two_is_text_and_its_enter_never_sends() -> None:
    """From a terminal, keys are together when they were read within the burst gap of
    each other, even when the app handled the first before the rest was queued."""
    app = HostApp()
    async with app.run_test() as pilot:
        await in_the_list(app, pilot)
        chat = app.chat
        chat.burst_gap = 2.0  # wide: the test's own pauses stay well inside it
        start = time.monotonic()
        app.post_message(key("h", start))
        await pilot.pause()  # decided? not before the gap is over
        app.post_message(key("i", start + 0.001))
        composer = chat.query_one(Composer)
        await until(lambda: composer.text == "hi", "hi in the composer")
        # More of the same read, after the text moved: typed on, its Enter not a send.
        app.post_message(key(" ", start + 0.002))
        app.post_message(key("x", start + 0.003))
        app.post_message(key("enter", start + 0.004))
        await pilot.pause()
        assert composer.text == "hi x"
        assert app.calls == []
        # A key read long after is the user's own again: this Enter sends.
        app.post_message(key("enter", time.monotonic() + 5))
        await until(lambda: app.calls == [("send", "hi x")], "sent by a later Enter")


async def test_a_lone_key_from_a_terminal_acts_once_the_gap_is_over() -> None:
    app = HostApp()
    async with app.run_test() as pilot:
        await in_the_list(app, pilot)
        app.chat.burst_gap = 0.05
        app.post_message(key("d", time.monotonic()))
        await until(lambda: app.calls == [("delete", "msg-0006")], "the delete")


async def test_the_list_with_the_keys_dims_the_composer_and_says_so() -> None:
    app = HostApp()
    async with app.run_test() as pilot:
        await show_conversation(app, pilot)
        field = app.chat.query_one(Composer).input
        placeholder = field.placeholder
        await pilot.press("escape")
        assert app.chat.has_class("-list-keys")
        assert field.placeholder == LIST_PLACEHOLDER
        await pilot.press("tab")
        assert not app.chat.has_class("-list-keys")
        assert field.placeholder == placeholder


async def test_a_ban_waits_for_its_arming_delay_and_ignores_keys_sent_before_it() -> None:
    app = HostApp()
    async with app.run_test() as pilot:
        await in_the_list(app, pilot)
        # Arming for longer than the test: what it shows, and that Enter is not taken.
        app.chat.confirm_arming = 3600
        await pilot.press("b")
        await until(lambda: isinstance(app.screen, BanConfirm), "the ban confirmation")
        confirm = app.screen
        assert isinstance(confirm, BanConfirm)
        button = confirm.query_one("#confirm", Button)
        assert button.disabled and str(button.label) == "Ban (wait)"  # it shows it is arming
        await pilot.press("enter")  # too soon: not taken
        await pilot.pause()
        assert app.screen is confirm and app.calls == []
        await pilot.press("escape")
        await until(lambda: app.screen is app.chat, "cancelled")
        # A short arming: once it is over, Enter bans.
        app.chat.confirm_arming = 0.2
        await pilot.press("b")
        await until(lambda: isinstance(app.screen, BanConfirm), "the ban confirmation")
        confirm = app.screen
        assert isinstance(confirm, BanConfirm)
        await until(lambda: confirm.armed, "armed")
        assert str(confirm.query_one("#confirm", Button).label) == "Ban"
        # A key read before the dialog was on screen never answers it, armed or not.
        app.post_message(key("enter", time.monotonic() - 60))
        await pilot.pause()
        assert app.screen is confirm and app.calls == []
        await pilot.press("enter")
        await until(lambda: app.calls == [("act", "ban", BOB.user_id)], "the ban")


async def test_an_enter_while_arming_is_ignored_not_a_cancel() -> None:
    """The make-moderator confirmation has its Cancel button focused: an Enter pressed
    while it was arming pressed Cancel and closed the dialog. It does nothing."""
    app = HostApp()
    async with app.run_test() as pilot:
        await in_the_list(app, pilot)
        app.chat.confirm_arming = 3600
        await pilot.press("m")
        await until(lambda: isinstance(app.screen, AdminMenu), "the menu")
        await pilot.press("o")
        await until(lambda: isinstance(app.screen, ConfirmScreen), "the confirmation")
        confirm = app.screen
        assert isinstance(confirm, ConfirmScreen)
        assert confirm.focused is confirm.query_one("#cancel", Button)
        await pilot.press("enter")
        await pilot.pause()
        assert app.screen is confirm and app.calls == []
        await pilot.press("escape")  # escape still cancels while arming
        await until(lambda: app.screen is app.chat, "cancelled")
        assert app.calls == []


async def test_make_moderator_asks_first_and_names_the_message() -> None:
    app = HostApp()
    async with app.run_test() as pilot:
        await in_the_list(app, pilot)
        app.chat.confirm_arming = 0
        await pilot.press("m")
        await until(lambda: isinstance(app.screen, AdminMenu), "the menu")
        await pilot.press("o")
        await until(lambda: isinstance(app.screen, ConfirmScreen), "the confirmation")
        question = str(app.screen.query_one("#question").render())
        assert "Bob" in question and "“GG”" in question
        assert app.calls == []  # asked, not done
        await pilot.press("escape")
        await until(lambda: app.screen is app.chat, "back to the chat")
        assert app.calls == []
        await pilot.press("m")
        await until(lambda: isinstance(app.screen, AdminMenu), "the menu")
        await pilot.press("o")
        await until(lambda: isinstance(app.screen, ConfirmScreen), "the confirmation")
        await pilot.press("tab", "enter")  # from Cancel to the confirm button
        await until(lambda: app.calls == [("act", "mod", BOB.user_id)], "made a moderator")


async def test_confirmations_name_the_sender_and_the_first_words() -> None:
    app = HostApp()
    async with app.run_test() as pilot:
        spam = chat_message(7, BOB, "buy cheap followers at my site now")
        await show_conversation(app, pilot, spam)
        await pilot.press("escape")
        app.chat.confirm_arming = 0
        for command, kind in (("x", ConfirmScreen), ("b", BanConfirm), ("t", DialogScreen)):
            await pilot.press(command)
            await until(lambda kind=kind: isinstance(app.screen, kind), f"{command}'s dialog")
            shown = " ".join(str(w.render()) for w in app.screen.query("#question, #about"))
            assert "Bob" in shown and "“buy cheap followers at my site…”" in shown, shown
            await pilot.press("escape")
            await until(lambda: app.screen is app.chat, "back to the chat")
        assert app.calls == []


async def test_a_key_acts_on_the_message_selected_when_it_was_pressed() -> None:
    """The selected message is deleted by someone else while d is on its way: the
    selection moves on, and d must not delete the message it moved to."""
    app = HostApp()
    async with app.run_test() as pilot:
        await in_the_list(app, pilot)
        chat = app.chat
        chat.burst_gap = 2.0  # wide: the test's own pause stays well inside it
        app.post_message(key("d", time.monotonic()))
        await pilot.pause()  # held until the gap is over
        chat.messages.remove_message("msg-0006")  # the room says it is gone
        await until(lambda: not chat._burst, "the key decided")
        await pilot.pause()
        assert app.calls == []


async def test_f1_states_the_rule() -> None:
    app = HostApp()
    async with app.run_test() as pilot:
        await pilot.pause()
        assert "*typing → composer*" in keys_help(app, {})


async def test_a_paste_into_the_list_goes_to_the_composer() -> None:
    app = HostApp()
    async with app.run_test() as pilot:
        await in_the_list(app, pilot)
        app.chat.messages.post_message(events.Paste("pasted\nlines"))
        composer = app.chat.query_one(Composer)
        await until(lambda: composer.text == "pasted lines", "the paste in the composer")
        assert app.focused is composer.input and app.calls == []


async def test_a_duration_typed_at_once_in_the_timeout_picker_is_not_a_preset() -> None:
    """Keys 1-4 choose a preset, but "15m" typed at once (over SSH, one read) is a
    duration: its 1 chose the 1 min preset and the rest was lost, so Enter timed out for
    1 min. A digit pressed alone still chooses its preset."""
    app = HostApp()
    async with app.run_test() as pilot:
        await in_the_list(app, pilot)
        app.chat.confirm_arming = 0
        await pilot.press("t")
        await until(lambda: isinstance(app.screen, TimeoutPicker), "the timeout picker")
        picker = app.screen
        await burst(app, pilot, *"15m")
        duration = picker.query_one("#duration", Input)
        assert duration.value == "15m"
        assert picker.focused is duration
        await pilot.press("escape")
        await until(lambda: app.screen is app.chat, "cancelled")
        await pilot.press("t")
        await until(lambda: isinstance(app.screen, TimeoutPicker), "the timeout picker")
        picker = app.screen
        await pilot.press("2")  # alone: the preset
        assert picker.query_one("#duration", Input).value == "10m"
        assert picker.focused is picker.query_one("#reason", Input)
