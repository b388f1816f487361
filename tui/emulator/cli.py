"""`ivs-chat-tui emulator`: run the local IVS stack until Ctrl-C."""

from __future__ import annotations

import argparse

from tui.common.ports import port_number
from tui.emulator.config import DEFAULT_HOST, DEFAULT_PORT


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--host", default=DEFAULT_HOST, help=f"address to listen on (default {DEFAULT_HOST})"
    )
    parser.add_argument(
        "--port",
        type=port_number,
        default=DEFAULT_PORT,
        help=f"port to listen on, 0 for any free one (default {DEFAULT_PORT})",
    )
    parser.add_argument("--region", default="us-east-1", help="region in ARNs (default us-east-1)")
    parser.add_argument(
        "--account-id", default="123456789012", help="account id in ARNs (default 123456789012)"
    )
    parser.add_argument(
        "--secret-access-key",
        default="test",
        metavar="SECRET",
        help='the secret key SigV4 signatures are checked with, any key id (default "test")',
    )
    parser.add_argument("--quiet", action="store_true", help="do not log each request")


def run(args: argparse.Namespace) -> int:
    import asyncio
    import errno
    import logging
    import sys

    from tui.common.log_lines import one_line_handler
    from tui.emulator.config import EmulatorConfig
    from tui.emulator.stack import Emulator

    logging.basicConfig(
        level=logging.WARNING if args.quiet else logging.INFO,
        handlers=[one_line_handler(logging.StreamHandler(), "%(asctime)s %(message)s")],
    )
    logging.getLogger("aiohttp").setLevel(logging.WARNING)
    emulator = Emulator(
        EmulatorConfig(
            region=args.region,
            account_id=args.account_id,
            secret_access_key=args.secret_access_key,
        )
    )

    async def serve() -> None:
        await emulator.start(args.host, args.port)
        print(f"Local IVS stack (IVS Chat + Real-Time) at {emulator.url}", flush=True)
        print(f"Chat messaging WebSocket: {emulator.ws_url}", flush=True)
        print(
            f"boto3: boto3.client('ivschat', endpoint_url='{emulator.url}', "
            f"region_name='{args.region}', aws_access_key_id='test', "
            f"aws_secret_access_key={args.secret_access_key!r})",
            flush=True,
        )
        print(
            "Any access key id is accepted; signatures are checked with that secret key. "
            "For local use only. Ctrl-C stops it.",
            flush=True,
        )
        try:
            await asyncio.Event().wait()
        finally:
            await emulator.stop()

    try:
        asyncio.run(serve())
    except KeyboardInterrupt:
        print("stopped", file=sys.stderr)
    except OSError as exc:
        if exc.errno == errno.EADDRINUSE:
            why = (
                f"port {args.port} on {args.host} is in use: pass another --port "
                "(or stop what uses it)"
            )
        else:
            why = f"cannot listen on {args.host}:{args.port}: {exc.strerror or exc}"
        print(f"ivs-chat-tui emulator: {why}", file=sys.stderr)
        return 1
    return 0
