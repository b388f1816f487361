"""`ivs-chat-tui --help` is quick because it imports only argparse and the demo's option
list: none of the libraries a subcommand runs on (tui/cli/main.py)."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

HEAVY = ("textual", "rich", "boto3", "botocore", "aiohttp", "pydantic", "pydantic_settings")

_PROBE = """
import contextlib, json, sys
from tui.cli.main import main
with contextlib.redirect_stdout(open(__import__("os").devnull, "w")):
    try:
        main(sys.argv[1:])
    except SystemExit as exc:
        code = exc.code
print(json.dumps({"code": code, "modules": sorted({m.split(".")[0] for m in sys.modules})}))
"""


def _loaded(*argv: str) -> tuple[int, set[str]]:
    done = subprocess.run(
        [sys.executable, "-c", _PROBE, *argv], capture_output=True, text=True, check=True
    )
    report = json.loads(done.stdout.strip().splitlines()[-1])
    return report["code"], set(report["modules"])


@pytest.mark.parametrize("argv", [("--help",), ("-h",), ("--version",)])
def test_help_loads_no_heavy_library(argv: tuple[str, ...]) -> None:
    code, modules = _loaded(*argv)
    assert code == 0
    assert modules.isdisjoint(HEAVY), sorted(modules & set(HEAVY))


def test_a_subcommands_help_loads_only_what_that_subcommand_parses() -> None:
    code, modules = _loaded("join", "--help")
    assert code == 0
    assert modules.isdisjoint(HEAVY), sorted(modules & set(HEAVY))


def test_help_still_lists_every_subcommand_and_the_demos_options() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "tui.cli.main", "--help"], capture_output=True, text=True, check=True
    )
    for word in ("join", "serve", "emulator", "--demo-viewers", "--port", "--config"):
        assert word in done.stdout


def test_a_subcommands_help_shows_its_own_options() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "tui.cli.main", "serve", "--help"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert "usage: ivs-chat-tui serve" in done.stdout
    assert "--broadcaster-key" in done.stdout


def test_a_bad_top_level_option_is_one_usage_line() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "tui.cli.main", "--port", "http"], capture_output=True, text=True
    )
    assert done.returncode == 2
    assert "'http' is not a port number" in done.stderr
    assert "Traceback" not in done.stderr


def test_joining_loads_no_aiohttp() -> None:
    # What `join` runs on before its first paint (tui/cli/join.py, tui/app.py): the app
    # server client speaks HTTP with the standard library; aiohttp is the server's.
    probe = "import sys, tui.cli.join, tui.app, tui.client.app_server, tui.config.settings\n"
    probe += "import tui.ivs.room\n"
    probe += "print(sorted({m.split('.')[0] for m in sys.modules}))"
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert "'aiohttp'" not in done.stdout
    assert "'textual'" in done.stdout  # the probe loaded the app
