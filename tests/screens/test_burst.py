"""Keys that arrive in one burst (SSH, a paste without bracketed paste): each Enter sends
what was typed before it, once; what follows belongs to the next message. Against the
real local stack: what a second viewer receives is what the room received."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from textual import events
from textual.app import App
from textual.pilot import Pilot

from tests.app_helpers import contents, joined_app, until
from tui.app import ChatApp
from tui.ivs.events import ConnectionState
from tui.server.boot.startup import LocalStack, start_local_stack
from tui.server.moderation.room_settings import parse_settings
from tui.widgets.composer import BLANK_WORDS, SLASH_WORDS, Composer


async def burst(app: App[object], pilot: Pilot[object], *keys: str) -> None:
    """Keys as a terminal driver posts one read of stdin: all at once, with no wait for
    the app in between (the pilot's `press` waits for idle after each key, so a key's
    handler has always finished before the next arrives). The usual case of a read, all
    its keys queued before the app handles the first; a read whose keys reach the queue
    in two goes is tested by their timestamps (test_list_keys.py), and the driver's own
    input thread in a pty (test_list_keys_pty.py)."""
    for key in keys:
        if key == " ":
            app.post_message(events.Key("space", " "))
        else:
            app.post_message(events.Key(key, key if len(key) == 1 else None))
    await pilot.pause()


@asynccontextmanager
async def alice_and_bob(
    tmp_path: Path,
    *,
    flood: dict[str, int] | None = None,
    stacks: list[LocalStack] | None = None,
) -> AsyncIterator[tuple[ChatApp, Pilot[object], ChatApp]]:
    """Alice (with her pilot) and Bob, both live in one room of a real local stack;
    `flood`: the room keeper's flood limits for it; `stacks`: the stack is added to it."""
    stack = await start_local_stack("127.0.0.1", 0, data_dir=tmp_path)
    if stacks is not None:
        stacks.append(stack)
    if flood is not None:
        moderation = stack.service.moderation
        assert moderation is not None
        moderation.set_settings(parse_settings({"flood": flood}, moderation.settings))
    alice = joined_app(stack.url, "Alice")
    bob = joined_app(stack.url, "Bob")
    try:
        async with alice.run_test() as pilot, bob.run_test():
            await until(
                lambda: all(
                    a.room is not None and a.room.state is ConnectionState.CONNECTED
                    for a in (alice, bob)
                ),
                "both connected",
            )
            yield alice, pilot, bob
    finally:
        await stack.stop()


async def test_a_burst_of_keys_sends_each_line_once_in_order(tmp_path: Path) -> None:
    # Alice types nine lines in a few seconds, more than the room keeper's flood limit
    # lets a viewer send (5 in 5 s) and be heard: this test is about the composer.
    fast = {"messages": 100, "seconds": 1}
    async with alice_and_bob(tmp_path, flood=fast) as (alice, pilot, bob):
        composer = alice.chat.query_one(Composer)

        # Two lines in one go, as the pilot types them and as a terminal delivers them.
        await pilot.press(*"first", "enter", *"second", "enter")
        await burst(alice, pilot, *"third", "enter", *"fourth", "enter")
        await until(lambda: len(contents(bob)) >= 4, "four messages")
        # A second Enter on the emptied composer sends nothing.
        await pilot.press(*"again", "enter", "enter")
        await burst(alice, pilot, *"more", "enter", "enter")
        await until(lambda: "more" in contents(bob), "more")
        # A multi-line paste without bracketed paste: lines and Enters as keys.
        await burst(alice, pilot, *"line one", "enter", *"line two", "enter", *"rest")
        await until(lambda: "line two" in contents(bob), "the pasted lines")
        await until(lambda: not composer.sending, "every send answered")
        assert composer.text == "rest"  # the start of the next message
        # One more, so anything sent twice would have arrived before it.
        await burst(alice, pilot, *" end", "enter")
        await until(lambda: "rest end" in contents(bob), "the last message")
        assert contents(bob) == [
            "first",
            "second",
            "third",
            "fourth",
            "again",
            "more",
            "line one",
            "line two",
            "rest end",
        ]
        assert contents(alice) == contents(bob)
        assert composer.text == ""


async def test_a_blank_message_says_why_nothing_was_sent(make_app) -> None:
    app = make_app()
    async with app.run_test() as pilot:
        composer = app.chat.query_one(Composer)
        await pilot.press("space", "space", "enter")
        await pilot.pause()
        assert composer.error == BLANK_WORDS
        assert composer.text == "  " and not composer.sending
        await pilot.press("x")  # typing again clears the complaint
        await pilot.pause()
        assert composer.error == ""


async def test_a_line_starting_with_a_slash_stays_unless_doubled(tmp_path: Path) -> None:
    """Esc and / in one read of stdin leave the "/" in the composer (Alt+/): the search
    that follows must not go to the room. "//" sends a line that starts with "/"."""
    async with alice_and_bob(tmp_path) as (alice, pilot, bob):
        composer = alice.chat.query_one(Composer)
        await burst(alice, pilot, *"/from:zed", "enter")
        await until(lambda: composer.error == SLASH_WORDS, "the refusal in words")
        assert composer.text == "/from:zed" and not composer.sending  # kept, not sent
        # All of it on the line at 80 columns, the // hint at its end included.
        error_line = composer.query_one("#composer-error")
        assert alice.size.width == 80
        assert error_line.content_region.width >= len(SLASH_WORDS)
        composer.input.value = ""
        await burst(alice, pilot, *"//etc/hosts is the file", "enter")
        await until(lambda: contents(bob), "a message at Bob")
        await until(lambda: not composer.sending, "the send answered")
        assert contents(bob) == ["/etc/hosts is the file"]
        assert composer.text == "" and composer.error == ""


async def test_keys_after_a_focus_key_in_one_burst_go_where_it_moved_focus(
    tmp_path: Path,
) -> None:
    """Over SSH "tab", then a line and Enter, arrive in one read. Textual moves focus only
    after the keys already queued, so they went to the message list: its Enter opened the
    moderation menu on a message, and what followed picked from it (seen in tmux at 80x24:
    a broadcaster typing "tab one enter two enter" timed a viewer out). And the other way:
    keys after escape in the composer went to the composer."""
    async with alice_and_bob(tmp_path) as (alice, pilot, bob):
        await pilot.press(*"hello", "enter")
        await until(lambda: contents(bob) == ["hello"], "hello at Bob")
        await pilot.press("escape")  # to the list, the newest message selected
        await pilot.pause()
        assert alice.focused is alice.chat.messages
        await burst(alice, pilot, "tab", *"one", "enter", *"two", "enter")
        await until(lambda: contents(bob) == ["hello", "one", "two"], "both lines at Bob")
        assert alice.screen is alice.chat  # no menu, no card opened on the way
        # Escape from the list, the same way.
        await pilot.press("escape")
        await pilot.pause()
        assert alice.focused is alice.chat.messages
        await burst(alice, pilot, "escape", *"three", "enter")
        await until(lambda: contents(bob)[-1:] == ["three"], "three at Bob")
        assert alice.screen is alice.chat
        # And from the composer: escape, then a list key. Up in the composer would bring
        # back the last line sent (and a following Enter would send it again).
        composer = alice.chat.query_one(Composer)
        await burst(alice, pilot, "escape", "up")
        await until(lambda: alice.focused is alice.chat.messages, "the list focused")
        assert composer.text == ""
        selected = alice.chat.messages.selected_message
        assert selected is not None and selected.content == "two"
