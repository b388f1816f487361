"""`ivs-chat-tui` with no subcommand (what `make run` runs): the whole thing on one machine.

It starts the local IVS stack and the app server in-process on one port, a few demo
viewers (labelled bots, real clients of the room), and opens the TUI as the broadcaster.
The screen shows the command a second terminal runs to join as a viewer.
"""

from __future__ import annotations

import argparse
import logging
import sys
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

from tui.server.settings import DEFAULT_PORT

if TYPE_CHECKING:
    from tui.settings import TuiSettings

DEFAULT_DEMO_VIEWERS = 3


def default_name() -> str:
    """Your login name, so the status line reads "broadcaster · alice"."""
    import getpass

    try:
        return getpass.getuser()[:32] or "host"
    except (OSError, KeyError):
        return "host"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--host", default="127.0.0.1", help="address to serve on (127.0.0.1)")
    parser.add_argument(
        "--port",
        type=int,
        default=DEFAULT_PORT,
        help=f"port of the local stack and app server ({DEFAULT_PORT})",
    )
    parser.add_argument("--name", metavar="NAME", help="your display name (your login name)")
    parser.add_argument(
        "--demo-viewers",
        type=int,
        default=DEFAULT_DEMO_VIEWERS,
        metavar="N",
        help=f"demo viewer bots chatting in the room ({DEFAULT_DEMO_VIEWERS}; 0 for none)",
    )
    parser.add_argument("--scrollback", type=int, metavar="N", help="messages kept (10000)")
    parser.add_argument("--config", type=Path, metavar="FILE", help="TOML config file")


def log_file() -> Path:
    """Where the in-process servers log: never the terminal the TUI is drawing on."""
    from platformdirs import user_log_path

    path = user_log_path("ivs-chat-tui") / "demo.log"
    path.parent.mkdir(parents=True, exist_ok=True)
    return path


def join_hint(url: str) -> str:
    return f"ivs-chat-tui join --server {url} --name YOUR_NAME"


def run(args: argparse.Namespace) -> int:
    import asyncio

    from tui.settings import SettingsError, load_settings

    if args.demo_viewers < 0:
        print("ivs-chat-tui: --demo-viewers must be 0 or more", file=sys.stderr)
        return 2
    try:
        settings = load_settings(args.config, name=args.name, scrollback=args.scrollback)
    except SettingsError as exc:
        print(f"ivs-chat-tui: {exc}", file=sys.stderr)
        return 2
    logging.basicConfig(
        filename=log_file(), level=logging.INFO, format="%(asctime)s %(name)s %(message)s"
    )
    logging.getLogger("aiohttp.access").setLevel(logging.WARNING)
    return asyncio.run(
        _demo(args.host, args.port, args.demo_viewers, settings.name or default_name(), settings)
    )


async def _demo(host: str, port: int, viewers: int, name: str, settings: TuiSettings) -> int:
    from tui.app import run_chat_async
    from tui.demo_viewers import DemoViewers
    from tui.server.app import StartupError, start_local_stack

    with tempfile.TemporaryDirectory(prefix="ivs-chat-tui-demo-") as data_dir:
        try:
            stack = await start_local_stack(host, port, data_dir=Path(data_dir))
        except StartupError as exc:
            print(f"ivs-chat-tui: {exc}", file=sys.stderr)
            return 1
        bots = DemoViewers(stack.url, viewers)
        bots.start()
        try:
            return await run_chat_async(
                stack.url,
                name,
                broadcaster_key=stack.broadcaster_key,
                join_hint=join_hint(stack.url),
                settings=settings,
            )
        finally:
            await bots.stop()
            await stack.stop()
