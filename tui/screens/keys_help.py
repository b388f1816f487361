"""The app's keys as F1's help panel leads with them (design.md's table), read from the
keymap in force, so a remapped key is shown as the user set it.

Textual's help panel shows the focused widget's `HELP` above every binding in reach,
which in the composer is some twenty Input editing keys: this is what comes first.
"""

from __future__ import annotations

import re

from textual.app import App
from textual.binding import Binding

from tui.widgets.untrusted import clean

# (heading, [(binding ids with their default keys, what they do)]).
_SECTIONS: tuple[tuple[str, tuple[tuple[tuple[tuple[str, str], ...], str], ...]], ...] = (
    (
        "Composer",
        (
            ((("composer.send", "enter"),), "send"),
            (
                (("composer.history_previous", "up"), ("composer.history_next", "down")),
                "history",
            ),
            ((("composer.focus_messages", "escape"),), "message list"),
        ),
    ),
    (
        "Message list",
        (
            ((("message_list.up", "up,k"), ("message_list.down", "down,j")), "move"),
            ((("message_list.home", "home"), ("message_list.end", "end")), "first/last"),
            ((("message_list.activate", "enter,m"),), "actions (host)"),
            ((("chat.delete", "d"),), "delete (host)"),
            ((("chat.disconnect", "x"),), "disconnect (host)"),
            ((("chat.invite", "s"),), "stage invite (host)"),
            ((("chat.focus_composer", "escape,tab"),), "composer"),
        ),
    ),
    (
        "Stage invite",
        (
            ((("chat.join_stage", "ctrl+o"),), "join"),
            ((("chat.copy_stage_link", "ctrl+y"),), "copy link"),
            ((("chat.show_whip", "ctrl+g"),), "OBS settings"),
            ((("chat.dismiss_invite", "ctrl+n"),), "dismiss"),
        ),
    ),
)


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
    for heading, rows in _SECTIONS:
        lines.append(f"**{heading}**")
        for bindings, what in rows:
            keys = " ".join(_shown(app, keymap.get(bid, default)) for bid, default in bindings)
            lines.append(f"{keys} {what}")
    lines += [
        "**Anywhere**",
        f"{_shown(app, app.COMMAND_PALETTE_BINDING)} palette",
        f"{_shown(app, keymap.get('app.help', 'f1'))} help",
        f"{_shown(app, keymap.get('app.quit', 'ctrl+q'))} quit",
    ]
    return "\\\n".join(lines)
