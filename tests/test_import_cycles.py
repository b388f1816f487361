"""No import circle anywhere in tui/: every `import` and `from … import` between tui's
modules counts, those under `if TYPE_CHECKING:` and inside functions included (a circle
hidden there still ties the two modules together)."""

from __future__ import annotations

from tests.import_graph import cycles, import_graph


def test_the_graph_sees_type_checking_imports() -> None:
    graph = import_graph()
    assert "tui.ivs.room" in graph["tui.controller"]  # under TYPE_CHECKING there
    assert "tui.screens.chat" in graph["tui.app"]


def test_no_import_circle_in_tui() -> None:
    assert cycles(import_graph()) == []


def test_a_circle_would_be_found() -> None:
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert cycles(graph) == [["a", "b", "c", "a"]]
