"""The import graph of tui/, read from the source with `ast`: every `import` and
`from … import` between tui's modules counts, those under `if TYPE_CHECKING:` and inside
functions included, so an import only a type checker follows, or one that runs late, ties
two modules together as much as one at the top. Used by the import-circle and layering
tests."""

from __future__ import annotations

import ast
from pathlib import Path

import tui

ROOT = Path(tui.__file__).parent


def _module_name(path: Path) -> str:
    parts = path.relative_to(ROOT.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def import_graph() -> dict[str, set[str]]:
    """Module -> the modules of tui it imports, anywhere in its source."""
    modules = {_module_name(p): p for p in ROOT.rglob("*.py")}
    graph: dict[str, set[str]] = {name: set() for name in modules}
    for name, path in modules.items():
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            targets: list[str] = []
            if isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    up = package.split(".")[: len(package.split(".")) - node.level + 1]
                    base = ".".join([*up, base] if base else up)
                # `from pkg import submodule` needs the submodule, not pkg's __init__
                # (which Python runs first for any submodule anyway).
                names = [f"{base}.{alias.name}" for alias in node.names]
                targets = names if all(n in modules for n in names) else [base, *names]
            for target in targets:
                # A module imported, or the package whose name it is in; not a package's
                # own __init__ for a submodule (tui.ivs for tui.ivs.room).
                if target in modules and target != name:
                    graph[name].add(target)
    return graph


def within(graph: dict[str, set[str]], package: str) -> dict[str, set[str]]:
    """The part of `graph` inside `package`: its modules and the edges between them."""

    def inside(name: str) -> bool:
        return name == package or name.startswith(package + ".")

    return {name: set(filter(inside, edges)) for name, edges in graph.items() if inside(name)}


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Every circle, each once, as the path that closes it, found by depth-first search."""
    found: list[list[str]] = []
    seen: set[frozenset[str]] = set()
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(graph[node]):
            if state.get(nxt) == 1:
                circle = stack[stack.index(nxt) :]
                if frozenset(circle) not in seen:
                    seen.add(frozenset(circle))
                    found.append([*circle, nxt])
            elif nxt not in state:
                visit(nxt)
        stack.pop()
        state[node] = 2

    for node in sorted(graph):
        if node not in state:
            visit(node)
    return found
