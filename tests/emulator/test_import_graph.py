"""The local stack's own import graph (`tests/import_graph.py`, read from the source, so
an import only a type checker follows counts as much as one that runs): its state is plain
data the live side depends on, not back. No circle in it is checked for all of tui/ by
tests/test_import_cycles.py."""

from __future__ import annotations

from tests.import_graph import import_graph, within


def test_the_walk_sees_the_local_stack() -> None:
    graph = within(import_graph(), "tui.emulator")
    assert "tui.emulator.chat.live_room" in graph["tui.emulator.chat.messaging"]
    assert "tui.emulator.chat.fanout" in graph["tui.emulator.chat.live_room"]


def test_the_state_is_plain_data() -> None:
    """state.py imports nothing of the stack: the live side depends on it, not back."""
    assert within(import_graph(), "tui.emulator")["tui.emulator.state"] == set()
