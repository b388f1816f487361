"""argparse types shared by the subcommands: bad values end in one usage line, never a
traceback from deeper down (a bind() OverflowError, a pydantic error)."""

from __future__ import annotations

import argparse
from pathlib import Path


def port_number(text: str) -> int:
    """A TCP port, 0 meaning "any free one"."""
    try:
        port = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a port number") from None
    if not 0 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"{port} is not a port: use 0-65535 (0: any free one)")
    return port


def existing_file(text: str) -> Path:
    """A file that must exist: a config file named on the command line and missing is a
    mistake to report, not a reason to run on defaults."""
    path = Path(text).expanduser()
    if not path.is_file():
        raise argparse.ArgumentTypeError(f"{text}: no such file")
    return path


def non_negative(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"{value}: must be 0 or more")
    return value
