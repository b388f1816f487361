"""The app's screen driven by Textual's pilot, with room events handed in directly: the
composer, the admin menu, keys and their remapping, hostile text, the invite toast and
being disconnected. The network paths are covered end to end in test_e2e.py."""

from __future__ import annotations

import asyncio
import re
from datetime import timedelta
from pathlib import Path

import pytest
from textual import events
from textual.geometry import Region
from textual.widget import Widget
from textual.widgets import Input, Markdown, OptionList, Static
from websockets.asyncio.server import ServerConnection

from tests.app_helpers import (
    ALICE,
    BOB,
    DEADLINE,
    HOST,
    HOSTILE,
    LIVE,
    T0,
    armed,
    chat_message,
    invite_event,
    lines,
    select,
    show_conversation,
    until,
)
from tests.ivs.conftest import CountingProvider, RawServer, raw_server
from tests.screens.test_burst import burst
from tui.action_table import ACTIONS
from tui.app import ChatApp
from tui.cli.demo import QUIT_NOTE
from tui.client.session import SelfIdentity
from tui.config.keys import known_binding_ids
from tui.ivs.events import (
    ChatError,
    ConnectionState,
    CustomEvent,
    DisconnectReason,
    MessageDeleted,
    StateChanged,
    UserDisconnected,
)
from tui.ivs.protocol import MAX_MESSAGE_LENGTH, ErrorCode
from tui.ivs.room import ChatRoom
from tui.screens.chat.words import first_words
from tui.screens.dialogs.admin_menu import AdminMenu
from tui.screens.dialogs.confirm import ConfirmScreen
from tui.screens.dialogs.disconnected import DisconnectedScreen
from tui.widgets.composer import Composer, History, send_error_words
from tui.widgets.invite_toast import InviteToast, ToastState
from tui.widgets.join_hint import JoinHint, JoinHints
from tui.widgets.message_list import MessageList
from tui.widgets.status_line import StatusLine


def _lines(app: ChatApp) -> list[str]:
    return app.chat.query_one(MessageList).lines


# --- composer --------------------------------------------------------------------------


def test_send_errors_in_words() -> None:
    words = {
        code: send_error_words(ChatError(code, "server detail"))
        for code in (429, 406, 413, 400, 403)
    }
    assert words == {
        429: "you are sending too fast",
        406: "blocked by moderation: server detail",  # the review's reason
        413: "too long",
        # 400 is a request the server could not take (not a length: that is 413).
        400: "the server could not accept that (server detail)",
        403: "not allowed",
    }
    assert "chat server had an error" in send_error_words(ChatError(ErrorCode.INTERNAL, "x"))
    denied = ErrorCode.NOT_ACCEPTABLE
    assert send_error_words(ChatError(denied, "flood")) == "blocked by moderation: flood"
    assert send_error_words(ChatError(denied, "")) == "blocked by moderation"
    no_reason = ChatError(denied, "message denied by review handler")
    assert send_error_words(no_reason) == "blocked by moderation"


async def test_failed_send_keeps_the_text_and_says_why(make_app) -> None:
    app = make_app(ALICE)
    async with app.run_test() as pilot:
        await show_conversation(app, pilot)
        await pilot.press(*"hello room", "enter")
        await app.workers.wait_for_complete()
        await pilot.pause()
        composer = app.chat.query_one(Composer)
        # Not put back, where the next line would be typed onto it: it waits for up.
        assert composer.text == ""
        assert composer.error == "1 not sent: ↑ to recall · not connected to the chat yet"
        assert not composer.sending
        # Typing again clears the complaint, not the count.
        await pilot.press("!")
        assert composer.text == "!"
        assert composer.error == "1 not sent: ↑ to recall"
        await pilot.press("up")
        assert composer.text == "hello room"
        await pilot.press("down")
        assert composer.text == "!"
        # Brought back and edited, it waits no more; the line being written waits instead.
        await pilot.press("up", "?")
        assert composer.text == "hello room?"
        assert composer.waiting == ["!"]
        assert composer.error == "1 not sent: ↑ to recall"


async def test_counter_and_too_long_stays(make_app) -> None:
    app = make_app(ALICE)
    async with app.run_test() as pilot:
        await show_conversation(app, pilot)
        composer = app.chat.query_one(Composer)
        await pilot.press(*"héllo")
        assert composer.left == MAX_MESSAGE_LENGTH - 5
        composer.input.value = "x" * (MAX_MESSAGE_LENGTH + 3)
        await pilot.pause()
        assert str(composer.query_one("#composer-left").content) == "-3"
        await pilot.press("enter")
        await pilot.pause()
        assert composer.error == f"too long: 3 characters over {MAX_MESSAGE_LENGTH}"
        assert len(composer.text) == MAX_MESSAGE_LENGTH + 3


async def test_the_counter_follows_the_room_s_limit_from_the_token(make_app) -> None:
    app = make_app(ALICE)
    async with app.run_test() as pilot:
        await show_conversation(app, pilot)
        composer = app.chat.composer
        composer.input.value = "x" * 25
        app._identified(
            SelfIdentity(ALICE.user_id, ALICE.name, "viewer", "room", max_message_length=20)
        )
        await until(lambda: str(composer.query_one("#composer-left").content) == "-5", "recounted")
        await pilot.press("enter")
        await until(lambda: composer.error == "too long: 5 characters over 20", "refused")
        assert composer.text == "x" * 25


async def test_history_on_up_and_down_keeps_the_draft(make_app) -> None:
    app = make_app(ALICE)
    async with app.run_test() as pilot:
        await show_conversation(app, pilot)
        composer = app.chat.query_one(Composer)
        for line in ("first", "second"):
            composer.begin_send()
            composer.sent(line)  # what the screen calls when the room confirms
        assert composer.text == ""
        await pilot.press(*"draft", "up")
        assert composer.text == "second"
        await pilot.press("up")
        assert composer.text == "first"
        await pilot.press("up")
        assert composer.text == "first"
        await pilot.press("down", "down")
        assert composer.text == "draft"


async def test_a_multi_line_paste_is_joined_into_one_line_at_the_cursor(make_app) -> None:
    app = make_app(ALICE)
    async with app.run_test() as pilot:
        await show_conversation(app, pilot)
        composer = app.chat.query_one(Composer)
        await pilot.press(*"<>", "left")
        composer.input.post_message(events.Paste("first line\r\nsecond line\n\nthird\n"))
        await pilot.pause()
        assert composer.text == "<first line second line third>"
        assert composer.input.cursor_position == len("<first line second line third")
        # Too long for one message: kept whole, the counter says how far over.
        composer.input.value = ""
        long_lines = "\n".join(["x" * 300, "y" * 300])
        composer.input.post_message(events.Paste(long_lines))
        await pilot.pause()
        assert composer.text == "x" * 300 + " " + "y" * 300
        assert str(composer.query_one("#composer-left").content) == str(MAX_MESSAGE_LENGTH - 601)


async def test_a_pasted_escape_sequence_is_drawn_and_sent_as_visible_text(make_app) -> None:
    app = make_app(HOST)
    paste = "look \x1b]52;c;aGk=\x07\tthere\u202e!"
    shown = "look ␛]52;c;aGk=␇ there\\u202e!"
    async with app.run_test(size=(100, 30)) as pilot:
        await show_conversation(app, pilot)
        composer = app.chat.query_one(Composer)
        composer.input.post_message(events.Paste(paste))
        await pilot.pause()
        assert composer.text == shown
        _assert_inert(*_drawn(composer.input))
        # The moderator's reason box too: the reason is drawn, then sent, as shown.
        await pilot.press("escape", "x")
        await pilot.pause()
        confirm = app.screen
        assert isinstance(confirm, ConfirmScreen)
        reason = confirm.query_one("#reason", Input)
        reason.post_message(events.Paste(paste + "\nsecond line"))
        await pilot.pause()
        assert reason.value == shown + " second line"
        _assert_inert(*_drawn(reason))


def test_history_is_bounded_and_skips_repeats() -> None:
    history = History(size=3)
    for line in ("a", "b", "b", "c", "d"):
        history.add(line)
    seen = [history.previous("") for _ in range(4)]
    assert seen == ["d", "c", "b", None]


# --- admin menu ------------------------------------------------------------------------


async def _menu_for(app: ChatApp, pilot, message_id: str) -> list[str] | None:
    """Select `message_id` in the list, press enter, and read the menu's action ids."""
    app.chat.composer.focus_input()
    await pilot.press("escape")
    messages = app.chat.query_one(MessageList)
    assert messages.has_focus
    for _ in range(len(messages)):
        if messages.selected_message is not None and messages.selected_message.id == message_id:
            break
        await pilot.press("up")
    assert messages.selected_message is not None and messages.selected_message.id == message_id
    await pilot.press("enter")
    await pilot.pause()
    if not isinstance(app.screen, AdminMenu):
        return None
    options = app.screen.query_one(OptionList)
    ids = [options.get_option_at_index(i).id for i in range(options.option_count)]
    await pilot.press("escape")
    await pilot.pause()
    return ids


async def test_admin_menu_lists_what_applies(make_app) -> None:
    stranger = SelfIdentity("someone-else", "Eve", "viewer", "room")
    app = make_app(HOST)
    async with app.run_test() as pilot:
        await show_conversation(
            # No role: not an identity of this server.
            app,
            pilot,
            chat_message(7, stranger, "hello from elsewhere", minutes=4, role=""),
        )
        assert await _menu_for(app, pilot, "msg-0003") == ["delete"]  # own message
        assert await _menu_for(app, pilot, "msg-0002") == [
            "delete",
            "disconnect",
            "timeout",
            "ban",
            "mod",
            "invite",
        ]
        # Not a viewer of this server: nothing to invite or make a moderator.
        assert await _menu_for(app, pilot, "msg-0007") == ["delete", "disconnect", "timeout", "ban"]


async def test_a_moderator_acts_on_viewers_only(make_app) -> None:
    mia = SelfIdentity("viewer-mia", "Mia", "moderator", "room")
    zoe = SelfIdentity("viewer-zoe", "Zoe", "moderator", "room")
    app = make_app(mia)
    async with app.run_test() as pilot:
        await show_conversation(
            app,
            pilot,
            chat_message(7, zoe, "another moderator", minutes=4),
            chat_message(8, mia, "mine", minutes=4),
        )
        # A viewer: everything but the broadcaster's own (stage invite, moderators).
        assert await _menu_for(app, pilot, "msg-0002") == ["delete", "disconnect", "timeout", "ban"]
        assert await _menu_for(app, pilot, "msg-0003") is None  # the broadcaster's
        assert await _menu_for(app, pilot, "msg-0007") is None  # another moderator's
        assert await _menu_for(app, pilot, "msg-0008") == ["delete"]  # own message


async def test_a_viewer_has_no_moderation_keys(make_app) -> None:
    app = make_app(BOB)
    async with app.run_test() as pilot:
        await show_conversation(app, pilot)
        assert await _menu_for(app, pilot, "msg-0001") is None
        for action in ("delete", "disconnect", "timeout", "ban", "moderation_log"):
            assert app.chat.check_action(action, ()) is False
        titles = {c.title for c in app.get_system_commands(app.screen)}
        assert not titles & {"Time out user", "Ban user", "Moderation log", "Room settings"}


async def test_no_moderation_once_the_room_is_over(make_app) -> None:
    app = make_app(HOST)
    async with app.run_test() as pilot:
        await show_conversation(app, pilot)
        app.deliver(
            StateChanged(
                ConnectionState.DISCONNECTED,
                reason="the app server refuses the broadcaster key",
                disconnect=DisconnectReason.TOKEN_REJECTED,
            )
        )
        await pilot.pause()
        await pilot.press("enter")  # close the modal
        await pilot.pause()
        assert await _menu_for(app, pilot, "msg-0002") is None
        for action in ("delete", "disconnect", "invite", "admin_menu"):
            assert app.chat.check_action(action, ()) is False
        for key in "dxs":
            await pilot.press(key)
            await pilot.pause()
            assert app.screen is app.chat
        titles = {c.title for c in app.get_system_commands(app.screen)}
        assert "Delete message" not in titles and "Moderate message" not in titles


async def test_a_disconnected_user_is_not_offered_for_disconnect_or_invite(make_app) -> None:
    app = make_app(HOST)
    async with app.run_test() as pilot:
        await show_conversation(app, pilot)
        everything = ["delete", "disconnect", "timeout", "ban", "mod", "invite"]
        assert await _menu_for(app, pilot, "msg-0002") == everything
        app.deliver(UserDisconnected(BOB.user_id, "by another moderator"))
        await pilot.pause()
        # Bob's: a disconnect does not keep him out, so a timeout or a ban still applies.
        assert await _menu_for(app, pilot, "msg-0002") == ["delete", "timeout", "ban", "mod"]
        assert app.chat.check_action("disconnect", ()) is False
        assert app.chat.check_action("invite", ()) is False
        assert app.chat.check_action("delete", ()) is True
        assert await _menu_for(app, pilot, "msg-0001") == everything


async def test_viewer_has_no_admin_menu_or_moderation_keys(make_app) -> None:
    app = make_app(ALICE)
    async with app.run_test() as pilot:
        await show_conversation(app, pilot)
        assert await _menu_for(app, pilot, "msg-0002") is None
        for key in "dxs":
            await pilot.press(key)
            await pilot.pause()
            assert app.screen is app.chat
        titles = {c.title for c in app.get_system_commands(app.screen)}
        assert "Delete message" not in titles and "Disconnect user" not in titles
        assert [m.id for m in app.chat.query_one(MessageList).messages][1] == "msg-0002"


async def test_disconnect_asks_first_and_reports_the_outcome(make_app) -> None:
    app = make_app(HOST)
    async with app.run_test() as pilot:
        await show_conversation(app, pilot)
        await pilot.press("escape")  # newest: Bob's "GG"
        await pilot.press("x")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmScreen)
        await pilot.press("escape")  # cancel: nothing happens
        await pilot.pause()
        assert app.screen is app.chat
        assert not any("disconnect" in line for line in _lines(app))
        await pilot.press("x")
        await pilot.pause()
        await armed(app)
        await pilot.press(*"spam", "enter")
        await app.workers.wait_for_complete()
        await pilot.pause()
        # No app server in this app: the failure is reported in words, in the list, and
        # in a notification (the list may be holding still above the line).
        words = "disconnect Bob: there is no app server in this session"
        assert _lines(app)[-1].endswith(f"could not {words}")
        said = [(n.message, n.severity) for n in app._notifications]
        assert (f"Could not {words}", "error") in said


def test_a_deleted_message_is_named_by_its_first_words() -> None:
    assert first_words("hi everyone!") == "“hi everyone!”"
    assert first_words("one two three four five six seven") == "“one two three four five six…”"
    assert first_words("x" * 60) == "“" + "x" * 40 + "…”"
    assert first_words("  spaced\n out ") == "“spaced out”"


async def test_a_failed_delete_names_the_message(make_app) -> None:
    app = make_app(HOST)
    async with app.run_test() as pilot:
        await show_conversation(app, pilot)
        await pilot.press("escape", "up", "d")  # Alice's "Bob: it looks like a Corne"
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert _lines(app)[-1].endswith(
            "could not delete Alice's message “Bob: it looks like a Corne”: "
            "there is no app server in this session"
        )


async def test_every_action_is_in_the_command_palette(make_app) -> None:
    app = make_app(HOST)
    async with app.run_test() as pilot:
        await show_conversation(app, pilot, invite_event(HOST))
        await pilot.press("escape", "up")  # Alice's message
        titles = {c.title for c in app.get_system_commands(app.screen)}
        for title in ("Moderate message", "Delete message", "Disconnect user", "Invite on stage"):
            assert title in titles
        assert "Join stage" in titles and "OBS settings" in titles and "Keys" in titles


async def test_a_viewer_finds_every_action_that_applies_with_its_key(make_app) -> None:
    app = make_app(ALICE)
    async with app.run_test() as pilot:
        await show_conversation(app, pilot)
        commands = {c.title: c.help for c in app.get_system_commands(app.screen)}
        assert commands["Go to the messages"].endswith("· esc")
        assert commands["Oldest message"].endswith("· home")
        assert commands["Newest message"].endswith("· end")
        for moderation in ("Moderate message", "Delete message", "Disconnect user"):
            assert moderation not in commands
        await pilot.press("escape")  # to the list: the composer is one action away
        commands = {c.title: c.help for c in app.get_system_commands(app.screen)}
        assert commands["Focus composer"].endswith("· esc")
        app.deliver(invite_event(ALICE))
        await pilot.pause()
        commands = {c.title: c.help for c in app.get_system_commands(app.screen)}
        assert commands["Join stage"].endswith("· ^o")
        assert commands["Dismiss invite"].endswith("· ^n")


async def test_the_palette_runs_what_it_lists(make_app) -> None:
    app = make_app(ALICE)
    async with app.run_test() as pilot:
        await show_conversation(app, pilot)
        (oldest,) = [c for c in app.get_system_commands(app.screen) if c.title == "Oldest message"]
        await oldest.callback()
        await pilot.pause()
        listing = app.chat.query_one(MessageList)
        assert app.focused is listing
        assert listing.selected_message is not None
        assert listing.selected_message.content == "hi everyone!"


def test_every_binding_id_the_readme_lists_is_bound() -> None:
    readme = (Path(__file__).parents[1] / "README.md").read_text()
    listed = readme.split("Binding ids:")[1].split("\n\n")[0]
    ids = {i for i in re.findall(r"`([a-z_]+\.[a-z_]+)`", listed)}
    assert len(ids) >= 14
    assert ids <= known_binding_ids()
    assert ids <= {a.id for a in ACTIONS}  # and each is one record of the registry


async def test_f1_shows_the_keys(make_app) -> None:
    app = make_app(HOST)
    async with app.run_test() as pilot:
        await show_conversation(app, pilot)
        await pilot.press("f1")
        await pilot.pause()
        assert app.screen.query("HelpPanel")
        await pilot.press("f1")
        await pilot.pause()
        assert not app.screen.query("HelpPanel")


async def test_f1_leads_with_the_apps_keys_as_mapped(make_app) -> None:
    app = make_app(HOST, keymap={"chat.delete": "ctrl+d"})
    async with app.run_test(size=(100, 30)) as pilot:
        await show_conversation(app, pilot)
        await pilot.press("f1")
        await pilot.pause()
        panel = app.screen.query_one("HelpPanel")
        help_text = panel.query_one("#widget-help", Markdown)
        keys = panel.query_one("KeyPanel")
        assert help_text.display and help_text.region.y < keys.region.y  # first
        source = help_text.source
        for words in ("send", "disconnect (mod)", "join", "OBS settings", "palette"):
            assert words in source
        assert "`^d` delete (mod)" in source  # the remapped key, not the default
        assert "`d` delete" not in source


def _screen_text(app: ChatApp) -> list[str]:
    strips = app.screen._compositor.render_strips()
    return ["".join(segment.text for segment in strip) for strip in strips]


async def test_f1_shows_every_key_at_80x24(make_app) -> None:
    app = make_app(HOST)
    async with app.run_test(size=(80, 24)) as pilot:
        await show_conversation(app, pilot)
        await pilot.press("f1")
        await pilot.pause()
        help_text = app.screen.query_one("HelpPanel").query_one("#widget-help", Markdown)
        # With search and the user card the keys outgrow 23 rows: the panel
        # scrolls, and every key is in it, first to last.
        drawn = "\n".join(_screen_text(app))
        for words in ("⏎ send", "/ search", "u user card"):
            assert words in drawn
        help_text.scroll_end(animate=False, immediate=True)
        await pilot.pause()
        drawn = "\n".join(_screen_text(app))
        # (Paired rows wrap at this width: "^o join · ^y copy" then "link".)
        for words in ("^y copy", "^g OBS settings", "^n dismiss", "^t go on stage", "^q quit"):
            assert words in drawn


async def test_toasts_leave_the_characters_left_counter_in_sight(make_app) -> None:
    app = make_app(HOST)
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await show_conversation(app, pilot)
        app.notify("Deleted Alice's message “hello from Alice”, a toast long enough to wrap")
        app.notify("and another one")
        await pilot.pause()
        await until(lambda: len(app.screen.query("Toast")) == 2, "the toasts")
        counter = app.chat.query_one("#composer-left")
        for toast in app.screen.query("Toast"):
            assert not toast.region.overlaps(counter.region)


@pytest.mark.parametrize("width", [60, 80])
async def test_the_footer_keeps_quit_and_help(make_app, width: int) -> None:
    app = make_app(HOST)
    async with app.run_test(size=(width, 24)) as pilot:
        await show_conversation(app, pilot)
        await pilot.press("escape")  # the list: the most keys in the footer
        await pilot.pause()
        footer = _screen_text(app)[-1]
        assert "d Delete" in footer
        assert "^q Quit" in footer and "f1 Help" in footer


@pytest.mark.parametrize("width", [60, 80, 120])
async def test_the_join_hint_always_says_what_each_command_is_for(make_app, width: int) -> None:
    url = "http://192.168.100.200:8750"
    viewer = f"/home/someone/src/ivs-chat-tui/.venv/bin/python -m tui.cli.main join --server {url}"
    hints = JoinHints(viewer, moderator=f"{viewer} --broadcaster-key k3y", note=QUIT_NOTE)
    app = make_app(HOST, join_hint=hints)
    async with app.run_test(size=(width, 30)) as pilot:
        await show_conversation(app, pilot)
        region = app.chat.query_one(JoinHint).region
        text = [row.strip() for row in _screen_text(app)[region.y : region.bottom]]
        joined = " ".join(text)
        assert text[0].startswith(("Viewers:", "Join as a viewer"))
        assert viewer in joined and "--broadcaster-key k3y" in joined
        assert any(line.startswith("Moderate") for line in text)
        assert text[-1] == QUIT_NOTE


async def test_keys_from_the_config_reach_the_terminal_only_as_visible_text(make_app) -> None:
    hostile = "\x1b]52;c;aGk=\x07"
    app = make_app(HOST, keymap={"chat.delete": "grave_accent", "app.quit": hostile})
    async with app.run_test(size=(100, 30)) as pilot:
        await show_conversation(app, pilot)
        said = [n.message for n in app._notifications]
        assert said == ["Keys with control characters can never be pressed (ignored) for: app.quit"]
        await pilot.press("escape")  # a message selected: the footer offers delete
        await pilot.press("f1")
        await pilot.pause()
        help_text = app.screen.query_one("HelpPanel").query_one("#widget-help", Markdown)
        assert "`` ` `` delete (mod)" in help_text.source  # a backtick key in its own span
        assert "`^q` quit" in help_text.source  # the default stays in force
        drawn = [_drawn(widget) for widget in app.screen.query("*") if widget.display]
        text = "".join(t for t, _ in drawn)
        assert "` delete" in text.replace("  ", " ")
        _assert_inert(text, [style for _, styles in drawn for style in styles])
        await pilot.press("ctrl+q")
        assert not app.is_running


# --- keymap ------------------------------------------------------------------------------


async def test_keys_remap_by_binding_id(make_app) -> None:
    app = make_app(ALICE, keymap={"composer.focus_messages": "ctrl+l", "chat.join_stage": "f6"})
    async with app.run_test() as pilot:
        await show_conversation(app, pilot, invite_event(ALICE))
        await pilot.press("escape")
        assert isinstance(app.focused, Input)  # escape no longer leaves the composer
        await pilot.press("ctrl+l")
        assert isinstance(app.focused, MessageList)
        toast = app.chat.query_one(InviteToast)
        await pilot.press("ctrl+o")
        await pilot.pause()
        assert toast.state is ToastState.PENDING
        await pilot.press("f6")
        await app.workers.wait_for_complete()
        await pilot.pause()
        # No app server in this app: joining fails, and says so.
        assert toast.state is ToastState.FAILED
        assert toast.detail == "there is no app server in this session"


# --- untrusted text ----------------------------------------------------------------------


def _drawn(widget: Widget) -> tuple[str, list[object]]:
    """What the widget sends to the terminal: its text and its segment styles."""
    region = Region(0, 0, widget.size.width, widget.size.height)
    text, styles = [], []
    for strip in widget.render_lines(region):
        for segment in strip:
            text.append(segment.text)
            styles.append(segment.style)
    return "".join(text), styles


def _assert_inert(text: str, styles: list[object]) -> None:
    bad = [c for c in text if ord(c) < 0x20 or 0x7F <= ord(c) < 0xA0 or c in "\u202e\u2066"]
    assert bad == []
    for style in styles:
        assert style is None or (not style.link and "@click" not in (style.meta or {}))


async def test_hostile_name_in_the_status_line_is_text(make_app) -> None:
    me = SelfIdentity("viewer-x", HOSTILE, "viewer", "[b]room\x1b]8;;http://evil\x1b\\")
    app = make_app(me)
    async with app.run_test(size=(200, 24)) as pilot:
        await show_conversation(app, pilot)
        status = app.chat.query_one(StatusLine)
        text, styles = _drawn(status)
        assert "[@click=app.quit]x[/] [bold]loud" in text
        assert "[b]room␛]8;;http://evil␛\\" in text
        _assert_inert(text, styles)


async def test_hostile_invite_toast_is_text(make_app) -> None:
    app = make_app(ALICE)
    event = invite_event(ALICE)
    event.attributes["stage"] = "[@click=app.quit]stage[/] \x1b]52;c;aGk=\x07 \u202eevil"
    async with app.run_test(size=(120, 30)) as pilot:
        await show_conversation(app, pilot, event)
        toast = app.chat.query_one(InviteToast)
        assert toast.showing
        text, styles = _drawn(toast)
        assert "[@click=app.quit]stage[/] ␛]52;c;aGk=␇ \\u202eevil" in text
        _assert_inert(text, styles)


# --- invites and being disconnected ------------------------------------------------------


async def test_an_invite_for_someone_else_shows_nothing(make_app) -> None:
    app = make_app(ALICE)
    async with app.run_test() as pilot:
        await show_conversation(app, pilot, invite_event(BOB))
        assert not app.chat.query_one(InviteToast).showing
        assert not app.chat.query_one(InviteToast).display


async def test_moderator_disconnect_shows_the_modal_and_disables_the_composer(make_app) -> None:
    app = make_app(BOB)
    async with app.run_test() as pilot:
        await show_conversation(app, pilot, UserDisconnected(BOB.user_id, "spamming"))
        assert isinstance(app.screen, DisconnectedScreen)
        await pilot.press("enter")
        await pilot.pause()
        assert app.screen is app.chat
        composer = app.chat.query_one(Composer)
        assert composer.input.disabled
        status = app.chat.query_one(StatusLine)
        assert status.state is ConnectionState.DISCONNECTED
        # A late state change does not bring the composer back.
        app.deliver(StateChanged(ConnectionState.CONNECTED))
        await pilot.pause()
        assert status.state is ConnectionState.DISCONNECTED and composer.input.disabled


async def test_nothing_from_the_room_shows_after_the_moderator_disconnects_us(make_app) -> None:
    app = make_app(BOB)
    async with app.run_test() as pilot:
        await show_conversation(app, pilot)
        status = app.chat.query_one(StatusLine)
        # A message the room hands over in the same burst, right after our disconnect:
        # it is handled after the disconnect, and dropped.
        app.deliver(UserDisconnected(BOB.user_id, "spamming"))
        app.deliver(chat_message(7, ALICE, "same burst", minutes=4))
        await pilot.pause()
        assert isinstance(app.screen, DisconnectedScreen)
        await pilot.press("enter")
        await pilot.pause()
        shown = _lines(app)
        # A room that misbehaves: it reconnects and goes on delivering.
        app.deliver(StateChanged(ConnectionState.CONNECTED))
        app.deliver(chat_message(8, ALICE, "after the end", minutes=5))
        app.deliver(StateChanged(ConnectionState.RECONNECTING, retry_in=2.0, attempt=1))
        app.deliver(chat_message(9, ALICE, "and again", minutes=6))
        await pilot.pause()
        assert _lines(app) == shown
        assert not any("same burst" in line or "after the end" in line for line in shown)
        assert status.state is ConnectionState.DISCONNECTED
        assert status.state_text not in ("live",) and "reconnecting" not in status.state_text
        assert app.chat.query_one(Composer).input.disabled


async def test_the_moderator_disconnecting_us_closes_the_room(make_app) -> None:
    # A room on a real socket whose server does not close it after our disconnect: the
    # app closes it itself, so it cannot reconnect or deliver anything more.
    async def hold(server: RawServer, ws: ServerConnection) -> None:
        await ws.wait_closed()
        await server.received.put("closed")

    app = make_app(BOB)
    async with raw_server(hold) as server, app.run_test() as pilot:
        room = ChatRoom(CountingProvider(server.url, BOB.user_id))
        app.room = room
        await room.start()
        await until(lambda: room.state is ConnectionState.CONNECTED, "the room connected")
        await show_conversation(app, pilot)
        composer = app.chat.query_one(Composer)
        composer.input.value = "never answered"
        await pilot.press("enter")  # the server holds it: still in flight at the end
        await pilot.pause()
        assert composer.sending
        app.deliver(UserDisconnected(BOB.user_id, "spamming"))
        assert await asyncio.wait_for(server.received.get(), DEADLINE) == "closed"
        await app.workers.wait_for_complete()
        assert room.state is ConnectionState.DISCONNECTED
        # The send in flight ends quietly: the disabled composer already says why.
        error = composer.query_one("#composer-error", Static)
        assert not composer.sending and str(error.content) == ""
        # Not "by the moderator": IVS does not say who, and the host disconnects too.
        assert composer.input.placeholder == "You have been disconnected from this chat."
        header = "".join(segment.text for segment in app.chat._compositor.render_strips()[0])
        assert header.split(" · ")[-1].strip() == "removed from the chat"
        assert [event async for event in room][-1] == StateChanged(
            ConnectionState.DISCONNECTED,
            reason="you left the chat",
            disconnect=DisconnectReason.CLOSED_BY_CLIENT,
        )


async def test_a_refusal_for_good_says_why_and_does_not_reconnect(make_app) -> None:
    app = make_app(BOB)
    why = "the app server no longer knows this session"
    async with app.run_test() as pilot:
        await show_conversation(app, pilot)
        app.deliver(
            StateChanged(
                ConnectionState.DISCONNECTED,
                reason=why,
                disconnect=DisconnectReason.TOKEN_REJECTED,
            )
        )
        await pilot.pause()
        modal = app.screen
        assert isinstance(modal, DisconnectedScreen)
        said = " ".join(str(s.content) for s in modal.query(Static))
        assert why in said and "join again" in said
        await pilot.press("enter")
        await pilot.pause()
        assert app.screen is app.chat
        composer = app.chat.query_one(Composer)
        assert composer.input.disabled and "join again" in composer.input.placeholder
        status = app.chat.query_one(StatusLine)
        # A late retry from the room brings back neither "reconnecting" nor the composer.
        app.deliver(StateChanged(ConnectionState.RECONNECTING, retry_in=2.0, attempt=1))
        await pilot.pause()
        assert status.state is ConnectionState.DISCONNECTED
        assert "reconnecting" not in status.state_text and composer.input.disabled


async def test_a_hostile_reason_reaches_the_composer_and_status_only_as_visible_text(
    make_app,
) -> None:
    app = make_app(BOB)
    reason = "closed: \x1b]52;c;SGVsbG8=\x07 [b]boom[/b] \u202eevil"
    async with app.run_test(size=(100, 24)) as pilot:
        await show_conversation(app, pilot)
        app.deliver(
            StateChanged(
                ConnectionState.DISCONNECTED, reason=reason, disconnect=DisconnectReason.GAVE_UP
            )
        )
        await pilot.pause()
        composer = app.chat.query_one(Composer)
        assert composer.input.disabled
        assert composer.input.placeholder == (
            "disconnected: closed: ␛]52;c;SGVsbG8=␇ [b]boom[/b] \\u202eevil"
        )
        drawn = "".join(s.text for s in composer.input.render_line(0))
        assert "␛]52;c;SGVsbG8=␇ [b]boom[/b]" in drawn
        for widget in (composer.input, app.chat.query_one(StatusLine)):
            text, styles = _drawn(widget)
            assert "\x1b" not in text and "\x07" not in text and "\u202e" not in text
            _assert_inert(text, styles)
        assert _lines(app)[-1].endswith(
            "disconnected: closed: ␛]52;c;SGVsbG8=␇ [b]boom[/b] \\u202eevil"
        )


async def test_an_unknown_theme_is_named_literally(make_app) -> None:
    app = make_app(ALICE, theme="[b]nope\x1b]52;c;aGk=\x07")
    async with app.run_test() as pilot:
        await pilot.pause()
        said = [(n.message, n.markup) for n in app._notifications]
        assert said[0][1] is False and said[0][0].startswith("Unknown theme '[b]nope\\x1b]52")


async def test_reconnecting_counts_down(make_app) -> None:
    now = [T0]
    app = make_app(ALICE, clock=lambda: now[0])
    async with app.run_test() as pilot:
        await show_conversation(app, pilot)
        status = app.chat.query_one(StatusLine)
        app.deliver(StateChanged(ConnectionState.RECONNECTING, retry_in=3.0, attempt=1))
        await pilot.pause()
        assert status.state_text == "reconnecting in 3 s"
        now[0] = T0 + timedelta(seconds=2.5)
        assert status.state_text == "reconnecting in 1 s"
        app.deliver(LIVE)
        await pilot.pause()
        assert status.state_text == "live"


async def test_the_reconnect_reason_is_in_the_list_in_full(make_app) -> None:
    app = make_app(ALICE)
    why = "the app server at http://chat.example:8750 answered 502: could not get a chat token"
    async with app.run_test(size=(80, 24)) as pilot:
        await show_conversation(app, pilot)
        for attempt in (1, 2):
            app.deliver(StateChanged(ConnectionState.RECONNECTING, 1.0, why, attempt=attempt))
        await pilot.pause()
        # The status line cuts it at 80 columns; the list has it whole, once per outage.
        assert why not in app.chat.query_one(StatusLine).render().plain[:78]
        assert _lines(app)[-1].endswith(f"reconnecting: {why}")
        assert sum("reconnecting:" in line for line in _lines(app)) == 1
        app.deliver(LIVE)
        app.deliver(StateChanged(ConnectionState.RECONNECTING, 1.0, why, attempt=1))
        await pilot.pause()
        assert sum("reconnecting:" in line for line in _lines(app)) == 2


async def test_a_retry_delay_past_the_calendar_shows_no_countdown(make_app) -> None:
    app = make_app(ALICE)
    async with app.run_test() as pilot:
        await show_conversation(app, pilot)
        status = app.chat.query_one(StatusLine)
        for delay in (1e300, float("inf"), float("nan")):
            app.deliver(StateChanged(ConnectionState.RECONNECTING, retry_in=delay, attempt=1))
            await pilot.pause()
            assert status.state_text == "reconnecting"
        app.deliver(LIVE)
        await pilot.pause()
        assert status.state_text == "live"


async def test_moderator_disconnect_withdraws_a_showing_invite(make_app) -> None:
    app = make_app(ALICE)
    async with app.run_test() as pilot:
        await show_conversation(app, pilot, invite_event(ALICE))
        toast = app.chat.query_one(InviteToast)
        assert toast.state is ToastState.PENDING
        app.deliver(UserDisconnected(ALICE.user_id, ""))
        await pilot.pause()
        assert toast.state is ToastState.EXPIRED
        assert toast.detail == "You were disconnected, so your stage invite was withdrawn."
        assert app.chat.check_action("join_stage", ()) is False


async def test_clicking_the_toast_joins_like_ctrl_o(make_app) -> None:
    app = make_app(ALICE)
    async with app.run_test(size=(100, 30)) as pilot:
        await show_conversation(app, pilot, invite_event(ALICE))
        toast = app.chat.query_one(InviteToast)
        await pilot.click(InviteToast)
        await app.workers.wait_for_complete()
        await pilot.pause()
        # No app server in this app: the attempt fails, and says so in the toast.
        assert toast.state is ToastState.FAILED
        assert toast.detail == "there is no app server in this session"


async def test_moderation_keys_do_nothing_once_the_selection_is_off_screen(make_app) -> None:
    app = make_app(HOST)
    async with app.run_test(size=(80, 24)) as pilot:
        await show_conversation(app, pilot)
        await pilot.press("escape", "end")  # Bob's "GG" selected
        await pilot.pause()
        assert app.chat.check_action("delete", ()) is True
        for n in range(40):  # new messages: the view holds still on "GG"
            app.deliver(chat_message(100 + n, ALICE, f"flood {n}"))
        await pilot.pause()
        listing = app.chat.query_one(MessageList)
        listing.scroll_end(animate=False, immediate=True)  # the wheel, down to the newest
        await pilot.pause()
        shown = listing.selected_message
        assert shown is None or shown.content.startswith("flood")  # never the unseen "GG"
        await pilot.press("d")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert not any("GG" in line for line in _lines(app)[-3:] if "delete" in line)
        footer = _screen_text(app)[-1]
        assert ("d Delete" in footer) == (shown is not None)


async def test_the_demo_hint_leaves_the_chat_most_of_an_80x24_screen(make_app) -> None:
    viewer = ".venv/bin/ivs-chat-tui join --server http://127.0.0.1:8750 --name YOUR_NAME"
    hints = JoinHints(viewer, moderator=f"{viewer} --broadcaster-key C4Oy2vkE8Iw9qopbcTz27KxR")
    app = make_app(HOST, join_hint=JoinHints(hints.viewer, hints.moderator, QUIT_NOTE))
    async with app.run_test(size=(80, 24)) as pilot:
        await show_conversation(app, pilot)
        region = app.chat.query_one(JoinHint).region
        text = [row.strip() for row in _screen_text(app)[region.y : region.bottom]]
        assert len(text) <= 4  # was 7: the moderator's command repeated the viewer's whole
        assert text[-2] == "Moderate: add --broadcaster-key C4Oy2vkE8Iw9qopbcTz27KxR to it"


async def test_the_moderation_actions_are_in_the_palette_for_who_may_use_them(make_app) -> None:
    host = make_app(HOST)
    async with host.run_test() as pilot:
        await show_conversation(host, pilot)
        await select(host, pilot, "GG")
        titles = {c.title for c in host.get_system_commands(host.screen)}
        assert {"Time out user", "Ban user", "Moderation log", "Room settings"} <= titles
    mia = make_app(SelfIdentity("viewer-mia", "Mia", "moderator", "room"))
    async with mia.run_test() as pilot:
        await show_conversation(mia, pilot)
        await select(mia, pilot, "GG")
        titles = {c.title for c in mia.get_system_commands(mia.screen)}
        assert {"Time out user", "Ban user", "Moderation log"} <= titles
        assert "Room settings" not in titles  # the broadcaster's alone


async def test_a_refused_timeout_reopens_the_picker_with_what_was_chosen(make_app) -> None:
    from tui.screens.dialogs.timeout_picker import TimeoutPicker
    from tui.screens.moderation_log import ModerationLogScreen

    app = make_app(HOST)  # no app server: the controller refuses in words
    async with app.run_test() as pilot:
        await show_conversation(app, pilot)
        await select(app, pilot, "GG")
        await pilot.press("t")
        await until(lambda: isinstance(app.screen, TimeoutPicker), "the picker")
        await armed(app)
        await pilot.press("2", *"caps", "enter")
        await until(lambda: isinstance(app.screen, TimeoutPicker) and app.screen.error, "reopened")
        picker = app.screen
        assert picker.error == "could not time out Bob: there is no app server in this session"
        assert picker.query_one("#duration", Input).value == "10m"
        assert picker.query_one("#reason", Input).value == "caps"
        await pilot.press("escape")
        await until(lambda: app.screen is app.chat, "back to the chat")
        # ctrl+l from the list: the log of the selected sender.
        await pilot.press("ctrl+l")
        await until(lambda: isinstance(app.screen, ModerationLogScreen), "the log")
        assert app.screen.user is not None and app.screen.user.user_id == BOB.user_id


async def test_a_timed_out_composer_counts_down_and_keeps_the_text(make_app) -> None:
    now = [T0]
    app = make_app(BOB, clock=lambda: now[0])
    async with app.run_test() as pilot:
        await show_conversation(app, pilot)
        composer = app.chat.composer
        composer.input.value = "typed before"
        app._identified(
            SelfIdentity(BOB.user_id, BOB.name, "viewer", "room", T0 + timedelta(minutes=10))
        )
        await until(lambda: composer.input.disabled, "sending paused")
        assert composer.notice == "timed out: 10 min left"
        now[0] = T0 + timedelta(minutes=9, seconds=30)
        await until(lambda: composer.notice == "timed out: 30 s left", "counted down")
        # The controller renewed: the new token sends.
        app._identified(SelfIdentity(BOB.user_id, BOB.name, "viewer", "room"))
        await until(lambda: not composer.input.disabled, "sending back")
        assert composer.notice == "" and composer.text == "typed before"


async def test_when_a_timeout_ends_the_composer_has_the_keys_again(make_app) -> None:
    # Disabled during the timeout, the composer lost the focus, and nothing took it: once
    # sending came back no key reached anything (typing, tab and escape did nothing).
    app = make_app(BOB)
    async with app.run_test() as pilot:
        await show_conversation(app, pilot)
        composer = app.chat.composer
        app._identified(
            SelfIdentity(BOB.user_id, BOB.name, "viewer", "room", T0 + timedelta(minutes=10))
        )
        await until(lambda: composer.input.disabled, "sending paused")
        app._identified(SelfIdentity(BOB.user_id, BOB.name, "viewer", "room"))
        await until(lambda: not composer.input.disabled, "sending back")
        await pilot.press(*"back")
        assert composer.text == "back"


async def test_a_timed_out_viewer_can_move_and_search_in_the_list(make_app) -> None:
    # The disabled composer lost the keys and nothing took them: escape reached nothing,
    # so a timed-out viewer could neither scroll back nor search.
    app = make_app(BOB)
    async with app.run_test() as pilot:
        await show_conversation(app, pilot)
        composer = app.chat.composer
        listing = app.chat.messages
        app._identified(
            SelfIdentity(BOB.user_id, BOB.name, "viewer", "room", T0 + timedelta(minutes=10))
        )
        await until(lambda: composer.input.disabled, "sending paused")
        await until(lambda: app.focused is listing, "the list has the keys")
        await pilot.press("up")
        selected = listing.selected_message
        assert selected is not None and selected.id == "msg-0005"
        await pilot.press("slash")
        await until(lambda: app.chat.query_one("#search").has_focus_within, "the search bar")
        # Text typed in the list is kept in the composer, and said so, never lost.
        await pilot.press("escape")
        await until(lambda: app.focused is listing, "back in the list")
        await burst(app, pilot, *"later")
        await until(lambda: composer.text == "later", "kept in the composer")
        assert composer.input.disabled and app.screen is app.chat
        # Sending back: the composer has the keys again.
        app._identified(SelfIdentity(BOB.user_id, BOB.name, "viewer", "room"))
        await until(lambda: app.focused is composer.input, "the composer has the keys")


def _notice(action: str, target: SelfIdentity, *, minutes: int | None = None) -> CustomEvent:
    from tui.ivs.moderation_notice import EVENT_MODERATION, ModerationNotice

    notice = ModerationNotice(
        action=action,
        record_id=7,
        actor_id="viewer-mia",
        actor_name="Mia",
        target_id=target.user_id,
        target_name=target.name,
        reason="[b]caps[/b]\x1b[2J",
        duration_seconds=minutes * 60 if minutes else None,
        expires_at=T0 + timedelta(minutes=minutes) if minutes else None,
    )
    return CustomEvent("evt-7", EVENT_MODERATION, notice.attributes(), T0)


async def test_another_moderators_action_is_a_line_for_moderators_only(make_app) -> None:
    host = make_app(HOST)
    async with host.run_test() as pilot:
        await show_conversation(host, pilot, _notice("timeout", BOB, minutes=10))
        await until(lambda: "Mia timed out Bob" in lines(host)[-1], "the line")
        assert lines(host)[-1].endswith("-- Mia timed out Bob for 10 min: [b]caps[/b]␛[2J")
        # Bob's timeout is known now: it can be ended from the menu.
        assert await _menu_for(host, pilot, "msg-0006") == [
            "delete",
            "disconnect",
            "timeout",
            "untimeout",
            "ban",
            "mod",
            "invite",
        ]
    alice = make_app(ALICE)
    async with alice.run_test() as pilot:
        await show_conversation(alice, pilot, _notice("timeout", BOB, minutes=10))
        assert not any("timed out" in line for line in lines(alice))  # a viewer: not hers


def _keeper_deletion(message_id: str, target: SelfIdentity) -> CustomEvent:
    from tui.ivs.moderation_notice import EVENT_MODERATION, ModerationNotice

    notice = ModerationNotice(
        action="delete",
        record_id=8,
        actor_id="room-keeper",
        actor_name="room keeper",
        target_id=target.user_id,
        target_name=target.name,
        automatic=True,
        reason="blocked term 'keyboard'",
        message_id=message_id,
    )
    return CustomEvent("evt-8", EVENT_MODERATION, notice.attributes(), T0)


async def test_a_room_keeper_deletion_is_one_line_whichever_comes_first(make_app) -> None:
    """IVS announces a deletion (aws:DELETE_MESSAGE) and the room keeper's notice tells
    of it too, by another path, in either order: moderators and the sender read it
    once, as the notice says it; a deletion with no notice is still said."""
    said = "room keeper (automatic) deleted a message of Bob: blocked term 'keyboard'"
    generic = "the moderator deleted a message"
    for me in (HOST, BOB):
        app = make_app(me)
        async with app.run_test() as pilot:
            await show_conversation(app, pilot)
            app.deliver(MessageDeleted("msg-0002", "blocked term"))  # IVS first
            app.deliver(_keeper_deletion("msg-0002", BOB))
            app.deliver(_keeper_deletion("msg-0006", BOB))  # the notice first
            app.deliver(MessageDeleted("msg-0006", "blocked term"))
            # A moderator's own delete from another client: no notice, said anyway, and
            # after a moment; by then the waits for the two above are over too.
            app.deliver(MessageDeleted("msg-0005", "off topic"))
            await until(
                lambda app=app: any(line.endswith(f"{generic}: off topic") for line in lines(app)),
                "the deletion with no notice",
            )
            shown = [line for line in lines(app) if "deleted a message" in line]
            assert len(shown) == 3, shown
            mine = said.replace("of Bob", "of you")  # to Bob, his own message
            assert sum(said in line or mine in line for line in shown) == 2
    alice = make_app(ALICE)  # not shown notices: IVS's line, at once
    async with alice.run_test() as pilot:
        await show_conversation(alice, pilot)
        alice.deliver(MessageDeleted("msg-0002", "blocked term"))
        alice.deliver(_keeper_deletion("msg-0002", BOB))
        await pilot.pause()
        assert lines(alice)[-1].endswith(f"{generic}: blocked term")
        assert not any("room keeper" in line for line in lines(alice))


async def test_room_settings_open_for_the_broadcaster_only(make_app) -> None:
    from tui.screens.room_settings import RoomSettingsScreen

    host = make_app(HOST)
    async with host.run_test() as pilot:
        await show_conversation(host, pilot)
        await pilot.press("ctrl+r")
        await until(lambda: isinstance(host.screen, RoomSettingsScreen), "the settings")
        # No app server here: said in place, in words.
        error = host.screen.query_one("#error", Static)
        await until(lambda: error.display, "the load refused")
        assert "there is no app server in this session" in str(error.render())
    mia = make_app(SelfIdentity("viewer-mia", "Mia", "moderator", "room"))
    async with mia.run_test() as pilot:
        await show_conversation(mia, pilot)
        await pilot.press("ctrl+r")
        await pilot.pause()
        assert mia.screen is mia.chat
