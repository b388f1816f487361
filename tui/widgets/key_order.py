"""A text field's own key bindings, run as its key is read, so keys apply in the order typed.

Textual's `Input` and `TextArea` insert a printable key in their `_on_key`, but a bound key
(backspace, the arrows, home, ctrl+u) bubbles back to the app first and its action runs
when the app next reads its queue: behind the rest of a burst. Over SSH one read holds
"ab⌫cd", so the field got "abc" instead of "acd", and "abc", ctrl+u, "xyz" left it empty
(Textualize/textual#6605). Textualize/textual#6631 proposes what `run_own_binding` does:
the focused widget's own non-priority bindings, run inline, with the same keymap and
`check_action` the app would apply. Priority bindings (the app's quit, focus moves)
already ran in the app's loop before the key reached the field; a key the field does not
bind bubbles as before. Once upstream has the fix, this is the same thing done once more
early, and harmless.
"""

from __future__ import annotations

from textual.widget import Widget


async def run_own_binding(widget: Widget, key: str) -> bool:
    """Run `widget`'s own non-priority binding for `key`, if one applies now; whether
    one ran (the key is then used up, as the app's binding check would have used it)."""
    bindings = widget._bindings.copy()
    keymap = widget.app._keymap
    if keymap:
        bindings.apply_keymap(keymap)  # as Screen._binding_chain applies it
    for binding in bindings.key_to_bindings.get(key, ()):
        if not binding.priority and await widget.app.run_action(binding.action, widget):
            return True
    return False
