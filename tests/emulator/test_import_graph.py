"""No import circle in tui/emulator, TYPE_CHECKING imports included (issue 7 §4, rules).

Read from the source, not from a running interpreter, so an import only a type checker
follows counts as much as one that runs.
"""

from __future__ import annotations

import ast
from pathlib import Path

import tui.emulator

PACKAGE = "tui.emulator"
ROOT = Path(tui.emulator.__file__).parent


def _modules() -> dict[str, Path]:
    found = {PACKAGE: ROOT / "__init__.py"}
    for path in ROOT.glob("*.py"):
        if path.name != "__init__.py":
            found[f"{PACKAGE}.{path.stem}"] = path
    return found


def import_graph() -> dict[str, set[str]]:
    """Module -> the modules of this package it imports, anywhere in its source."""
    modules = _modules()
    graph: dict[str, set[str]] = {name: set() for name in modules}
    for name, path in modules.items():
        for node in ast.walk(ast.parse(path.read_text())):
            targets: list[str] = []
            if isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                # `from tui.emulator import slow_clients` imports that submodule.
                targets = [
                    f"{node.module}.{a.name}"
                    if f"{node.module}.{a.name}" in modules
                    else node.module
                    for a in node.names
                ]
            graph[name] |= {t for t in targets if t in modules and t != name}
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Every import circle, each as the path that closes it."""
    found: list[list[str]] = []
    done: set[str] = set()

    def visit(node: str, path: list[str]) -> None:
        if node in path:
            found.append([*path[path.index(node) :], node])
            return
        if node in done:
            return
        for target in sorted(graph[node]):
            visit(target, [*path, node])
        done.add(node)

    for start in sorted(graph):
        visit(start, [])
    return found


def test_the_local_stack_has_no_import_circle() -> None:
    graph = import_graph()
    # The walk sees the modules and edges that matter.
    assert "tui.emulator.live_room" in graph["tui.emulator.messaging"]
    assert "tui.emulator.fanout" in graph["tui.emulator.live_room"]
    assert cycles(graph) == []


def test_the_state_is_plain_data() -> None:
    """state.py imports nothing of the stack: the live side depends on it, not back."""
    assert import_graph()["tui.emulator.state"] == set()


def test_the_cycle_finder_finds_a_circle() -> None:
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == [["a", "b", "c", "a"]]
