"""Display names: what a viewer may call themselves in the chat.

Names reach every other user's terminal, so the server refuses anything that could move
a cursor, reorder text (bidi overrides) or hide characters, and says which character.
"""

from __future__ import annotations

import unicodedata

from tui.common.text import BIDI_CONTROLS

DISPLAY_NAME_MAX = 32



# Letters and symbols that draw nothing: Hangul fillers, the halfwidth Hangul filler, the
# blank Braille pattern. Names made of them (and of marks and format characters, which
# draw nothing on their own) show as a blank sender.
BLANK_LETTERS = frozenset("\u115f\u1160\u3164\uffa0\u2800")
_DRAWS_NOTHING = frozenset(("Mn", "Me", "Cf", "Zs", "Zl", "Zp"))


def _visible(ch: str) -> bool:
    return ch not in BLANK_LETTERS and unicodedata.category(ch) not in _DRAWS_NOTHING


RESERVED_NAMES = ("broadcaster", "moderator")
"""Names that would make a viewer look like the chat's staff."""


class DisplayNameError(ValueError):
    """Why a display name is refused, in words for the person who typed it."""


def _codepoint(ch: str) -> str:
    name = unicodedata.name(ch, "")
    return f"U+{ord(ch):04X}" + (f" {name}" if name else "")


def validate_display_name(value: object) -> str:
    """The name, with surrounding spaces removed, or `DisplayNameError` saying why not."""
    if not isinstance(value, str):
        raise DisplayNameError("displayName must be a string")
    name = value.strip()
    if not name:
        raise DisplayNameError("the display name is empty")
    if len(name) > DISPLAY_NAME_MAX:
        raise DisplayNameError(
            f"the display name is {len(name)} characters long; at most {DISPLAY_NAME_MAX}"
        )
    for ch in name:
        if ch in BIDI_CONTROLS:
            raise DisplayNameError(
                f"the display name contains a bidi control character ({_codepoint(ch)}), "
                "which would change how text around it is shown"
            )
        if unicodedata.category(ch) in ("Cc", "Cs"):
            raise DisplayNameError(
                f"the display name contains a control character ({_codepoint(ch)})"
            )
        if not ch.isprintable() and ch != " ":
            raise DisplayNameError(
                f"the display name contains an invisible or unprintable character "
                f"({_codepoint(ch)}); use printable characters only"
            )
    if not any(_visible(ch) for ch in name):
        raise DisplayNameError(
            "the display name has no visible characters (only blank fillers or marks, "
            f"starting with {_codepoint(name[0])})"
        )
    return name


def name_key(name: str) -> str:
    """What two names look like to a reader: NFKC (full-width and styled letters become
    plain ones), case-folded, runs of spaces as one. Equal keys mean one could pass for
    the other. Look-alikes from other scripts (Cyrillic a for Latin a) are not caught."""
    return " ".join(unicodedata.normalize("NFKC", name).casefold().split())


def check_viewer_name(name: str, broadcaster_name: str | None) -> None:
    """`DisplayNameError` if a viewer taking `name` could pass for the broadcaster."""
    key = name_key(name)
    if broadcaster_name is not None and key == name_key(broadcaster_name):
        raise DisplayNameError(
            f"{name!r} is the broadcaster's name: a viewer may not use it, so that nobody "
            "can pass for the broadcaster; choose another"
        )
    if key in RESERVED_NAMES:
        raise DisplayNameError(
            f"{name!r} is reserved: it would make you look like the chat's staff; choose another"
        )
