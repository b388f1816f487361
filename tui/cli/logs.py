"""Logging for commands that draw a TUI: to a file in the user log directory, never to
the terminal the TUI is drawing on (a stray line there breaks the screen)."""

from __future__ import annotations

import logging
from pathlib import Path

from platformdirs import user_log_path

from tui.common.log_lines import one_line_handler


def log_to_file(name: str) -> Path:
    """Send INFO and above to `<user log dir>/<name>.log`; returns the path."""
    path = user_log_path("ivs-chat-tui") / f"{name}.log"
    path.parent.mkdir(parents=True, exist_ok=True)
    handler = logging.FileHandler(path)
    fmt = "%(asctime)s %(name)s %(levelname)s %(message)s"
    logging.basicConfig(level=logging.INFO, handlers=[one_line_handler(handler, fmt)])
    logging.getLogger("aiohttp.access").setLevel(logging.WARNING)
    return path
