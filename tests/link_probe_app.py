"""A small app on our driver for tests/terminal/test_link_probe.py: a line that changes 20
times a second (a busy list, in little), an input, and what the driver's meter knows.
F2 opens a dialog at the top of the screen while the rows in the middle change."""

from __future__ import annotations

from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.driver import Driver
from textual.screen import ModalScreen
from textual.widgets import Input, Static

from tui.terminal.output import compacting_driver


class TopDialog(ModalScreen[None]):
    DEFAULT_CSS = """
    TopDialog { align: center top; }
    TopDialog > Static { width: 30; height: 3; background: red; }
    """

    def compose(self) -> ComposeResult:
        yield Static("DIALOG-TOP\nDIALOG-MIDDLE\nDIALOG-END")


class LinkProbeApp(App[None]):
    BINDINGS = [Binding("f2", "dialog", priority=True)]

    def compose(self) -> ComposeResult:
        yield Static(id="busy")
        yield Static(id="state")
        yield Input(id="field")
        yield Static("\n".join(f"quiet row {n}" for n in range(5)), id="middle")

    def get_driver_class(self) -> type[Driver]:
        return compacting_driver(super().get_driver_class())

    def on_mount(self) -> None:
        self.ticks = 0
        self.query_one(Input).focus()
        self._ticking = self.set_interval(0.05, self._tick)

    def _tick(self) -> None:
        self.ticks += 1
        self.query_one("#busy", Static).update(f"tick {self.ticks} " + "x" * 100)
        gate = getattr(self._driver, "_output_gate", None)
        answered = gate is not None and gate.meter.answered
        typed = self.query_one(Input).value
        self.query_one("#state", Static).update(f"answered={answered} typed={typed}|")

    def action_dialog(self) -> None:
        self._ticking.stop()
        self.query_one("#middle", Static).update("\n".join(f"CHANGED row {n}" for n in range(5)))
        self.push_screen(TopDialog())


if __name__ == "__main__":
    LinkProbeApp().run()
