"""A small app on our driver for tests/terminal/test_link_probe.py: a line that changes 20
times a second (a busy list, in little), an input, and what the driver's meter knows."""

from __future__ import annotations

from textual.app import App, ComposeResult
from textual.driver import Driver
from textual.widgets import Input, Static

from tui.terminal.output import compacting_driver


class LinkProbeApp(App[None]):
    def compose(self) -> ComposeResult:
        yield Static(id="busy")
        yield Static(id="state")
        yield Input(id="field")

    def get_driver_class(self) -> type[Driver]:
        return compacting_driver(super().get_driver_class())

    def on_mount(self) -> None:
        self.ticks = 0
        self.query_one(Input).focus()
        self.set_interval(0.05, self._tick)

    def _tick(self) -> None:
        self.ticks += 1
        self.query_one("#busy", Static).update(f"tick {self.ticks} " + "x" * 100)
        gate = getattr(self._driver, "_output_gate", None)
        answered = gate is not None and gate.meter.answered
        typed = self.query_one(Input).value
        self.query_one("#state", Static).update(f"answered={answered} typed={typed}|")


if __name__ == "__main__":
    LinkProbeApp().run()
