"""argparse types shared by the subcommands: bad values end in one usage line, never a
traceback from deeper down (a bind() OverflowError, a pydantic error)."""

from __future__ import annotations

import argparse
from pathlib import Path

# One definition of a port argument, in tui.common: the local stack may import it
# (docs/architecture.md, "Which way dependencies point") and it imports nothing heavy.
from tui.common.ports import port_number

__all__ = ["existing_file", "non_negative", "port_number"]


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
