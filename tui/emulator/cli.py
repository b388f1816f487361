"""`ivs-chat-tui emulator`: run the local IVS stack until Ctrl-C."""

from __future__ import annotations

import argparse
from typing import Any

from tui.common.ports import port_number
from tui.common.review_signature import SIGNATURE_HEADER
from tui.emulator.config import DEFAULT_HOST, DEFAULT_PORT, REVIEW_TIMEOUT_MS

SECRET_ENV = "IVS_CHAT_TUI_REVIEW_SECRET"


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
    parser.add_argument(
        "--review-handler",
        action="append",
        type=_review_mapping,
        default=[],
        metavar="ARN=URL",
        help="a room whose message review handler is the Lambda ARN has each message "
        "POSTed to URL for review, as IVS invokes the Lambda (repeatable). A handler ARN "
        "with no URL fails, so its room's fallbackResult applies",
    )
    parser.add_argument(
        "--review-timeout-ms",
        type=_review_timeout,
        default=REVIEW_TIMEOUT_MS,
        metavar="MS",
        help=f"how long a review may take before the fallback applies (default "
        f"{REVIEW_TIMEOUT_MS}, IVS's own, which AWS does not let you change: raise it only "
        "for a loaded test machine)",
    )
    parser.add_argument(
        "--review-secret",
        default=None,
        metavar="SECRET",
        help=f"sign each review call with this secret ({SIGNATURE_HEADER} header), as the "
        f"Lambda forwarder does (default: ${SECRET_ENV}; unset: unsigned)",
    )
    parser.add_argument(
        "--iam-policy",
        type=_iam_policy,
        default=None,
        metavar="FILE",
        help="an IAM identity policy (JSON): every control-plane call it does not allow "
        "gets AccessDeniedException, as on AWS. Allow statements with Action and Resource "
        "(wildcards * and ?) only",
    )
    parser.add_argument("--quiet", action="store_true", help="do not log each request")


def _review_mapping(value: str) -> tuple[str, str]:
    from tui.emulator.chat.review import parse_mapping

    try:
        return parse_mapping(value)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _review_timeout(value: str) -> int:
    try:
        ms = int(value)
    except ValueError:
        ms = -1
    if not REVIEW_TIMEOUT_MS <= ms <= 60_000:
        raise argparse.ArgumentTypeError(
            f"{value!r} is not a whole number of milliseconds from {REVIEW_TIMEOUT_MS} "
            "(IVS's own) to 60000"
        )
    return ms


def _iam_policy(value: str) -> dict[str, Any]:
    from tui.emulator.aws.iam import PolicyError, load_policy

    try:
        return load_policy(value)
    except PolicyError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def run(args: argparse.Namespace) -> int:
    import asyncio
    import errno
    import logging
    import os
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
            review_handlers=dict(args.review_handler),
            review_timeout_ms=args.review_timeout_ms,
            review_secret=args.review_secret or os.environ.get(SECRET_ENV) or None,
            iam_policy=args.iam_policy,
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
        for arn, url in args.review_handler:
            print(f"Review handler {arn} -> {url}", flush=True)
        if emulator.reviewer.secret:
            print("Review calls are signed.", flush=True)
        if args.iam_policy is not None:
            print("Control-plane calls are checked against the IAM policy given.", flush=True)
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
