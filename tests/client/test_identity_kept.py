"""A viewer is the same identity at an app server after their TUI exits, crashes or the
machine reboots: `join` keeps the session key per server and name in the user data
directory (real app server and local stack; the TUI as users run it, on a pty)."""

from __future__ import annotations

import asyncio
import os
import select
import signal
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.pty_join import join_env, join_on_pty
from tui.client.app_server import AppServerClient, AppServerError
from tui.client.moderation_api import ModerationClient
from tui.client.session import ChatSession
from tui.client.session_keys import KEYS_DIR_NAME, SavedKeys, server_id
from tui.server.boot.startup import RunningServer, start_local_stack
from tui.server.names import looks

LIVE = "● live".encode()
DEADLINE = 60.0


def _keys(home: Path) -> SavedKeys:
    return SavedKeys(home / "data" / "ivs-chat-tui" / KEYS_DIR_NAME)


def _read_until(master: int, wanted: tuple[bytes, ...], saved: Path | None) -> bytes:
    """Drain the terminal (a TUI blocks when nobody reads it) until all of `wanted` show
    and `saved` exists."""
    seen = b""
    give_up = time.monotonic() + DEADLINE
    while not all(w in seen for w in wanted) or (saved is not None and not saved.exists()):
        if time.monotonic() > give_up:
            raise AssertionError(f"never shown: {wanted!r}; last output {seen[-300:]!r}")
        ready, _, _ = select.select([master], [], [], 0.05)
        if ready:
            try:
                seen += os.read(master, 65536)
            except OSError:  # the TUI ended: its terminal reads as closed
                raise AssertionError(f"the TUI ended; last output {seen[-300:]!r}") from None
    return seen


async def _tui_until_killed(
    url: str, name: str, home: Path, *wanted: bytes, saved: Path | None = None
) -> None:
    """`join --server url --name name` on a pty until `wanted` is on its screen (and
    `saved` exists), then SIGKILL: no clean exit, as a crash or a closed laptop."""
    tui, master = await join_on_pty(url, name, home)
    try:
        await asyncio.to_thread(_read_until, master, wanted, saved)
    finally:
        tui.send_signal(signal.SIGKILL)
        await tui.wait()
        os.close(master)


def _holder(stack: RunningServer, name: str) -> str:
    holder = stack.service.store.name_holder(looks(name))
    assert holder is not None, f"nobody holds {name!r}"
    return holder.user_id


async def test_a_killed_tui_comes_back_with_its_name_and_role(tmp_path: Path) -> None:
    async with await start_local_stack("127.0.0.1", 0, data_dir=tmp_path / "server") as stack:
        await _tui_until_killed(stack.url, "Alice", tmp_path, LIVE)
        alice = _holder(stack, "Alice")
        async with AppServerClient(stack.url, broadcaster_key=stack.broadcaster_key) as host:
            await ModerationClient(host).act("mod", alice)
        # The second run is Alice again, as a moderator: not "'Alice' is taken".
        await _tui_until_killed(stack.url, "Alice", tmp_path, LIVE, b"moderator")
        assert _holder(stack, "Alice") == alice
    saved = _keys(tmp_path).path(stack.url, "Alice")
    assert stat.S_IMODE(saved.stat().st_mode) == 0o600
    assert stat.S_IMODE(saved.parent.stat().st_mode) == 0o700


async def test_a_tui_killed_as_it_starts_has_saved_the_name_it_claimed(tmp_path: Path) -> None:
    # Killed the moment its key is on disk, before its screen is live: the name the
    # server gave it and the saved key agree, so the next run takes the name back.
    keys = _keys(tmp_path)
    async with await start_local_stack("127.0.0.1", 0, data_dir=tmp_path / "server") as stack:
        await _tui_until_killed(stack.url, "Alice", tmp_path, saved=keys.path(stack.url, "Alice"))
        session = ChatSession(AppServerClient(stack.url), "Alice", keys=keys)
        identity = await session.open()
        await session.close()
        assert identity.user_id == _holder(stack, "Alice")


async def test_a_timed_out_viewer_stays_timed_out_and_another_name_is_new(
    tmp_path: Path,
) -> None:
    keys = _keys(tmp_path)
    async with await start_local_stack("127.0.0.1", 0, data_dir=tmp_path / "server") as stack:
        first = ChatSession(AppServerClient(stack.url), "Alice", keys=keys)
        alice = await first.open()
        await first.close()
        async with AppServerClient(stack.url, broadcaster_key=stack.broadcaster_key) as host:
            await ModerationClient(host).act("timeout", alice.user_id, duration_seconds=600)
        back = ChatSession(AppServerClient(stack.url), "Alice", keys=keys)
        again = await back.open()
        await back.close()
        assert again.user_id == alice.user_id
        assert again.timed_out_until is not None
        other = ChatSession(AppServerClient(stack.url), "Bob", keys=keys)
        bob = await other.open()
        await other.close()
        assert bob.user_id != alice.user_id and bob.timed_out_until is None
    assert keys.load(stack.url, "Alice") != keys.load(stack.url, "Bob")


async def test_a_key_the_server_does_not_know_is_a_new_identity(tmp_path: Path) -> None:
    # A fresh data dir (as `make run` uses each time) knows no saved key: the name is
    # taken anew, and the new key replaces the old one.
    keys = _keys(tmp_path)
    async with await start_local_stack("127.0.0.1", 0, data_dir=tmp_path / "server") as stack:
        keys.save(stack.url, "Alice", "a-key-from-an-earlier-server")
        session = ChatSession(AppServerClient(stack.url), "Alice", keys=keys)
        identity = await session.open()
        await session.close()
        assert identity.name == "Alice" and identity.user_id == _holder(stack, "Alice")
        assert keys.load(stack.url, "Alice") not in (None, "a-key-from-an-earlier-server")
        # The name held by someone else: the server's words, as for any taken name.
        keys.save(stack.url, "alice", "another-unknown-key")
        other = ChatSession(AppServerClient(stack.url), "alice", keys=keys)
        with pytest.raises(AppServerError, match="'alice' is taken"):
            await other.open()
        await other.close()


async def test_the_broadcaster_saves_no_key(tmp_path: Path) -> None:
    keys = _keys(tmp_path)
    async with await start_local_stack("127.0.0.1", 0, data_dir=tmp_path / "server") as stack:
        client = AppServerClient(stack.url, broadcaster_key=stack.broadcaster_key)
        session = ChatSession(client, "Host", keys=keys)
        await session.open()
        await session.close()
    assert not keys.directory.exists()


def test_a_key_file_others_can_read_is_tightened(tmp_path: Path) -> None:
    keys = SavedKeys(tmp_path / "keys")
    path = keys.save("http://127.0.0.1:8750", "Alice", "k")
    path.chmod(0o644)
    assert keys.load("HTTP://127.0.0.1:8750/", "Alice") == "k"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_one_file_per_server_and_name() -> None:
    keys = SavedKeys(Path("/keys"))
    assert server_id("HTTP://Host:8750/") == "http://host:8750"
    assert keys.path("http://host:8750", "Alice") == keys.path("HTTP://HOST:8750/", "Alice")
    assert keys.path("http://host:8750", "Alice") != keys.path("http://host:8751", "Alice")
    assert keys.path("http://host:8750", "Alice") != keys.path("http://host:8750", "alice")
    odd = keys.path("http://host:8750", "../\x1b[2J Eve/..")
    assert odd.parent == keys.directory and "\x1b" not in odd.name and "/" not in odd.name


def test_forget_identity_deletes_the_key(tmp_path: Path) -> None:
    keys = _keys(tmp_path)
    path = keys.save("http://127.0.0.1:8750", "Alice", "k")
    argv = [sys.executable, "-m", "tui.cli.main", "join", "--server", "http://127.0.0.1:8750"]
    done = subprocess.run(
        [*argv, "--name", "Alice", "--forget-identity"],
        capture_output=True,
        text=True,
        timeout=60,
        env=join_env(tmp_path),
    )
    assert done.returncode == 0, done.stderr
    assert (
        done.stdout
        == f"forgot the identity saved for 'Alice' at http://127.0.0.1:8750 (deleted {path})\n"
    )
    assert not path.exists()
    again = subprocess.run(
        [*argv, "--name", "Alice", "--forget-identity"],
        capture_output=True,
        text=True,
        timeout=60,
        env=join_env(tmp_path),
    )
    assert again.returncode == 0 and again.stdout.startswith("no identity saved for 'Alice'")
