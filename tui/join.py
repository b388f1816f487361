"""`ivs-chat-tui join --server URL --name NAME [--broadcaster-key KEY]`: join a room
through an app server, as a viewer (or as the broadcaster, with the key)."""

from __future__ import annotations

import argparse
import sys

from tui.argtypes import existing_file
from tui.gc_tuning import without_collection


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--server", metavar="URL", help="app server URL (IVS_CHAT_TUI_SERVER)")
    parser.add_argument("--name", metavar="NAME", help="your display name (IVS_CHAT_TUI_NAME)")
    parser.add_argument(
        "--broadcaster-key",
        metavar="KEY",
        help="join as the broadcaster, with the app server's key (IVS_CHAT_TUI_BROADCASTER_KEY)",
    )
    parser.add_argument(
        "--scrollback", type=int, metavar="N", help="messages kept in the list (default 10000)"
    )
    parser.add_argument(
        "--config",
        type=existing_file,
        metavar="FILE",
        help="TOML config file (default: config.toml in the user config directory)",
    )


def run(args: argparse.Namespace) -> int:
    return without_collection(lambda: _run(args))


def _run(args: argparse.Namespace) -> int:
    import asyncio

    from tui.app import run_chat_async
    from tui.logs import log_to_file
    from tui.settings import SettingsError, load_settings

    try:
        settings = load_settings(
            args.config,
            server=args.server,
            name=args.name,
            broadcaster_key=args.broadcaster_key,
            scrollback=args.scrollback,
        )
    except SettingsError as exc:
        print(f"ivs-chat-tui join: {exc}", file=sys.stderr)
        return 2
    missing = [
        flag
        for flag, value in (("--server", settings.server), ("--name", settings.name))
        if not value
    ]
    if missing:
        print(f"ivs-chat-tui join: {' and '.join(missing)} required", file=sys.stderr)
        return 2
    assert settings.server is not None and settings.name is not None
    log_to_file("join")
    return asyncio.run(
        run_chat_async(
            settings.server,
            settings.name,
            broadcaster_key=settings.broadcaster_key,
            settings=settings,
        )
    )
