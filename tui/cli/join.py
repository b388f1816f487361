"""`ivs-chat-tui join --server URL --name NAME [--broadcaster-key KEY]`: join a room
through an app server, as a viewer (or as the broadcaster, with the key).

A viewer's session key is kept per server and name (tui/client/session_keys.py), so joining
again is the same identity; `--forget-identity` deletes it instead of joining."""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING

from tui.cli.argtypes import existing_file
from tui.cli.gc_tuning import without_collection

if TYPE_CHECKING:
    from tui.client.session_keys import SavedKeys


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
        "--forget-identity",
        action="store_true",
        help="delete the session key saved for --server and --name, and exit: the next "
        "join with them is a new identity",
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
    from tui.cli.logs import log_to_file
    from tui.client.session_keys import SavedKeys, default_keys_dir
    from tui.config.settings import SettingsError, load_settings

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
    keys = SavedKeys(default_keys_dir())
    if args.forget_identity:
        return _forget(keys, settings.server, settings.name)
    log_to_file("join")
    return asyncio.run(
        run_chat_async(
            settings.server,
            settings.name,
            broadcaster_key=settings.broadcaster_key,
            settings=settings,
            keys=keys,
        )
    )


def _forget(keys: SavedKeys, server: str, name: str) -> int:
    from tui.client.session_keys import SavedKeyError
    from tui.common.text import clean

    try:
        path = keys.forget(server, name)
    except SavedKeyError as exc:
        print(f"ivs-chat-tui join: {clean(str(exc))}", file=sys.stderr)
        return 1
    who = f"{clean(name)!r} at {clean(server)}"
    if path is None:
        print(f"no identity saved for {who} ({keys.path(server, name)})")
    else:
        print(f"forgot the identity saved for {who} (deleted {path})")
    return 0
