"""`ivs-chat-tui review-handler package [--out FILE]`: build the review forwarder's zip."""

from __future__ import annotations

import argparse
from pathlib import Path


def add_arguments(parser: argparse.ArgumentParser) -> None:
    actions = parser.add_subparsers(dest="review_command", metavar="ACTION", required=True)
    package = actions.add_parser(
        "package",
        help="build the Lambda zip that forwards IVS's message reviews to the app server",
        description="Build the zip of the review handler's Lambda (Python 3.11+ runtime, "
        "handler forwarder.lambda_handler, environment REVIEW_URL and REVIEW_SECRET).",
    )
    package.add_argument(
        "--out",
        type=Path,
        default=None,
        metavar="FILE",
        help="where to write it (default: ivs-chat-tui-review-handler.zip)",
    )


def run(args: argparse.Namespace) -> int:
    from tui.server.review_lambda.package import DEFAULT_ZIP, HANDLER, build

    out = build(args.out or Path(DEFAULT_ZIP))
    print(f"wrote {out} (handler {HANDLER}; set REVIEW_URL and REVIEW_SECRET)")
    return 0
