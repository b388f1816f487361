"""Confirm a ban, with an optional reason (keys a-z pick the config's `reasons`), "also
ban their address" and "also delete their last 10 minutes" (on by default).

confirm.py's ConfirmScreen has no place for the toggle, so this is its sibling, framed
the same. The words say what a ban does: the user is disconnected and
cannot get a new chat token until unbanned. The caller asks the server; if it refuses,
it opens the screen again with `initial` and `error`, so nothing typed is lost.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.content import Content
from textual.widgets import Button, Checkbox, Input, Static

from tui.ivs.protocol import REASON_MAX_LENGTH
from tui.screens.dialogs.dialog import ConfirmDialog
from tui.screens.dialogs.presets import (
    PURGE_SECONDS,
    MarkedCheckbox,
    ReasonList,
    purge_checkbox,
    reason_bindings,
)
from tui.terminal.untrusted import as_content, content_from
from tui.widgets.line_input import LineInput

ADDRESS_WORDS = "Also ban their address"
ADDRESS_AFTER = (
    "Refuses tokens to the network addresses they joined from, and to anyone else "
    "behind them (a home, an office, a VPN)."
)


def address_words(address: str | None, shared_by: int) -> Content:
    """What the address checkbox would take: the address, and how many identities are
    behind it (the server counts those that asked for a token from it in 3 hours)."""
    if not address:
        return as_content(f"{ADDRESS_AFTER} Their address is not known.")
    count = f"{shared_by} {'identity' if shared_by == 1 else 'identities'}"
    return content_from(
        "$what Their address: [b]$address[/b], used by $count in the last 3 hours.",
        what=ADDRESS_AFTER,
        address=address,
        count=count,
    )


@dataclass(frozen=True, slots=True)
class BanChoice:
    reason: str = ""
    ban_address: bool = False
    purge: bool = True
    """Also delete their messages of the last PURGE_SECONDS, for everyone."""

    @property
    def purge_seconds(self) -> int | None:
        """The action's `purgeSeconds`, or None for no purge."""
        return PURGE_SECONDS if self.purge else None


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
        min-height: 4;  /* what an address answered takes: the dialog keeps its size */
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
        Binding("ctrl+r", "toggle_purge", "Purge", id="ban_confirm.toggle_purge"),
        *reason_bindings("ban_confirm"),
    ]

    def __init__(
        self,
        target_name: str,
        *,
        initial: BanChoice | None = None,
        error: str = "",
        about: str = "",
        arming: float = 0.0,
        address: str | None = None,
        address_shared_by: int = 0,
        address_lookup: Callable[[], Awaitable[tuple[str | None, int]]] | None = None,
        reasons: tuple[str, ...] = (),
    ) -> None:
        """`about`: the message the ban is for, as its first words (none from a card).
        `address`: where they last asked for a token from, and how many identities did; or
        `address_lookup`, which asks the server while the dialog is already up (keys typed
        for the dialog must not land in the message list meanwhile)."""
        super().__init__(arming=arming)
        self.address = address
        self.address_shared_by = address_shared_by
        self.address_lookup = address_lookup
        self.target_name = target_name
        self.about = about
        self.initial = initial or BanChoice()
        self.error = error
        self.reasons = ReasonList.fit(reasons)

    def compose(self) -> ComposeResult:
        # With reasons, the line is full: the Ban button says what enter would.
        keys = "a-z reason · " if self.reasons else "enter ban · "
        with self.frame("Ban", f"{keys}ctrl+t address · ^r purge · esc cancel"):
            yield Static(
                content_from(
                    "Ban [b]$name[/b]$about? They are disconnected now and cannot get "
                    "a new chat token until unbanned.",
                    name=self.target_name,
                    about=f" for {self.about}" if self.about else "",
                ),
                id="question",
            )
            if self.reasons:
                yield ReasonList(self.reasons)
            reason = LineInput(
                value=self.initial.reason,
                placeholder="optional; they are told it",
                max_length=REASON_MAX_LENGTH,
                id="reason",
            )
            reason.border_title = "Reason"
            yield reason
            yield MarkedCheckbox(ADDRESS_WORDS, self.initial.ban_address, id="address")
            yield Static(
                as_content(f"{ADDRESS_AFTER} Looking up their address…")
                if self.address_lookup is not None
                else address_words(self.address, self.address_shared_by),
                id="address-after",
            )
            yield purge_checkbox(self.initial.purge)
            yield Static(as_content(self.error), id="error")
            with Horizontal(id="buttons"):
                yield Button("Cancel", id="cancel")
                yield Button("Ban", variant="error", id="confirm")

    def on_mount(self) -> None:
        self.query_one("#error").display = bool(self.error)
        self.query_one("#reasons" if self.reasons else "#reason").focus()
        if self.address_lookup is not None:
            self._look_up_address(self.address_lookup)

    @work(exclusive=True)
    async def _look_up_address(
        self, lookup: Callable[[], Awaitable[tuple[str | None, int]]]
    ) -> None:
        address, shared_by = await lookup()
        self.query_one("#address-after", Static).update(address_words(address, shared_by))

    def chosen(self) -> BanChoice:
        return BanChoice(
            self.query_one("#reason", Input).value.strip(),
            self.query_one("#address", Checkbox).value,
            self.query_one("#purge", Checkbox).value,
        )

    def action_toggle_address(self) -> None:
        self.query_one("#address", Checkbox).toggle()

    def action_toggle_purge(self) -> None:
        self.query_one("#purge", Checkbox).toggle()

    def action_reason(self, number: int) -> None:
        ReasonList.choose(self, number)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "reason":
            return ReasonList.applies(self, parameters)
        return super().check_action(action, parameters)

    def action_confirm(self) -> None:
        self.dismiss(self.chosen())

    def action_cancel(self) -> None:
        self.dismiss(None)
