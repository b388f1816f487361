"""Which key names a terminal can send, as Textual spells them (textual.keys): a keymap
entry naming any other ("ctrl+banana") would show in the footer and never fire."""

from __future__ import annotations

from textual.keys import KEY_NAME_REPLACEMENTS, Keys, key_to_character

MODIFIERS = frozenset({"ctrl", "shift", "alt", "meta", "super", "hyper"})
# Named keys: what Textual's Keys enum spells after its modifiers (enter, f5, pageup…),
# and the names it gives some characters (slash, minus…).
NAMED = frozenset(
    {key.value.rpartition("+")[2] for key in Keys if not key.value.startswith("<")}
    | set(KEY_NAME_REPLACEMENTS.values())
)


def key_problem(key: str) -> str | None:
    """Why no terminal sends `key` (e.g. "ctrl+banana"), or None when one can."""
    if not key:
        return "an empty key name"
    *modifiers, base = key.split("+")
    if unknown := [m for m in modifiers if m not in MODIFIERS]:
        return f"{key!r} is not a key: no modifier is called {unknown[0]!r}"
    if base in NAMED or (len(base) == 1 and base.isprintable()):
        return None
    # Textual reads other names as a character's Unicode name ("full_stop", and also
    # "banana" for 🍌): only the keyboard's own ASCII characters are keys.
    character = key_to_character(base)
    if character is not None and character.isascii() and character.isprintable():
        return None
    return f"{key!r} is not a key a terminal can send"


__all__ = ["key_problem"]
