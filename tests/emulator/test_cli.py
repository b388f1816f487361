"""`ivs-chat-tui emulator` as a user runs it: starts, serves, stops on Ctrl-C cleanly."""

from __future__ import annotations

import re
import signal
import socket
import subprocess
import sys

from tests.emulator.helpers import client

# The subcommand module on its own, as tui.cli would call it.
RUN = (
    "import argparse, sys\n"
    "from tui.emulator import cli\n"
    "parser = argparse.ArgumentParser()\n"
    "cli.add_arguments(parser)\n"
    "sys.exit(cli.run(parser.parse_args(sys.argv[1:])))\n"
)


def start(*args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-c", RUN, *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def test_runs_serves_boto3_and_stops_cleanly_on_ctrl_c() -> None:
    proc = start("--port", "0")
    try:
        assert proc.stdout is not None
        first = proc.stdout.readline()
        match = re.search(r"at (http://127\.0\.0\.1:\d+)", first)
        assert match, first
        url = match.group(1)
        snippet = proc.stdout.readline() + proc.stdout.readline()
        assert f"endpoint_url='{url}'" in snippet
        chat = client("ivschat", url)
        assert chat.create_room(name="cli")["name"] == "cli"
    finally:
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=20)
    assert proc.returncode == 0
    assert "Traceback" not in err
    assert "POST /CreateRoom 200" in err  # one log line per request


def test_a_busy_port_is_one_clear_line() -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        proc = start("--port", str(port), "--quiet")
        _, err = proc.communicate(timeout=20)
    assert proc.returncode == 1
    assert "Traceback" not in err
    assert err == (
        f"ivs-chat-tui emulator: port {port} on 127.0.0.1 is in use: pass another --port "
        "(or stop what uses it)\n"
    )


def test_a_port_out_of_range_is_a_usage_error_not_a_traceback() -> None:
    for port in ("70000", "-1", "http"):
        proc = start("--port", port, "--quiet")
        _, err = proc.communicate(timeout=20)
        assert proc.returncode == 2, err
        assert "Traceback" not in err
        assert "argument --port: " in err and "port" in err.splitlines()[-1]
