"""`ivs-chat-tui serve` in a child process (the two-instance tests, bench_postgres): a real
server process that can be killed without any cleanup."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

BANNER_END = "Ctrl-C stops the server."


@dataclass
class ServeProcess:
    """`ivs-chat-tui serve` in a child process, and what its banner said."""

    process: asyncio.subprocess.Process
    banner: dict[str, str]
    drain: asyncio.Task[None]
    """Reads its output on, so the pipe never fills and blocks it."""

    @property
    def url(self) -> str:
        return self.banner["URL"]

    def kill(self) -> None:
        self.process.send_signal(signal.SIGKILL)

    async def stop(self) -> None:
        """SIGTERM (as Ctrl-C), until it has ended."""
        if self.process.returncode is None:
            self.process.send_signal(signal.SIGTERM)
        await self.process.wait()
        await self.drain  # the pipe's end: the process is gone


async def start_serve(
    endpoint_url: str, data_dir: Path, database_url: str | None, settings: dict[str, Any]
) -> ServeProcess:
    """`serve --aws --create --endpoint-url ENDPOINT --database-url URL` on a free port,
    once its banner is out (no `database_url`: SQLite in `data_dir`); `settings` go in as
    IVS_CHAT_TUI_* variables."""
    env = dict(os.environ)
    # The local IVS stack takes any key id signed with its default secret, "test".
    for name, value in (
        ("AWS_ACCESS_KEY_ID", "test"),
        ("AWS_SECRET_ACCESS_KEY", "test"),
        ("AWS_DEFAULT_REGION", "us-east-1"),
    ):
        env.setdefault(name, value)
    env.update({f"IVS_CHAT_TUI_{k.upper()}": str(v) for k, v in settings.items()})
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "tui.cli.main",
        "serve",
        "--aws",
        "--create",
        "--endpoint-url",
        endpoint_url,
        "--region",
        "us-east-1",
        "--port",
        "0",
        "--data-dir",
        str(data_dir),
        *(("--database-url", database_url) if database_url else ()),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
        env=env,
        cwd=Path(__file__).parents[2],
    )
    banner: dict[str, str] = {}
    assert process.stdout is not None
    seen: list[str] = []
    while True:
        raw = await asyncio.wait_for(process.stdout.readline(), 60)
        line = raw.decode().rstrip()
        seen.append(line)
        if not raw:
            raise AssertionError("serve ended before its banner:\n" + "\n".join(seen))
        name, colon, value = line.strip().partition(":")
        if colon and line.startswith("  "):
            banner[name.strip()] = value.strip()
        if line == BANNER_END:
            break
    return ServeProcess(process, banner, asyncio.create_task(_drain(process)))


async def _drain(process: asyncio.subprocess.Process) -> None:
    assert process.stdout is not None
    while await process.stdout.readline():
        pass
