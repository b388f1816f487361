"""`ivs-chat-tui join` on a real pseudo-terminal, for the tests that need a terminal's
own input path (one write is one read) or its hang-up: the TUI in its own session, with
config, state and data dirs of the test's own."""

from __future__ import annotations

import asyncio
import os
import pty
import sys
from collections.abc import Callable
from pathlib import Path


def join_env(home: Path, **extra: str) -> dict[str, str]:
    """The environment: no IVS_CHAT_TUI_* of the machine's, the dirs under `home`."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("IVS_CHAT_TUI_")}
    env.update(
        TERM="xterm-256color",
        XDG_CONFIG_HOME=str(home / "config"),
        XDG_STATE_HOME=str(home / "state"),
        XDG_DATA_HOME=str(home / "data"),
        **extra,
    )
    return env


async def join_on_pty(
    url: str,
    name: str,
    home: Path,
    *,
    env: dict[str, str] | None = None,
    preexec_fn: Callable[[], object] | None = None,
) -> tuple[asyncio.subprocess.Process, int]:
    """The TUI joined to `url` as `name`, and the pty's master end (the caller closes it)."""
    master, slave = pty.openpty()
    try:
        tui = await asyncio.create_subprocess_exec(
            *(sys.executable, "-m", "tui.cli.main", "join", "--server", url, "--name", name),
            stdin=slave,
            stdout=slave,
            stderr=slave,
            env=env or join_env(home),
            start_new_session=True,
            preexec_fn=preexec_fn,
        )
    finally:
        os.close(slave)
    return tui, master
