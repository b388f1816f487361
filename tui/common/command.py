"""How a user runs this program again from another terminal: the command to print."""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

PROGRAM = "ivs-chat-tui"


def command_name() -> str:
    """The bare name when it is on PATH (an installed or activated venv), else the path
    this run was started with (`.venv/bin/ivs-chat-tui` after `make run`), else
    `python -m tui.cli.main` with this interpreter."""
    if shutil.which(PROGRAM):
        return PROGRAM
    started = Path(sys.argv[0])
    if started.name == PROGRAM and started.exists():
        return str(started) if started.is_absolute() else os.path.relpath(started)
    return f"{sys.executable} -m tui.cli.main"
