"""Keys typed in the message list, through a real terminal: the TUI in a pty, a line
typed there in one write (one read for the TUI, as over SSH). Textual's own input thread
parses it, so this covers what the pilot cannot: how the keys of one read arrive."""

from __future__ import annotations

import asyncio
import os
import re
import select
import time
from pathlib import Path

from tests.pty_join import join_env, join_on_pty
from tui.server.boot.startup import start_local_stack

DEADLINE = 20.0
ANSI = re.compile(rb"\x1b\[[0-9;?<>=$]*[ -/]*[@-~]|\x1b[()][0-9A-Za-z]|\x1b[=>]")


def _screen_text(raw: bytes) -> str:
    return ANSI.sub(b"", raw).decode("utf-8", "replace")


def _read_until(master: int, wanted: str, seen: bytearray) -> None:
    """Drain the terminal (a TUI blocks when nobody reads it) until `wanted` shows."""
    give_up = time.monotonic() + DEADLINE
    while wanted not in _screen_text(bytes(seen)):
        if time.monotonic() > give_up:
            tail = _screen_text(bytes(seen))[-3000:]
            raise AssertionError(f"never shown: {wanted!r}; last output {tail!r}")
        ready, _, _ = select.select([master], [], [], 0.2)
        if ready:
            seen += os.read(master, 65536)


async def test_a_line_typed_in_the_list_over_a_terminal_lands_in_the_composer(
    tmp_path: Path,
) -> None:
    stack = await start_local_stack("127.0.0.1", 0, data_dir=tmp_path / "server")
    env = join_env(tmp_path, COLUMNS="80", LINES="24")
    tui, master = await join_on_pty(stack.url, "Hana", tmp_path, env=env)
    os.set_blocking(master, True)
    seen = bytearray()
    try:
        await asyncio.to_thread(_read_until, master, "● live", seen)
        os.write(master, b"hello there\r")
        await asyncio.to_thread(_read_until, master, "Hana hello there", seen)
        del seen[:]
        os.write(master, b"\x1b")  # escape alone: the list has the keys
        await asyncio.to_thread(_read_until, master, "MESSAGES", seen)
        del seen[:]
        # One write, one read: as a word typed over SSH arrives. In the list "u" opens
        # the user card and Enter the menu; here it is all text, and the Enter sends
        # nothing.
        os.write(master, b"missed message number 1\r")
        await asyncio.to_thread(_read_until, master, "Text, not commands", seen)
        await asyncio.to_thread(_read_until, master, "missed message number 1", seen)
        shown = _screen_text(bytes(seen))
        assert "477" in shown  # in the composer: 500 less its 23 characters
        assert "Hana missed message" not in shown  # never sent
        assert "Recent messages" not in shown and "Moderate" not in shown  # no card, no menu
    finally:
        if tui.returncode is None:
            tui.kill()
            await tui.wait()
        os.close(master)
        await stack.stop()
