"""`ivs-chat-tui serve` as a user runs it: a real process, its banner, Ctrl-C."""

from __future__ import annotations

import asyncio
import re
import shlex
import shutil
import signal
import sys
from pathlib import Path

import aiohttp

from tui.client.app_server import AppServerClient

WAIT = 60.0
"""Safety net only: a server that never prints its banner fails the test."""


async def test_serve_local_prints_url_and_key_and_stops_on_ctrl_c(tmp_path: Path) -> None:
    config = tmp_path / "xdg-config" / "ivs-chat-tui" / "server.toml"  # conftest's XDG dir
    config.parent.mkdir(parents=True)
    config.write_text("session_minutes = 30\n")
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "tui.cli.main",
        "serve",
        "--port",
        "0",
        "--data-dir",
        str(tmp_path / "data"),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    assert proc.stdout is not None and proc.stderr is not None
    drain = asyncio.create_task(proc.stderr.read())
    banner: list[str] = []
    try:
        async with asyncio.timeout(WAIT):
            while not banner or not banner[-1].startswith("Ctrl-C"):
                line = await proc.stdout.readline()
                assert line, "serve exited before printing its banner"
                banner.append(line.decode().rstrip())
        text = "\n".join(banner)
        url = re.search(r"URL:\s+(http://127\.0\.0\.1:\d+)", text)
        key = re.search(r"Broadcaster key:\s+(\S+)", text)
        assert url and key, text
        assert f"--server {url[1]} --name NAME --broadcaster-key {key[1]}" in text
        assert f"Config file:     {config} (read)" in text
        assert f"(kept in {tmp_path / 'data' / 'broadcaster.key'})" in text
        # The join command it prints is one that runs here: on PATH, or a path that exists.
        viewer = next(line for line in banner if line.startswith("Viewer:"))
        program = shlex.split(viewer.removeprefix("Viewer:").partition(" join ")[0])[0]
        assert shutil.which(program), viewer  # a name on PATH, or a path to a program
        async with AppServerClient(url[1], broadcaster_key=key[1]) as host:
            assert (await host.chat_token("Host")).role == "broadcaster"
        async with aiohttp.ClientSession() as http, http.get(url[1] + "/healthz") as health:
            assert (await health.json())["mode"] == "local"
    finally:
        proc.send_signal(signal.SIGINT)
        async with asyncio.timeout(WAIT):
            code = await proc.wait()
        errors = (await drain).decode()
    assert code == 0
    assert "Traceback" not in errors
