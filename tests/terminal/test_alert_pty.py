"""An alert over a real terminal: the TUI in a pty, another user names it, and the bell
(BEL, 0x07) is in what the TUI writes to the terminal; with a terminal that shows desktop
notifications (OSC 9), the notification too, its words cleaned."""

from __future__ import annotations

import asyncio
import os
import re
from pathlib import Path

from tests.pty_join import join_env, join_on_pty
from tests.terminal.test_list_keys_pty import _read_until
from tui.client.app_server import AppServerClient
from tui.ivs.room import ChatRoom
from tui.server.boot.startup import start_local_stack

# Textual's own OSC sequences (the window title) may end with BEL: a bell is a BEL outside one.
_OSC = re.compile(rb"\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)")


def bells(raw: bytes) -> int:
    return _OSC.sub(b"", raw).count(b"\x07")


async def test_a_mention_rings_the_bell_and_notifies(tmp_path: Path) -> None:
    stack = await start_local_stack("127.0.0.1", 0, data_dir=tmp_path / "server")
    # kitty's TERM: a terminal that shows OSC 9 notifications (the screen is drawn the same).
    env = join_env(tmp_path, COLUMNS="80", LINES="24")
    env["TERM"] = "xterm-kitty"
    tui, master = await join_on_pty(stack.url, "Hana", tmp_path, env=env)
    os.set_blocking(master, True)
    seen = bytearray()
    try:
        await asyncio.to_thread(_read_until, master, "● live", seen)
        assert bells(bytes(seen)) == 0
        del seen[:]
        async with (
            AppServerClient(stack.url) as bob,
            ChatRoom(bob.token_provider("Bob")) as room,
        ):
            await room.send_message("hey @Hana \x1b]52;c;aGk=\x07 look")
            await asyncio.to_thread(_read_until, master, "Bob hey @Hana", seen)
        raw = bytes(seen)
        assert bells(raw) == 1
        # The notification: its words are the message's, cleaned (no raw ESC or BEL).
        start = raw.index(b"\x1b]9;")
        end = raw.index(b"\x1b\\", start)
        words = raw[start + 4 : end].decode()
        assert words.startswith("ivs-chat-tui: Bob: hey @Hana ")
        assert "\x1b" not in words and "\x07" not in words and "␛]52;c;aGk=␇" in words
    finally:
        if tui.returncode is None:
            tui.kill()
            await tui.wait()
        os.close(master)
        await stack.stop()
