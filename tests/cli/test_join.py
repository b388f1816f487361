"""`ivs-chat-tui join`: what goes wrong before the screen opens is one line, no traceback;
and an invite that can no longer be used says so in the toast (real local stack)."""

from __future__ import annotations

import asyncio
import os
import pty
import select
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from aiohttp import web

from tests.app_helpers import joined_app, until
from tests.ports import closed_port
from tui.client.app_server import AppServerClient
from tui.ivs.events import ConnectionState
from tui.server.boot.startup import start_local_stack
from tui.widgets.invite_toast import EXPIRED_WORDS, InviteToast, ToastState


def join(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "tui.cli.main", "join", *args],
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
    )


def clean_env(tmp_path: Path) -> dict[str, str]:
    import os

    env = {k: v for k, v in os.environ.items() if not k.startswith("IVS_CHAT_TUI_")}
    env["XDG_CONFIG_HOME"] = str(tmp_path)  # no user config file
    env["XDG_DATA_HOME"] = str(tmp_path / "data")  # no saved session keys of the user's
    return env


def test_unreachable_server_is_one_line(tmp_path: Path) -> None:
    url = f"http://127.0.0.1:{closed_port()}"
    done = join("--server", url, "--name", "Alice", env=clean_env(tmp_path))
    assert done.returncode == 1
    assert done.stderr.startswith(f"ivs-chat-tui: cannot reach the app server at {url}")
    assert done.stderr.count("\n") == 1 and "Traceback" not in done.stderr
    assert done.stdout == ""


def test_missing_flags_are_named(tmp_path: Path) -> None:
    done = join("--server", "http://127.0.0.1:1", env=clean_env(tmp_path))
    assert done.returncode == 2
    assert done.stderr == "ivs-chat-tui join: --name required\n"


def test_a_key_that_cannot_exist_stops_the_start(tmp_path: Path) -> None:
    bad = tmp_path / "keys.toml"
    bad.write_text('[keymap]\n"app.quit" = "ctrl+banana"\n')
    done = join("--config", str(bad), "--name", "A", "--server", "x", env=clean_env(tmp_path))
    assert done.returncode == 2
    assert done.stderr == (
        "ivs-chat-tui join: configuration keymap: 'app.quit' = 'ctrl+banana': "
        f"'ctrl+banana' is not a key a terminal can send (file {bad})\n"
    )


def test_a_misspelt_binding_id_stops_the_start(tmp_path: Path) -> None:
    bad = tmp_path / "keys.toml"
    bad.write_text('[keymap]\n"chat.bann" = "B"\n')
    done = join("--config", str(bad), "--name", "A", "--server", "x", env=clean_env(tmp_path))
    assert done.returncode == 2
    assert done.stderr == (
        "ivs-chat-tui join: configuration keymap: 'chat.bann' is not a binding id "
        f"(did you mean 'chat.ban'? F1 and the README list them) (file {bad})\n"
    )


def test_bad_config_file_is_one_line(tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text("scrollback = 'lots'")
    done = join("--config", str(bad), "--name", "A", "--server", "x", env=clean_env(tmp_path))
    assert done.returncode == 2
    assert done.stderr.startswith("ivs-chat-tui join: configuration scrollback:")
    assert "Traceback" not in done.stderr


@pytest.mark.parametrize(
    ("name", "words"),
    [
        ("\u202eevil", "bidi control character (U+202E"),
        ("x" * 40, "the display name is 40 characters long"),
        ("bad\x1b[2Jname", "control character (U+001B"),
    ],
)
async def test_refused_name_is_one_line(tmp_path: Path, name: str, words: str) -> None:
    async with await start_local_stack("127.0.0.1", 0, data_dir=tmp_path) as stack:
        done = await asyncio.to_thread(
            join, "--server", stack.url, "--name", name, env=clean_env(tmp_path)
        )
    assert done.returncode == 1
    assert done.stderr.startswith("ivs-chat-tui: ") and words in done.stderr
    assert done.stderr.count("\n") == 1 and "Traceback" not in done.stderr
    assert "\x1b" not in done.stderr and "\u202e" not in done.stderr


async def test_an_invite_that_is_no_longer_valid_says_expired(tmp_path: Path) -> None:
    async with await start_local_stack("127.0.0.1", 0, data_dir=tmp_path) as stack:
        alice = joined_app(stack.url, "Alice")
        async with (
            AppServerClient(stack.url, broadcaster_key=stack.broadcaster_key) as host,
            alice.run_test() as pilot,
        ):
            await until(
                lambda: alice.room is not None and alice.room.state is ConnectionState.CONNECTED,
                "Alice connected",
            )
            assert alice.identity is not None
            await host.invite(alice.identity.user_id)
            toast = alice.chat.query_one(InviteToast)
            await until(lambda: toast.showing, "the toast")
            await host.disconnect(alice.identity.user_id)  # takes the invite back
            await pilot.press("ctrl+o")
            await until(lambda: toast.state is ToastState.EXPIRED, "the toast says expired")
            assert toast.detail == EXPIRED_WORDS
            assert not alice.chat.stage_link
            assert alice.chat.check_action("join_stage", ()) is False


async def test_taking_the_broadcasters_name_is_one_line_with_the_servers_words(
    tmp_path: Path,
) -> None:
    async with await start_local_stack("127.0.0.1", 0, data_dir=tmp_path) as stack:
        async with AppServerClient(stack.url, broadcaster_key=stack.broadcaster_key) as host:
            await host.chat_token("Host")
        done = await asyncio.to_thread(
            join, "--server", stack.url, "--name", "HOST", env=clean_env(tmp_path)
        )
    assert done.returncode == 1
    assert done.stderr.startswith("ivs-chat-tui: 'HOST' is the broadcaster's name")
    assert done.stderr.count("\n") == 1 and "Traceback" not in done.stderr


async def test_a_server_that_is_not_the_app_server_is_named(tmp_path: Path) -> None:
    # Something else answers at that address: the error says which URL it was.
    runner = web.AppRunner(web.Application())
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    url = f"http://127.0.0.1:{port}"
    try:
        done = await asyncio.to_thread(
            join, "--server", url, "--name", "A", env=clean_env(tmp_path)
        )
    finally:
        await runner.cleanup()
    assert done.returncode == 1
    assert done.stderr == f"ivs-chat-tui: the app server at {url} answered 404\n"


def test_a_silent_server_shows_what_is_awaited_at_once(tmp_path: Path) -> None:
    # It takes the connection and never answers: the terminal says what we wait for
    # at once, not after the client's 15 s timeout.
    with socket.create_server(("127.0.0.1", 0)) as silent:
        url = f"http://127.0.0.1:{silent.getsockname()[1]}"
        main, terminal = pty.openpty()
        joining = subprocess.Popen(
            [sys.executable, "-m", "tui.cli.main", "join", "--server", url, "--name", "A"],
            stdin=terminal,
            stdout=terminal,
            stderr=terminal,
            env=clean_env(tmp_path),
        )
        os.close(terminal)
        try:
            seen = b""
            wanted = f"connecting to {url}…".encode()
            while wanted not in seen:
                ready, _, _ = select.select([main], [], [], 30)
                assert ready, f"nothing said: {seen!r}"
                seen += os.read(main, 1024)
        finally:
            joining.kill()
            joining.wait()
            os.close(main)
