"""The message list's keys come from the action table only: its bindings are the table's
records for it, and no module of the list spells a key of its own."""

from __future__ import annotations

from pathlib import Path

from textual.binding import Binding

import tui.widgets.message_list as package
from tui.action_table import ACTIONS
from tui.widgets.message_list import MessageList


def test_the_bindings_are_the_action_tables_records_for_the_list() -> None:
    bindings = [b for b in MessageList.BINDINGS if isinstance(b, Binding)]
    assert len(bindings) == len(MessageList.BINDINGS)
    table = [a for a in ACTIONS if a.owner == "message_list"]
    assert [(b.id, b.key, b.action) for b in bindings] == [(a.id, a.keys, a.action) for a in table]
    for action in table:
        assert callable(getattr(MessageList, f"action_{action.action}"))


def test_no_module_of_the_list_makes_a_binding() -> None:
    for module in Path(package.__file__).parent.glob("*.py"):
        source = module.read_text()
        assert "Binding(" not in source and "BINDINGS = [" not in source, module.name
