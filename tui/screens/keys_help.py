"""The app's keys as F1's help panel leads with them (as the README's key table), made from the
action registry (tui/action_table.py) and the keymap in force, so a remapped key is shown as
the user set it.

Textual's help panel shows the focused widget's `HELP` above every binding in reach,
which in the composer is some twenty Input editing keys: this is what comes first.
"""

from __future__ import annotations

import re

from textual.app import App
from textual.binding import Binding

from tui.action_table import ACTIONS, SECTION_RULES, Section
from tui.terminal.untrusted import clean


def _code(text: str) -> str:
    """`text` as a Markdown code span: cleaned (keys come from a config file or the
    environment, and reach the terminal), fenced longer than any backtick run in it."""
    text = clean(text)
    run = max((len(m) for m in re.findall("`+", text)), default=0)
    fence = "`" * (run + 1)
    return f"{fence} {text} {fence}" if run else f"{fence}{text}{fence}"


def _shown(app: App[object], keys: str) -> str:
    return "/".join(_code(app.get_key_display(Binding(key.strip(), ""))) for key in keys.split(","))


def keys_help(app: App[object], keymap: dict[str, str]) -> str:
    """Markdown: the app's keys by where they work, as `keymap` (binding id -> keys)
    sets them."""
    # One paragraph, a line per key (hard breaks) and the headings in bold: the panel is
    # narrow, and bullets, blank lines or a wrapped line would push keys out of it at
    # 80x24 (the screen gives it the full height there, see ChatScreen).
    lines: list[str] = []
    for section in Section:
        lines.append(f"**{section}**")
        if rule := SECTION_RULES.get(section):
            lines.append(f"*{rule}*")
        # Records with the same words in a row share a line: "↑ ↓ history".
        rows: list[tuple[list[str], str]] = []
        for action in ACTIONS:
            if action.section is not section or not action.words or not action.keys:
                continue
            default = app.COMMAND_PALETTE_BINDING if action.owner == "textual" else action.keys
            keys = _shown(app, keymap.get(action.id, default))
            if rows and rows[-1][1] == action.words:
                rows[-1][0].append(keys)
            else:
                rows.append(([keys], action.words))
        lines += _paired([f"{' '.join(keys)} {words}" for keys, words in rows])
    return "\\\n".join(lines)


PAIR_WIDTH = 26
"""Two short rows share a line up to this many visible characters: the panel is about 30
columns wide at 80x24, and every key must fit in its height there."""


def _visible(row: str) -> int:
    return len(row.replace("`", ""))


def _paired(rows: list[str]) -> list[str]:
    """Consecutive short rows two to a line ("`^o` join · `^y` copy link")."""
    out: list[str] = []
    pending: str | None = None
    for row in rows:
        if pending is not None and _visible(pending) + 3 + _visible(row) <= PAIR_WIDTH:
            out.append(f"{pending} · {row}")
            pending = None
            continue
        if pending is not None:
            out.append(pending)
        pending = row
    if pending is not None:
        out.append(pending)
    return out
