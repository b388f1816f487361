"""What a keymap may name: the key names a terminal can send, as Textual spells them
(textual.keys), and the binding ids of this app. An entry naming any other key
("ctrl+banana") would show in the footer and never fire; one naming any other id
("chat.bann", a misspelling) would do nothing at all, silently."""

from __future__ import annotations

import difflib
import importlib
import pkgutil

from textual.binding import Binding
from textual.dom import DOMNode
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


# Where the screens and widgets that declare bindings of their own live.
_BINDING_PACKAGES = ("tui.screens", "tui.widgets")


def known_binding_ids() -> set[str]:
    """Every binding id of this app: the action registry's and each screen's and widget's
    own (what a keymap may remap)."""
    from tui.action_table import ACTIONS

    ids = {action.id for action in ACTIONS}
    for package in _BINDING_PACKAGES:
        # Imported by name, so a new screen's keys count without being listed here.
        for module in pkgutil.iter_modules(importlib.import_module(package).__path__):
            importlib.import_module(f"{package}.{module.name}")
    pending: list[type] = [DOMNode]
    while pending:
        cls = pending.pop()
        pending.extend(cls.__subclasses__())
        if not cls.__module__.startswith("tui."):
            continue
        for binding in vars(cls).get("BINDINGS", ()):
            if isinstance(binding, Binding) and binding.id:
                ids.add(binding.id)
    return ids


def binding_id_problem(binding_id: str, known: set[str]) -> str | None:
    """Why `binding_id` names no binding (with the nearest one, for a misspelling), or
    None when it does."""
    if binding_id in known:
        return None
    near = difflib.get_close_matches(binding_id, sorted(known), n=1)
    hint = f"did you mean {near[0]!r}? " if near else ""
    return f"{binding_id!r} is not a binding id ({hint}F1 and the README list them)"


__all__ = ["binding_id_problem", "key_problem", "known_binding_ids"]
