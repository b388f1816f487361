"""What the message list holds, written to a file when the app exits, for benchmarks.

bench/bench_tty.py floods the app on a slow link, where most messages scroll past
between two repaints (the list repaints a few times a second, tui/terminal/output.py);
the screen cannot tell it whether the scrollback kept them all, so it sets
IVS_CHAT_TUI_SCROLLBACK_DUMP=FILE and the app writes there, as JSON lines, the id and
text of every chat message in the scrollback, oldest first, as it quits.
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Final

from tui.ivs.events import ChatMessage

SCROLLBACK_DUMP_ENV: Final = "IVS_CHAT_TUI_SCROLLBACK_DUMP"

log = logging.getLogger(__name__)


def dump_scrollback(
    messages: Iterable[ChatMessage], environ: Mapping[str, str] = os.environ
) -> None:
    """Write `messages` to the file IVS_CHAT_TUI_SCROLLBACK_DUMP names (if it does)."""
    target = environ.get(SCROLLBACK_DUMP_ENV)
    if not target:
        return
    lines = [json.dumps({"id": m.id, "content": m.content}) + "\n" for m in messages]
    try:
        Path(target).write_text("".join(lines), encoding="utf-8")
    except OSError as exc:
        log.warning("could not write the scrollback to %s: %s", target, exc)


__all__ = ["SCROLLBACK_DUMP_ENV", "dump_scrollback"]
