"""What the ban and timeout dialogs share: the moderator's own reasons, each a letter
away, and "also delete their last 10 minutes" (a purge).

Presets are chosen by number and reasons by letter, so the two never share a key. A
letter picks a reason only while no text box has the focus (in one, it is typed): the
dialogs put the focus on the reasons' list when there is one, and a letter fills the
reason box and moves there, where the reason can still be edited.
"""

from __future__ import annotations

from typing import Any

from textual import on
from textual.binding import Binding, BindingType
from textual.content import Content
from textual.screen import Screen
from textual.widgets import Checkbox, Input, OptionList
from textual.widgets.option_list import Option

from tui.config.presets import REASON_KEYS

PURGE_SECONDS = 600
"""How far back a purge deletes: the action's `purgeSeconds`."""
PURGE_WORDS = "Also delete their last 10 minutes of messages"


class MarkedCheckbox(Checkbox):
    """A checkbox that shows its state by a mark, not by colour alone: X when checked, a
    blank when not (Textual draws an X either way, in another colour)."""

    @property
    def BUTTON_INNER(self) -> str:  # type: ignore[override]  # a property: X if checked
        return "X" if self.value else " "


def purge_checkbox(value: bool) -> MarkedCheckbox:
    return MarkedCheckbox(PURGE_WORDS, value, id="purge")


def reason_bindings(prefix: str) -> list[BindingType]:
    """Keys a-z: `reason(1)` … `reason(26)`, each with an id a keymap may remap."""
    return [
        Binding(key, f"reason({n})", f"reason {key}", show=False, id=f"{prefix}.reason_{key}")
        for n, key in enumerate(REASON_KEYS, 1)
    ]


class ReasonList(OptionList):
    """The reasons, each with its letter; choosing one fills `#reason`."""

    DEFAULT_CSS = """
    ReasonList, ReasonList:focus {
        height: auto;
        max-height: 6;
        border: none;
        padding: 0;
        background: $surface;
    }
    """

    def __init__(self, reasons: tuple[str, ...]) -> None:
        self.reasons = reasons
        super().__init__(
            *(
                Option(Content.from_markup("[b]$key[/b]  $reason", key=key, reason=reason))
                for key, reason in zip(REASON_KEYS, reasons, strict=False)
            ),
            id="reasons",
        )

    @staticmethod
    def fit(reasons: tuple[str, ...]) -> tuple[str, ...]:
        """The reasons that have a letter."""
        return tuple(reasons[: len(REASON_KEYS)])

    @staticmethod
    def applies(screen: Screen[Any], parameters: tuple[object, ...]) -> bool:
        """Whether `reason(n)` picks now: there is an n-th reason, and no text box has
        the focus (there, the letter is typed)."""
        found = screen.query(ReasonList)
        number = parameters[0] if parameters else 0
        return (
            bool(found)
            and isinstance(number, int)
            and 1 <= number <= len(found.first().reasons)
            and not isinstance(screen.focused, Input)
        )

    @staticmethod
    def choose(screen: Screen[Any], number: int) -> None:
        """Reason `number` (1 for a) into the reason box, and the focus there."""
        found = screen.query(ReasonList)
        if not found or not 1 <= number <= len(found.first().reasons):
            return
        reasons = found.first()
        reasons.highlighted = number - 1
        box = screen.query_one("#reason", Input)
        box.value = reasons.reasons[number - 1]
        box.select_on_focus = False
        box.cursor_position = len(box.value)
        screen.set_focus(box)

    @on(OptionList.OptionSelected)
    def _chosen(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        ReasonList.choose(self.screen, event.option_index + 1)


__all__ = [
    "PURGE_SECONDS",
    "PURGE_WORDS",
    "MarkedCheckbox",
    "ReasonList",
    "purge_checkbox",
    "reason_bindings",
]
