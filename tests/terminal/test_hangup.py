"""When the terminal goes (an SSH connection drops, a tmux pane is killed) the TUI quits,
even when it is not the one the hangup signal reaches (under `make run` it is make)."""

from __future__ import annotations

import asyncio
import os
import pty
import select
import signal
import time
from pathlib import Path

from tests.pty_join import join_on_pty
from tui.app import TERMINAL_GONE_EXIT
from tui.server.boot.startup import start_local_stack
from tui.terminal.hangup import terminal_hung_up

LIVE = "● live".encode()
DEADLINE = 60.0


def test_a_pty_reads_as_hung_up_once_its_other_end_is_closed() -> None:
    master, slave = pty.openpty()
    try:
        assert not terminal_hung_up(slave)
        os.close(master)
        assert terminal_hung_up(slave)
    finally:
        os.close(slave)


def _read_until(master: int, wanted: bytes) -> bytes:
    """Drain the terminal (a TUI blocks when nobody reads it) until `wanted` shows."""
    seen = b""
    give_up = time.monotonic() + DEADLINE
    while wanted not in seen:
        if time.monotonic() > give_up:
            raise AssertionError(f"never shown: {wanted!r}; last output {seen[-300:]!r}")
        ready, _, _ = select.select([master], [], [], 0.2)
        if ready:
            seen += os.read(master, 65536)
    return seen


async def test_the_tui_quits_when_its_terminal_hangs_up(tmp_path: Path) -> None:
    stack = await start_local_stack("127.0.0.1", 0, data_dir=tmp_path / "server")
    # SIGHUP ignored, as for a TUI whose session leader (make, a wrapper) gets the hangup
    # and does not pass it on: only the terminal itself says it has gone.
    tui, master = await join_on_pty(
        stack.url,
        "Hana",
        tmp_path,
        preexec_fn=lambda: signal.signal(signal.SIGHUP, signal.SIG_IGN),
    )
    try:
        await asyncio.to_thread(_read_until, master, LIVE)
        os.close(master)
        master = -1
        code = await asyncio.wait_for(tui.wait(), DEADLINE)
        assert code == TERMINAL_GONE_EXIT
    finally:
        if tui.returncode is None:
            tui.kill()
            await tui.wait()
        if master >= 0:
            os.close(master)
        await stack.stop()
