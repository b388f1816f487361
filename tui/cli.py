"""The `ivs-chat-tui` command.

With no subcommand it runs the demo: the local IVS stack and the app server in-process,
a few demo viewers, and the TUI as the broadcaster. Each subcommand lives in the module
that owns it; every such module offers `add_arguments(parser)` and `run(args) -> int`
and keeps its heavy imports (textual above all) inside `run`.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from types import ModuleType

from tui import __version__

# subcommand -> (module, one-line help)
SUBCOMMANDS: dict[str, tuple[str, str]] = {
    "join": ("tui.join", "join a chat room through an app server"),
    "serve": ("tui.server.cli", "run the app server (chat tokens, stage invites, stage link)"),
    "emulator": ("tui.emulator.cli", "run the local IVS stack (IVS Chat and Real-Time)"),
}
DEMO_MODULE = "tui.demo"


def build_parser() -> tuple[argparse.ArgumentParser, dict[str, ModuleType]]:
    parser = argparse.ArgumentParser(
        prog="ivs-chat-tui",
        description="Run and moderate an Amazon IVS chat from a terminal. "
        "With no subcommand: a local demo room, with you as the broadcaster.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    modules: dict[str, ModuleType] = {"": importlib.import_module(DEMO_MODULE)}
    modules[""].add_arguments(parser)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name, (module_name, help_text) in SUBCOMMANDS.items():
        module = importlib.import_module(module_name)
        module.add_arguments(sub.add_parser(name, help=help_text, description=help_text))
        modules[name] = module
    return parser, modules


def main(argv: list[str] | None = None) -> int:
    parser, modules = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(modules[args.command or ""].run(args) or 0)
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
