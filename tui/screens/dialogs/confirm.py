"""A confirmation, reused for every action that cannot be taken back (posting's model).

`ConfirmScreen` is a modal `DialogScreen[bool]`; with `reason_label` it also takes an optional
reason, which the caller reads from `.reason` once the screen is dismissed.
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.content import Content
from textual.widgets import Button, Input, Label, Static

from tui.ivs.protocol import REASON_MAX_LENGTH
from tui.screens.dialogs.dialog import ConfirmDialog
from tui.widgets.line_input import LineInput


class ConfirmScreen(ConfirmDialog[bool]):
    DEFAULT_CLASSES = "-danger"
    DEFAULT_CSS = """
    ConfirmScreen > #dialog {
        width: 60;
        padding: 1 2;
    }
    ConfirmScreen #question {
        margin-bottom: 1;
    }
    ConfirmScreen #reason {
        margin-bottom: 1;
    }
    ConfirmScreen #buttons {
        height: auto;
        align-horizontal: right;
    }
    ConfirmScreen Button {
        margin-left: 2;
    }
    """

    BINDINGS = [
        Binding("escape", "cancel", "Cancel", id="confirm.cancel"),
    ]

    def __init__(
        self,
        title: str,
        question: Content | str,
        *,
        confirm_label: str = "Yes",
        reason_label: str | None = None,
        arming: float = 0.0,
    ) -> None:
        super().__init__(arming=arming)
        self._title = title
        self._question = question if isinstance(question, Content) else Content(question)
        self._confirm_label = confirm_label
        self._reason_label = reason_label
        self.reason = ""

    def compose(self) -> ComposeResult:
        with self.frame(self._title):
            yield Static(self._question, id="question")
            if self._reason_label is not None:
                yield Label(self._reason_label)
                yield LineInput(
                    placeholder="optional; enter confirms",
                    max_length=REASON_MAX_LENGTH,
                    id="reason",
                )
            with Horizontal(id="buttons"):
                yield Button("Cancel", id="cancel")
                yield Button(self._confirm_label, variant="error", id="confirm")

    def on_mount(self) -> None:
        target = "#reason" if self._reason_label is not None else "#cancel"
        self.query_one(target).focus()

    def action_confirm(self) -> None:
        if self._reason_label is not None:
            self.reason = self.query_one("#reason", Input).value.strip()
        self.dismiss(True)

    def action_cancel(self) -> None:
        self.dismiss(False)
