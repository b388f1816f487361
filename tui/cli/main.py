"""The `ivs-chat-tui` command.

With no subcommand it runs the demo: the local IVS stack and the app server in-process,
a few demo viewers, and the TUI as the broadcaster. Each subcommand lives in the module
that owns it; every such module offers `add_arguments(parser)` and `run(args) -> int`
and keeps its heavy imports (textual above all) inside `run`.

Start-up is lazy: only the module of the subcommand being run is imported (the demo's,
whose options are the top level's, always: it imports nothing heavy), so `--help` costs
argparse and little else. tests/cli/test_imports.py holds it to that.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence
from types import ModuleType

from tui import __version__

# subcommand -> (module, one-line help)
SUBCOMMANDS: dict[str, tuple[str, str]] = {
    "join": ("tui.cli.join", "join a chat room through an app server"),
    "serve": ("tui.server.cli", "run the app server (chat tokens, stage invites, stage link)"),
    "emulator": ("tui.emulator.cli", "run the local IVS stack (IVS Chat and Real-Time)"),
    "review-handler": (
        "tui.server.review_lambda.cli",
        "build the AWS Lambda that forwards message reviews to the app server",
    ),
}
DEMO_MODULE = "tui.cli.demo"


def build_parser(
    command: str | None = None, *, probe: bool = False
) -> tuple[argparse.ArgumentParser, ModuleType]:
    """The parser, with the arguments of the demo and of `command` (the others are
    listed by name and help only), and the module that runs what was chosen. A `probe`
    parser only finds the subcommand: it ignores what follows it, `--help` included."""
    parser = argparse.ArgumentParser(
        prog="ivs-chat-tui",
        description="Run and moderate an Amazon IVS chat from a terminal. "
        "With no subcommand: a local demo room, with you as the broadcaster.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    module = importlib.import_module(DEMO_MODULE)
    module.add_arguments(parser)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name, (module_name, help_text) in SUBCOMMANDS.items():
        chosen = name == command and not probe
        sub_parser = sub.add_parser(name, help=help_text, description=help_text, add_help=not probe)
        if chosen:
            module = importlib.import_module(module_name)
            module.add_arguments(sub_parser)
    return parser, module


def chosen_command(argv: Sequence[str]) -> str | None:
    """The subcommand `argv` runs (None: the demo). Errors in the top-level options
    end here, in argparse's words, as they would in the full parse."""
    probe, _ = build_parser(probe=True)
    args, _rest = probe.parse_known_args(list(argv))
    return args.command


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    parser, module = build_parser(chosen_command(argv))
    args = parser.parse_args(argv)
    try:
        return int(module.run(args) or 0)
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
