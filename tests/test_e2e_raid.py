"""End to end, a raid: the broadcaster and two viewers, three real apps driven by Textual's
pilot, against one in-process local stack. Shield mode on with one key; a new viewer's
message is held (their composer says so and does not keep it to send again); the
broadcaster's status line counts it, the queue approves it, and it reaches everyone as
the viewer's own message, marked approved on the broadcaster's list only; then a ban
with a purge takes the other viewer's messages down, said in one line.

Waiting on the network is done by polling what the user would see; nothing asserts a
duration."""

from __future__ import annotations

from pathlib import Path

from tests.app_helpers import armed, contents, joined_app, line_with, lines, say, select, until
from tui.ivs.events import ConnectionState
from tui.screens.dialogs.ban_confirm import BanConfirm
from tui.screens.held_queue import HeldQueueScreen
from tui.server.boot.startup import start_local_stack
from tui.widgets.composer import HELD_WORDS, Composer
from tui.widgets.message_list import MessageList
from tui.widgets.status_line import StatusLine


def status(app) -> str:
    return app.chat.query_one(StatusLine).render().plain


async def test_a_raid(tmp_path: Path) -> None:
    stack = await start_local_stack("127.0.0.1", 0, data_dir=tmp_path)
    host = joined_app(stack.url, "Host", key=stack.broadcaster_key)
    alice = joined_app(stack.url, "Alice")
    bob = joined_app(stack.url, "Bob")
    everyone = (host, alice, bob)
    try:
        async with (
            host.run_test(size=(100, 30)) as hp,
            alice.run_test(size=(100, 30)) as ap,
            bob.run_test(size=(100, 30)) as bp,
        ):
            await until(
                lambda: all(
                    a.room is not None and a.room.state is ConnectionState.CONNECTED
                    for a in everyone
                ),
                "all three connected",
            )
            # Before the raid: Bob talks (what the purge takes down later).
            for text in ("buy followers", "real followers", "cheap followers here"):
                await say(bob, bp, text)
                await until(lambda text=text: text in contents(host), "Bob's message")

            # Shield mode on, one key from the list.
            host.chat.composer.focus_input()
            await hp.press("escape", "r")
            await until(lambda: "SHIELD " in status(host), lambda: status(host))
            assert "SHIELD" not in status(alice)  # viewers hear nothing of it

            # Alice is a new identity: her message is held, not refused.
            await say(alice, ap, "hello during the raid")
            composer = alice.chat.query_one(Composer)
            await until(
                lambda: HELD_WORDS in composer.query_one("#composer-error").render().plain, "held"
            )
            assert composer.waiting == []  # not kept to send again
            await until(lambda: "held 1" in status(host), lambda: status(host))

            # The queue: approve it.
            await hp.press("h")
            await until(lambda: isinstance(host.screen, HeldQueueScreen), "the held queue")
            queue = host.screen
            await until(lambda: len(queue.held) == 1, "the held message in the queue")
            await hp.press("a")
            await until(
                lambda: all("hello during the raid" in contents(a) for a in everyone),
                "the approved message on all three",
            )
            await until(lambda: queue.held == [], "the queue empty")
            await hp.press("escape")
            listing = host.chat.query_one(MessageList)
            approved = next(m for m in listing.messages if m.content == "hello during the raid")
            assert approved.sender_name == "Alice"
            await until(lambda: listing.is_approved(approved.id), "marked approved for the host")
            alice_list = alice.chat.query_one(MessageList)
            assert not alice_list.is_approved(approved.id)  # hers: shown as sent
            assert alice_list.messages[-1].sender_id == alice.identity.user_id
            await until(lambda: "held 1" not in status(host), "no longer held")

            # A ban with its purge (on by default): Bob's messages go, said in one line.
            await select(host, hp, "cheap followers here")
            await hp.press("b")
            await until(lambda: isinstance(host.screen, BanConfirm), "the ban dialog")
            await armed(host)
            await hp.press(*"spam", "enter")
            await until(
                lambda: not any("followers" in text for text in contents(alice)),
                "Bob's messages purged for Alice",
            )
            # The first deletion at once, the two after it together.
            purged = "purged with a ban: spam"
            await until(
                lambda: line_with(alice, f"deleted 2 messages by Bob: {purged}"),
                lambda: str(lines(alice)),
            )
            assert sum("deleted a message" in line for line in lines(alice)) == 1

            # Shield mode off again.
            await select(host, hp, "hello during the raid")
            await hp.press("r")
            await until(lambda: "SHIELD" not in status(host), lambda: status(host))
    finally:
        for app in everyone:
            if app.session is not None:
                await app.session.close()
        await stack.stop()
