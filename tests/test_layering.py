"""design.md: the IVS layer, the app server and the emulator never load textual."""

from __future__ import annotations

import subprocess
import sys


def test_headless_packages_do_not_import_textual() -> None:
    code = (
        "import sys, importlib\n"
        "for name in ('tui.ivs.protocol', 'tui.ivs.events', 'tui.ivs.invites', "
        "'tui.ivs.room', 'tui.ivs.control', 'tui.server', 'tui.emulator'):\n"
        "    try:\n"
        "        importlib.import_module(name)\n"
        "    except ModuleNotFoundError as exc:\n"
        "        if exc.name != name: raise\n"
        "bad = sorted(m for m in sys.modules if m == 'textual' or m.startswith('textual.'))\n"
        "print(','.join(bad))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""
