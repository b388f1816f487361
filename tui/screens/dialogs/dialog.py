"""The frame every modal of the app shares: centred on the screen, a thick border whose
title is bold in the border's colour, on the surface colour. `-danger` dialogs (actions
that cannot be taken back, being disconnected) are framed in the error colour.

Textual parses a border title given as a string as markup, so a title holding a name
(`Eve[/]` raised MarkupError; `[link=…]` planted a hyperlink) is never given as one:
`frame` takes its title and subtitle as literal text, cleaned.

A dialog answers only keys sent once it was on screen (`accepts`): keys already on their
way (typed ahead, or in the same read as the key that opened it) must not answer it. A
confirmation can also wait a moment before it takes a confirm (`arming`), as browsers do
for their download and permission prompts."""

from __future__ import annotations

import time
from typing import TypeVar

from textual import events, on
from textual.binding import Binding
from textual.containers import Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widget import Widget
from textual.widgets import Button, Input, Static

from tui.action_table import Owner, followed_keys, keys_in_force
from tui.terminal.output import link_is_slow
from tui.terminal.untrusted import as_content

ResultType = TypeVar("ResultType")
ARMING_S = 0.5
"""How long a confirmation that removes someone or hands out power waits before it takes
a confirm (the chat screen passes it; 0, the default here, is armed at once)."""
ARMING_WORDS = "wait"


class DialogScreen(ModalScreen[ResultType]):
    """A modal whose content sits in `self.frame(...)`; subclasses size and pad it
    (`Sub > #dialog { width: ...; padding: ... }`)."""

    DEFAULT_CSS = """
    DialogScreen {
        align: center middle;
    }
    DialogScreen > #dialog {
        max-width: 100%;
        height: auto;
        border: thick $accent 80%;
        border-title-color: $accent;
        border-title-style: bold;
        border-subtitle-color: $text-muted;
        background: $surface;
    }
    DialogScreen.-danger > #dialog {
        border: thick $error 80%;
        border-title-color: $error;
    }
    DialogScreen .-field-title {
        color: $text-muted;
    }
    """

    _shown_at: float | None = None

    @on(events.Mount)
    async def _dialog_mounted(self) -> None:
        # Not `on_mount`: the dialogs keep their own (Textual calls each class's handler).
        if link_is_slow(self.app):
            await self._lean()
        self._on_screen()

    async def _lean(self) -> None:
        """On a slow link, before the first paint: buttons and text fields without their
        borders, which are two of their three rows and most of a dialog's bytes. A
        field's border title becomes a line of its own above it (a field in a row of
        fields keeps its border)."""
        for button in self.query(Button):
            button.compact = True
        for field in self.query(Input):
            parent = field.parent
            layout = getattr(getattr(parent, "styles", None), "layout", None)
            if not isinstance(parent, Widget) or getattr(layout, "name", "") == "horizontal":
                continue  # beside other fields, a title would be beside it: left as is
            field.compact = True
            title = field.border_title
            if title:
                words = title if isinstance(title, Content) else as_content(str(title))
                await parent.mount(Static(words, classes="-field-title"), before=field)

    def _on_screen(self) -> None:
        # Key events carry the monotonic time they were read at (Textual's clock). Mounted
        # is on screen within a frame: a key read in between was sent before anyone saw it.
        self._shown_at = time.monotonic()

    def accepts(self, event: events.Key) -> bool:
        """Was `event` read once this dialog was on screen? Keys read before it (typed
        ahead, in the same burst as the key that opened it) are dropped unanswered."""
        return self._shown_at is not None and event.time >= self._shown_at

    def frame(self, title: str | Content, subtitle: str | Content = "") -> Vertical:
        """The framed container, titled; use it as `with self.frame(...):` in compose.
        A string is literal text (a name in it is never markup); Content is drawn as is."""
        dialog = Vertical(id="dialog")
        dialog.border_title = title if isinstance(title, Content) else as_content(title)
        if subtitle:
            dialog.border_subtitle = (
                subtitle if isinstance(subtitle, Content) else as_content(subtitle)
            )
        return dialog

    def key_in_force(self, binding_id: str) -> str:
        """The first key of `binding_id` (a record of tui/action_table.py) under the keymap in
        force, as the footer shows keys."""
        key = keys_in_force(binding_id, self.app._keymap).split(",")[0].strip()
        return self.app.get_key_display(Binding(key, ""))

    def follow_keymap(self, owner: Owner) -> None:
        """Move this screen's bindings that follow another (the admin menu's Delete follows
        `chat.delete`) to where the keymap in force put those."""
        self._bindings.apply_keymap(followed_keys(owner, self.app._keymap))

    def key_hints(self, *hints: tuple[str, str]) -> Content:
        """`(action, words)` pairs as "key words · key words", each key as it is bound now
        (a keymap may move it); an action bound to no key is left out."""
        keys: dict[str, str] = {}
        for active in self.active_bindings.values():
            keys.setdefault(active.binding.action, self.app.get_key_display(active.binding))
        parts = [
            Content.from_markup("[b]$key[/b] $words", key=keys[action], words=words)
            for action, words in hints
            if action in keys
        ]
        return Content(" · ").join(parts)


class ConfirmDialog(DialogScreen[ResultType]):
    """A dialog with `#confirm` and `#cancel` buttons and, optionally, a `#reason` box
    where enter confirms: the three wired once, to the subclass's `action_confirm` and
    `action_cancel`. With `arming` (seconds) nothing confirms until that long after the
    dialog is on screen; meanwhile the confirm button says "wait" and is disabled, and
    Enter does nothing at all (it neither confirms nor presses Cancel)."""

    def __init__(self, *, arming: float = 0.0) -> None:
        super().__init__()
        self.arming = arming
        self.armed = arming <= 0

    def _on_screen(self) -> None:
        super()._on_screen()
        if not self.armed:
            button = self.query_one("#confirm", Button)
            self._confirm_label = button.label
            button.label = f"{button.label} ({ARMING_WORDS})"
            button.disabled = True
            self.set_timer(self.arming, self._arm, name="arming")

    def _arm(self) -> None:
        self.armed = True
        button = self.query_one("#confirm", Button)
        button.label = self._confirm_label
        button.disabled = False

    def accepts(self, event: events.Key) -> bool:
        """While arming, Enter is dropped, whatever has the focus: on a focused Cancel
        button an Enter typed ahead of the dialog would otherwise close it unasked."""
        if not self.armed and event.key == "enter":
            return False
        return super().accepts(event)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "confirm":
            return self.armed
        return True

    def action_confirm(self) -> None:
        raise NotImplementedError

    def action_cancel(self) -> None:
        raise NotImplementedError

    @on(Input.Submitted, "#reason")
    def _reason_entered(self) -> None:
        if self.armed:
            self.action_confirm()

    @on(Button.Pressed, "#confirm")
    def _confirm_pressed(self) -> None:
        if self.armed:
            self.action_confirm()

    @on(Button.Pressed, "#cancel")
    def _cancel_pressed(self) -> None:
        self.action_cancel()
