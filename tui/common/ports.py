"""The port argument every subcommand takes (stdlib only: the local stack may use it, and
`ivs-chat-tui --help` builds its parser without importing any subcommand's machinery)."""

from __future__ import annotations

import argparse


def port_number(text: str) -> int:
    """argparse type: a TCP port, 0 to 65535 (0: any free one)."""
    try:
        port = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a port number") from None
    if not 0 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"{port} is not a port: use 0 to 65535 (0: any free one)")
    return port
