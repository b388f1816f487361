"""The ban dialog on our driver, for tests/terminal/test_link_probe.py: F2 opens it over a
screen of text (its first line says "link=slow" once the driver has measured so),
arming as the chat screen has it; F3 answers its address lookup with what the app was
started with (argv: an address, or nothing for "not known"). F4 opens a dialog of
text fields, one alone and two in a row."""

from __future__ import annotations

import asyncio
import sys

from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.driver import Driver
from textual.widgets import Static

from tui.screens.dialogs.ban_confirm import BanConfirm
from tui.screens.dialogs.dialog import ARMING_S, DialogScreen
from tui.terminal.output import compacting_driver, link_is_slow
from tui.widgets.line_input import LineInput


class FieldsDialog(DialogScreen[None]):
    """F4: a field on its own and two in a row, each with a border title."""

    DEFAULT_CSS = """
    FieldsDialog > #dialog { width: 60; }
    FieldsDialog Horizontal { height: auto; }
    FieldsDialog Horizontal LineInput { width: 1fr; }
    """

    def compose(self) -> ComposeResult:
        with self.frame("Fields"):
            alone = LineInput(placeholder="alone-here", id="alone")
            alone.border_title = "Alone-title"
            yield alone
            with Horizontal():
                for name in ("left", "right"):
                    field = LineInput(placeholder=f"{name}-here", id=name)
                    field.border_title = f"{name.capitalize()}-title"
                    yield field


class BanDialogApp(App[None]):
    BINDINGS = [
        Binding("f2", "ban", priority=True),
        Binding("f3", "answer", priority=True),
        Binding("f4", "fields", priority=True),
    ]

    def __init__(self, address: str | None) -> None:
        super().__init__()
        self.address = address
        self.answered = asyncio.Event()

    def compose(self) -> ComposeResult:
        yield Static(id="link")
        yield Static("\n".join(f"message {n} " + "text " * 20 for n in range(39)))

    def on_mount(self) -> None:
        self.set_interval(0.1, self._link)

    def _link(self) -> None:
        """Say once the driver has found the link slow (what a dialog then draws lean)."""
        if link_is_slow(self):
            self.query_one("#link", Static).update("link=slow")

    def get_driver_class(self) -> type[Driver]:
        return compacting_driver(super().get_driver_class())

    async def _lookup(self) -> tuple[str | None, int]:
        await self.answered.wait()
        return self.address, 2

    def action_ban(self) -> None:
        about = "“a message quoted…”"
        dialog = BanConfirm("viewer7", about=about, arming=ARMING_S, address_lookup=self._lookup)
        self.push_screen(dialog)

    def action_fields(self) -> None:
        self.push_screen(FieldsDialog())

    def action_answer(self) -> None:
        self.answered.set()


if __name__ == "__main__":
    BanDialogApp(sys.argv[1] if sys.argv[1:] else None).run()
