"""The layering of docs/architecture.md ("Which way dependencies point").

What loads is checked in a fresh interpreter per rule (imports are cached): the IVS layer,
the app server and the emulator never load textual, and the emulator depends on nothing of
the app but the wire protocol and the pure helpers in tui.common. Which module imports
which is read from the source (`tests/import_graph.py`, TYPE_CHECKING and late imports
included): the TUI reaches the app server only through its client side, and the server
reaches the local stack only from `startup.py`, to mount it with `--local`. And the rooms
stay small: no module of tui/ over `MAX_MODULE_LINES`, no folder over `MAX_FOLDER_MODULES`."""

from __future__ import annotations

import json
import subprocess
import sys
from collections import Counter
from pathlib import Path

from tests.import_graph import import_graph

SERVER = "tui.server"
SERVER_CLIENT_SIDE = {"tui.client.app_server", "tui.server.models"}
"""What the TUI may import of the app server: the API's client and its bodies."""
DEMO_ALSO = {"tui.server.boot.startup", "tui.server.defaults"}
"""The demo runs the whole server in its process: it starts it and takes its default port."""
LOCAL_STACK = "tui.emulator"
LOCAL_STACK_MOUNTED_BY = {"tui.server.boot.startup"}
"""The one server module that mounts the local stack, for `--local`."""

# Import every submodule of the given packages; print the sorted names of the loaded modules.
_LOAD_ALL = """
import importlib, json, pkgutil, sys
names = []
for package in sys.argv[1:]:
    module = importlib.import_module(package)
    names.append(package)
    for info in pkgutil.walk_packages(module.__path__, package + "."):
        importlib.import_module(info.name)
        names.append(info.name)
print(json.dumps({"imported": names, "loaded": sorted(sys.modules)}))
"""


def _load(*packages: str) -> tuple[list[str], list[str]]:
    out = subprocess.run(
        [sys.executable, "-c", _LOAD_ALL, *packages], capture_output=True, text=True, check=True
    )
    result = json.loads(out.stdout)
    return result["imported"], result["loaded"]


def test_headless_packages_do_not_import_textual() -> None:
    imported, loaded = _load("tui.ivs", "tui.server", "tui.emulator")
    # the walk really reached the modules that matter
    for name in ("tui.ivs.room", "tui.server.boot.startup", "tui.server.cli", "tui.emulator.stack"):
        assert name in imported
    assert [m for m in loaded if m == "textual" or m.startswith("textual.")] == []


def test_the_emulator_imports_nothing_of_tui_but_the_protocol() -> None:
    imported, loaded = _load("tui.emulator")
    assert "tui.emulator.chat.messaging" in imported and "tui.emulator.cli" in imported
    ours = {m for m in loaded if m == "tui" or m.startswith("tui.")}
    allowed = {"tui", "tui.ivs", "tui.ivs.protocol"}
    shared = ("tui.emulator", "tui.common")  # tui.common: standard library only
    assert sorted(m for m in ours if m not in allowed and not m.startswith(shared)) == []


def test_tui_common_needs_only_the_standard_library() -> None:
    imported, loaded = _load("tui.common")
    assert "tui.common.text" in imported
    outside = {m.split(".")[0] for m in loaded} - set(sys.stdlib_module_names) - {"tui"}
    # The interpreter's own start-up may load site hooks (an editable install's finder).
    outside = {m for m in outside if not m.startswith(("_", "__editable__"))}
    assert sorted(outside) == []


def _in(package: str, name: str) -> bool:
    return name == package or name.startswith(package + ".")


def tui_reaching_into_the_server(graph: dict[str, set[str]]) -> list[str]:
    """Each `module -> server module` import of the TUI's modules that the rule forbids."""
    found = []
    for name, targets in sorted(graph.items()):
        if _in(SERVER, name) or _in(LOCAL_STACK, name):
            continue
        allowed = SERVER_CLIENT_SIDE | (DEMO_ALSO if name == "tui.cli.demo" else set())
        found += [f"{name} -> {t}" for t in sorted(targets) if _in(SERVER, t) and t not in allowed]
    return found


def server_reaching_into_the_local_stack(graph: dict[str, set[str]]) -> list[str]:
    """Each `server module -> tui.emulator…` import but startup's."""
    return [
        f"{name} -> {t}"
        for name, targets in sorted(graph.items())
        if _in(SERVER, name) and name not in LOCAL_STACK_MOUNTED_BY
        for t in sorted(targets)
        if _in(LOCAL_STACK, t)
    ]


def test_the_tui_imports_the_server_only_through_its_client_side() -> None:
    graph = import_graph()
    assert "tui.client.app_server" in graph["tui.client.history"]  # the walk sees the edges
    assert "tui.server.boot.startup" in graph["tui.cli.demo"]
    assert tui_reaching_into_the_server(graph) == []


def test_the_server_imports_the_local_stack_only_to_mount_it() -> None:
    graph = import_graph()
    assert "tui.emulator" in graph["tui.server.boot.startup"]
    assert server_reaching_into_the_local_stack(graph) == []


def test_a_broken_layer_would_be_found() -> None:
    graph = {
        "tui.chat.history_relay": {"tui.server.models", "tui.server.history.record"},
        "tui.cli.demo": {"tui.server.boot.startup", "tui.server.moderation.room_settings"},
        "tui.app": {"tui.server.boot.startup"},
        "tui.server.boot.startup": {"tui.emulator"},
        "tui.server.stage.control_plane": {"tui.emulator.stage_api", "tui.ivs.protocol"},
        "tui.emulator.stack": {"tui.emulator.stage_api"},
    }
    assert tui_reaching_into_the_server(graph) == [
        "tui.app -> tui.server.boot.startup",
        "tui.chat.history_relay -> tui.server.history.record",
        "tui.cli.demo -> tui.server.moderation.room_settings",
    ]
    assert server_reaching_into_the_local_stack(graph) == [
        "tui.server.stage.control_plane -> tui.emulator.stage_api"
    ]


TUI = Path(__file__).resolve().parent.parent / "tui"
MAX_MODULE_LINES = 600
MAX_FOLDER_MODULES = 12
"""Modules (`.py` files, `__init__.py` included) in one folder."""


def modules_over(max_lines: int) -> list[str]:
    """The modules of tui/ longer than `max_lines`, as paths from the repository root."""
    return sorted(
        path.relative_to(TUI.parent).as_posix()
        for path in TUI.rglob("*.py")
        if len(path.read_text(encoding="utf-8").splitlines()) > max_lines
    )


def folders_over(max_modules: int) -> list[str]:
    """The folders of tui/ holding more than `max_modules` modules, with how many."""
    counts = Counter(path.parent.relative_to(TUI.parent).as_posix() for path in TUI.rglob("*.py"))
    return sorted(f"{folder}: {n}" for folder, n in counts.items() if n > max_modules)


def test_no_module_is_over_the_size() -> None:
    assert {"tui/app.py", "tui/ivs/room.py"} <= set(modules_over(0))  # the walk sees them
    assert modules_over(MAX_MODULE_LINES) == []


def test_no_folder_holds_too_many_modules() -> None:
    assert "tui/ivs/control" in {f.split(":")[0] for f in folders_over(3)}  # the walk sees it
    assert folders_over(MAX_FOLDER_MODULES) == []
