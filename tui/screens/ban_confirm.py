"""Confirm a ban, with an optional reason and "also ban their address".

confirm.py's ConfirmScreen has no place for the toggle, so this is its sibling, framed
the same. The words say what a ban does (issue 10 §1): the user is disconnected and
cannot get a new chat token until unbanned. The caller asks the server; if it refuses,
it opens the screen again with `initial` and `error`, so nothing typed is lost.
"""

from __future__ import annotations

from dataclasses import dataclass

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.widgets import Button, Checkbox, Input, Static

from tui.ivs.protocol import REASON_MAX_LENGTH
from tui.screens.dialog import ConfirmDialog
from tui.widgets.line_input import LineInput
from tui.widgets.untrusted import as_content, content_from

ADDRESS_WORDS = "Also ban their address"
ADDRESS_AFTER = (
    "Refuses tokens to the network addresses they joined from, and to anyone else "
    "behind them (a home, an office, a VPN)."
)


class MarkedCheckbox(Checkbox):
    """A checkbox that shows its state by a mark, not by colour alone: X when checked, a
    blank when not (Textual draws an X either way, in another colour)."""

    @property
    def BUTTON_INNER(self) -> str:  # type: ignore[override]  # a property: X if checked
        return "X" if self.value else " "


@dataclass(frozen=True, slots=True)
class BanChoice:
    reason: str = ""
    ban_address: bool = False


class BanConfirm(ConfirmDialog[BanChoice | None]):
    DEFAULT_CLASSES = "-danger"
    DEFAULT_CSS = """
    BanConfirm > #dialog {
        width: 64;
        padding: 0 1;
    }
    BanConfirm #question {
        margin: 1 0;
    }
    BanConfirm Input {
        border-title-color: $text-muted;
    }
    BanConfirm Checkbox {
        margin-top: 1;
        border: none;
        padding: 0;
        background: $surface;
    }
    BanConfirm #address-after {
        color: $text-muted;
        padding-left: 4;
    }
    BanConfirm #error {
        color: $text-error;
        height: auto;
        margin-top: 1;
    }
    BanConfirm #buttons {
        height: auto;
        margin-top: 1;
        align-horizontal: right;
    }
    BanConfirm Button {
        margin-left: 2;
    }
    """

    BINDINGS = [
        Binding("escape", "cancel", "Cancel", id="ban_confirm.cancel"),
        Binding("ctrl+s", "confirm", "Ban", id="ban_confirm.confirm"),
        Binding("ctrl+t", "toggle_address", "Address", id="ban_confirm.toggle_address"),
    ]

    def __init__(
        self,
        target_name: str,
        *,
        initial: BanChoice | None = None,
        error: str = "",
        about: str = "",
        arming: float = 0.0,
    ) -> None:
        """`about`: the message the ban is for, as its first words (none from a card)."""
        super().__init__(arming=arming)
        self.target_name = target_name
        self.about = about
        self.initial = initial or BanChoice()
        self.error = error
        self._address: tuple[str | None, int] = (None, 0)

    def compose(self) -> ComposeResult:
        with self.frame("Ban", "enter ban · ctrl+t address · esc cancel"):
            yield Static(
                content_from(
                    "Ban [b]$name[/b]$about? They are disconnected now and cannot get "
                    "a new chat token until unbanned.",
                    name=self.target_name,
                    about=f" for {self.about}" if self.about else "",
                ),
                id="question",
            )
            reason = LineInput(
                value=self.initial.reason,
                placeholder="optional; they are told it",
                max_length=REASON_MAX_LENGTH,
                id="reason",
            )
            reason.border_title = "Reason"
            yield reason
            yield MarkedCheckbox(ADDRESS_WORDS, self.initial.ban_address, id="address")
            yield Static(ADDRESS_AFTER, id="address-after")
            yield Static(as_content(self.error), id="error")
            with Horizontal(id="buttons"):
                yield Button("Cancel", id="cancel")
                yield Button("Ban", variant="error", id="confirm")

    def on_mount(self) -> None:
        self._say_address()
        self.query_one("#error").display = bool(self.error)
        self.query_one("#reason").focus()

    def chosen(self) -> BanChoice:
        return BanChoice(
            self.query_one("#reason", Input).value.strip(),
            self.query_one("#address", Checkbox).value,
        )

    def show_address(self, address: str | None, shared_by: int) -> None:
        """Say which address an address ban would take and who else is behind it, once
        the user card has come (the dialog does not wait for it)."""
        self._address = (address, shared_by)
        if self.is_mounted:
            self._say_address()

    def _say_address(self) -> None:
        address, shared_by = self._address
        if not address:
            return
        others = shared_by - 1
        if others <= 0:
            behind = "nobody else asked from there in the last 3 hours"
        else:
            people = "identity" if others == 1 else "identities"
            behind = f"{others} other {people} asked from there in the last 3 hours"
        self.query_one("#address-after", Static).update(
            content_from("Their address: [b]$address[/b]; $behind.", address=address, behind=behind)
        )

    def action_toggle_address(self) -> None:
        self.query_one("#address", Checkbox).toggle()

    def action_confirm(self) -> None:
        self.dismiss(self.chosen())

    def action_cancel(self) -> None:
        self.dismiss(None)
