"""`ivs-chat-tui` with no subcommand (what `make run` runs): the whole thing on one machine.

It starts the local IVS stack and the app server in-process on one port, a few demo
viewers (labelled bots, real clients of the room), and opens the TUI as the broadcaster.
The screen shows the commands a second terminal runs to join as a viewer and to moderate
(the broadcaster key is in it: the demo's room lives only as long as this process), and
says that quitting ends the room for everyone.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from tui.cli.argtypes import existing_file, non_negative, port_number
from tui.cli.gc_tuning import without_collection
from tui.common.command import command_name
from tui.server.defaults import DEFAULT_PORT, ENV_PREFIX

if TYPE_CHECKING:
    from tui.config.settings import TuiSettings
    from tui.server.boot.startup import LocalStack

DEFAULT_DEMO_VIEWERS = 3
ENV_PORT = f"{ENV_PREFIX}PORT"


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
        type=port_number,
        help=f"port of the local stack and app server ({ENV_PORT} or {DEFAULT_PORT})",
    )
    parser.add_argument("--name", metavar="NAME", help="your display name (your login name)")
    parser.add_argument(
        "--demo-viewers",
        type=non_negative,
        default=DEFAULT_DEMO_VIEWERS,
        metavar="N",
        help=f"demo viewer bots chatting in the room ({DEFAULT_DEMO_VIEWERS}; 0 for none)",
    )
    parser.add_argument(
        "--raid",
        action="store_true",
        help=(
            f"a raid to practise on: {RAID_SIZE} new bots flood the room "
            f"{RAID_AFTER_SECONDS} s after the start, for {RAID_SECONDS // 60} minutes (spam, "
            "a held term, a blocked term)"
        ),
    )
    parser.add_argument("--scrollback", type=int, metavar="N", help="messages kept (10000)")
    parser.add_argument("--config", type=existing_file, metavar="FILE", help="TOML config file")


def demo_port(flag: int | None) -> int:
    """--port, else IVS_CHAT_TUI_PORT (as `serve` reads it), else the documented default."""
    if flag is not None:
        return flag
    from_env = os.environ.get(ENV_PORT)
    return port_number(from_env) if from_env else DEFAULT_PORT


QUIT_NOTE = "Quitting this demo ends the room for everyone in it."
RAID_SIZE = 12
RAID_AFTER_SECONDS = 30
RAID_SECONDS = 120


def join_hint(url: str) -> str:
    return f"{command_name()} join --server {url} --name YOUR_NAME"


def moderator_hint(url: str, broadcaster_key: str) -> str:
    """How a second terminal (over SSH, say) joins this demo as the broadcaster."""
    return f"{join_hint(url)} --broadcaster-key {broadcaster_key}"


def run(args: argparse.Namespace) -> int:
    return without_collection(lambda: _run(args))


def _run(args: argparse.Namespace) -> int:
    import asyncio

    from tui.cli.logs import log_to_file
    from tui.config.settings import SettingsError, load_settings

    try:
        settings = load_settings(args.config, name=args.name, scrollback=args.scrollback)
    except SettingsError as exc:
        print(f"ivs-chat-tui: {exc}", file=sys.stderr)
        return 2
    try:
        port = demo_port(args.port)
    except argparse.ArgumentTypeError as exc:
        print(f"ivs-chat-tui: {ENV_PORT}: {exc}", file=sys.stderr)
        return 2
    log_to_file("demo")
    return asyncio.run(
        _demo(
            args.host,
            port,
            args.demo_viewers,
            settings.name or default_name(),
            settings,
            raid=args.raid,
        )
    )


def block_demo_terms(stack: LocalStack) -> None:
    """The demo room's blocked and held terms: one bot says a blocked one now and then,
    and the review refuses it (`tui.cli.demo_viewers.SPAM_LINE`); the raid of `--raid`
    says both."""
    from tui.cli.demo_viewers import DEMO_BLOCKED_TERMS, DEMO_HOLD_TERMS

    moderation = stack.service.moderation
    if moderation is not None:
        moderation.change_settings(
            {"blockedTerms": list(DEMO_BLOCKED_TERMS), "holdTerms": list(DEMO_HOLD_TERMS)}
        )


async def _demo(
    host: str, port: int, viewers: int, name: str, settings: TuiSettings, *, raid: bool = False
) -> int:
    import tempfile

    from tui.app import run_chat_async
    from tui.cli.demo_viewers import DemoRaid, DemoViewers
    from tui.server.boot.startup import StartupError, start_local_stack
    from tui.widgets.join_hint import JoinHints

    with tempfile.TemporaryDirectory(prefix="ivs-chat-tui-demo-") as data_dir:
        try:
            stack = await start_local_stack(
                host, port, data_dir=Path(data_dir), broadcaster_name=name
            )
        except StartupError as exc:
            print(f"ivs-chat-tui: {exc}", file=sys.stderr)
            return 1
        block_demo_terms(stack)
        bots = DemoViewers(stack.url, viewers)
        bots.start()
        raiders = DemoRaid(stack.url, RAID_SIZE if raid else 0, after=RAID_AFTER_SECONDS)
        raiders.start()
        try:
            return await run_chat_async(
                stack.url,
                name,
                broadcaster_key=stack.broadcaster_key,
                join_hint=JoinHints(
                    join_hint(stack.url),
                    moderator=moderator_hint(stack.url, stack.broadcaster_key),
                    note=QUIT_NOTE,
                ),
                settings=settings,
            )
        finally:
            await raiders.stop()
            await bots.stop()
            await stack.stop()
