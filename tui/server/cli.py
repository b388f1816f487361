"""`ivs-chat-tui serve`: run the app server, locally with the IVS stack or against AWS.

Flags win over `IVS_CHAT_TUI_*` variables, which win over the TOML file: only flags the
user gave are passed on, so an unset flag hides nothing.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from tui.cli.argtypes import port_number

# settings flags: argparse dest -> ServerSettings field (the same names)
_FLAGS = (
    "mode",
    "host",
    "port",
    "broadcaster_key",
    "broadcaster_name",
    "data_dir",
    "database_url",
    "room_arn",
    "stage_arn",
    "create",
    "delete",
    "endpoint_url",
    "region",
    "profile",
    "public_url",
    "tls_cert",
    "tls_key",
    "session_minutes",
    "invite_minutes",
    "max_message_rate",
    "max_message_length",
    "review_handler_arn",
    "review_fallback",
    "trusted_proxies",
)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument(
        "--local",
        dest="mode",
        action="store_const",
        const="local",
        help="run the local IVS stack in this process (the default without AWS settings)",
    )
    mode.add_argument(
        "--aws",
        dest="mode",
        action="store_const",
        const="aws",
        help="use Amazon IVS with boto3's default credentials and region",
    )
    parser.add_argument("--host", help="address to listen on (default 127.0.0.1)")
    parser.add_argument("--port", type=port_number, help="port to listen on (default 8750; 0: any)")
    parser.add_argument("--broadcaster-key", help="the broadcaster's key (default: generated)")
    parser.add_argument(
        "--broadcaster-name",
        help="the broadcaster's display name, reserved from the start: no viewer may take it",
    )
    parser.add_argument("--data-dir", type=Path, help="where identities and invites are kept")
    parser.add_argument(
        "--database-url",
        help="postgresql://USER:PASSWORD@HOST:PORT/DB: keep state in this Postgres, which "
        "several instances may share (default: SQLite in the data dir)",
    )
    parser.add_argument("--room-arn", help="--aws: the IVS chat room")
    parser.add_argument("--stage-arn", help="--aws: the IVS real-time stage")
    parser.add_argument(
        "--create",
        action="store_const",
        const=True,
        help="--aws: create a room and stage (tagged), kept in the data dir and reused "
        "on the next start",
    )
    parser.add_argument(
        "--delete",
        action="store_const",
        const=True,
        help="--aws: delete the room and stage --create made (or the tagged --room-arn / "
        "--stage-arn), then exit",
    )
    parser.add_argument("--endpoint-url", help="--aws: send IVS calls here (e.g. a local stack)")
    parser.add_argument("--region", help="AWS region (default: the room ARN's, or boto3's)")
    parser.add_argument("--profile", help="AWS profile name")
    parser.add_argument("--public-url", help="base URL for stage links (default http://HOST:PORT)")
    parser.add_argument("--tls-cert", type=Path, help="serve HTTPS with this PEM certificate")
    parser.add_argument("--tls-key", type=Path, help="the PEM private key of --tls-cert")
    parser.add_argument("--session-minutes", type=int, help="chat session length, 1-180")
    parser.add_argument("--invite-minutes", type=int, help="how long a stage invite is valid")
    parser.add_argument(
        "--max-message-rate",
        type=int,
        help="the room's messages a second, all senders together, 1-100 (IVS's default 10)",
    )
    parser.add_argument(
        "--max-message-length",
        type=int,
        help="the room's longest message in characters, 1-500 (IVS's default 500)",
    )
    parser.add_argument(
        "--review-handler-arn",
        help="--aws: the Lambda (the review forwarder) IVS asks about every message",
    )
    parser.add_argument(
        "--review-fallback",
        choices=("allow", "deny"),
        help="when the review handler fails or is late: allow (default; chat stays up) "
        "or deny (nothing is delivered unchecked)",
    )
    parser.add_argument(
        "--trusted-proxy",
        dest="trusted_proxies",
        action="append",
        metavar="CIDR",
        help="a reverse proxy in front of this server (an address or range; repeatable): "
        "requests from it are counted and banned by the client address it forwards",
    )
    parser.add_argument(
        "--config",
        type=Path,
        help="TOML settings file (default: server.toml in the user config dir, e.g. "
        "~/.config/ivs-chat-tui/server.toml on Linux)",
    )


def _config_line(config_file: Path) -> str:
    if config_file.is_file():
        return f"{config_file} (read)"
    return f"none: {config_file} does not exist (flags and IVS_CHAT_TUI_* only)"


def _banner(server: Any, config_file: Path) -> str:
    from tui.common.command import command_name
    from tui.server.boot.broadcaster_key import BROADCASTER_KEY_FILE

    url = server.url
    key = server.broadcaster_key
    where = "local IVS stack on the same port" if server.emulator else "Amazon IVS"
    from tui.server.db.url import redacted

    data = server.settings.resolved_data_dir
    db_url = server.settings.database_url
    keeper = "the database" if db_url else data / BROADCASTER_KEY_FILE
    kept = "" if server.settings.broadcaster_key else f" (kept in {keeper})"
    run = command_name()
    lines = [
        f"ivs-chat-tui app server ({where})",
        f"  URL:             {url}",
        f"  Broadcaster key: {key}{kept}",
        f"  Room:            {server.room_arn}",
        f"  Stage:           {server.stage_arn}",
        f"  Data:            {redacted(db_url) if db_url else data}",
        f"  Config file:     {_config_line(config_file)}",
        f"Broadcaster: {run} join --server {url} --name NAME --broadcaster-key {key}",
        f"Viewer:      {run} join --server {url} --name NAME",
    ]
    if server.emulator is None:
        # What the review forwarder signs with (its REVIEW_SECRET): where to read it.
        from tui.server.review.secret import REVIEW_SECRET_FILE

        if server.settings.review_secret:
            secret_at = "IVS_CHAT_TUI_REVIEW_SECRET (as set)"
        elif db_url:
            secret_at = "the database (meta key review_secret)"
        else:
            secret_at = str(data / REVIEW_SECRET_FILE)
        lines.insert(7, f"  Review secret:   in {secret_at}")
    if server.settings.host not in ("127.0.0.1", "localhost", "::1") and not (
        server.settings.public_url
    ):
        lines.append("Other machines need --public-url: links and the chat URL name this host.")
    lines.extend(server.notes)
    lines.append("Ctrl-C stops the server.")
    return "\n".join(lines)


async def _serve(settings: Any, config_file: Path) -> int:
    import asyncio
    import contextlib
    import signal

    from tui.server.boot.startup import start_server

    server = await start_server(settings)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        # Not every platform (or thread) can take signal handlers: Ctrl-C still ends it.
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(sig, stop.set)
    try:
        print(_banner(server, config_file), flush=True)
        await stop.wait()
    finally:
        await server.stop()
    return 0


def run(args: argparse.Namespace) -> int:
    import asyncio
    import logging

    from tui.server.boot.startup import StartupError
    from tui.server.settings import (
        aws_only_flags_in_local_mode,
        default_config_file,
        describe_settings_error,
        load_settings,
    )

    flags = {name: getattr(args, name, None) for name in _FLAGS}
    try:
        settings = load_settings(getattr(args, "config", None), **flags)
    except (ValueError, OSError) as exc:  # pydantic's ValidationError, bad TOML, no file
        print(f"ivs-chat-tui serve: {describe_settings_error(exc)}", file=sys.stderr)
        return 2
    contradiction = aws_only_flags_in_local_mode(settings, flags)
    if contradiction:
        print(f"ivs-chat-tui serve: {contradiction}", file=sys.stderr)
        return 2
    if settings.delete:
        from tui.server.boot.delete import delete_created_resources

        try:
            lines = asyncio.run(delete_created_resources(settings))
        except StartupError as exc:
            print(f"ivs-chat-tui serve --delete: {exc}", file=sys.stderr)
            return 1
        print("\n".join(lines))
        return 0
    from tui.common.log_lines import one_line_handler

    logging.basicConfig(
        level=logging.INFO,
        handlers=[one_line_handler(logging.StreamHandler(), "%(asctime)s %(name)s %(message)s")],
    )
    try:
        return asyncio.run(_serve(settings, getattr(args, "config", None) or default_config_file()))
    except StartupError as exc:
        print(f"ivs-chat-tui serve: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 0
