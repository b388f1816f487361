"""The layering of docs/architecture.md ("Which way dependencies point"), checked in a
fresh interpreter per rule (imports are cached): the IVS layer, the app server and the
emulator never load textual, and the emulator depends on nothing of the app but the wire
protocol and the pure helpers in tui.common."""

from __future__ import annotations

import json
import subprocess
import sys

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
    for name in ("tui.ivs.room", "tui.server.startup", "tui.server.cli", "tui.emulator.stack"):
        assert name in imported
    assert [m for m in loaded if m == "textual" or m.startswith("textual.")] == []


def test_the_emulator_imports_nothing_of_tui_but_the_protocol() -> None:
    imported, loaded = _load("tui.emulator")
    assert "tui.emulator.messaging" in imported and "tui.emulator.cli" in imported
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
