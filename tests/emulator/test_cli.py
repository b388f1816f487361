"""`ivs-chat-tui emulator` as a user runs it: starts, serves, stops on Ctrl-C cleanly."""

from __future__ import annotations

import asyncio
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import websockets
from aiohttp import web

from tests.emulator.helpers import call, client, new_room, token_for
from tests.emulator.review_server import ARN, review_server
from tui.common.review_signature import SIGNATURE_HEADER, verify
from tui.ivs.protocol import messaging_url

# The subcommand module on its own, as tui.cli.main would call it.
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


def test_a_bad_review_handler_or_iam_policy_is_a_usage_error(tmp_path: Path) -> None:
    deny = tmp_path / "deny.json"
    deny.write_text(json.dumps({"Statement": {"Effect": "Deny", "Action": "*", "Resource": "*"}}))
    cases = [
        (["--review-handler", "arn:aws:lambda:x"], "argument --review-handler: "),
        (["--review-handler", f"{ARN}=ftp://h/"], "is not an http:// or https:// URL"),
        (["--review-timeout-ms", "100"], "argument --review-timeout-ms: "),
        (["--iam-policy", str(tmp_path / "missing.json")], "cannot read"),
        (["--iam-policy", str(deny)], 'Effect must be "Allow"'),
    ]
    for args, words in cases:
        proc = start(*args, "--port", "0", "--quiet")
        _, err = proc.communicate(timeout=20)
        assert proc.returncode == 2, err
        assert "Traceback" not in err
        assert words in err


async def test_review_handler_secret_and_iam_policy_from_the_command_line(tmp_path: Path) -> None:
    policy = tmp_path / "policy.json"
    policy.write_text(
        json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Effect": "Allow",
                        "Action": ["ivschat:CreateRoom", "ivschat:CreateChatToken"],
                        "Resource": "arn:aws:ivschat:*:*:room/*",
                    }
                ],
            }
        )
    )
    async with review_server() as handler:

        async def deny(payload: dict[str, object]) -> web.StreamResponse:
            return web.json_response({"ReviewResult": "DENY", "Attributes": {"Reason": "cli"}})

        handler.answers(deny)
        args = ["--port", "0", "--review-handler", f"{ARN}={handler.url}"]
        args += ["--review-timeout-ms", "30000", "--iam-policy", str(policy)]
        proc = await asyncio.create_subprocess_exec(
            sys.executable,
            "-c",
            RUN,
            *args,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
            env={**os.environ, "IVS_CHAT_TUI_REVIEW_SECRET": "from-env"},
        )
        try:
            assert proc.stdout is not None
            first = (await proc.stdout.readline()).decode()
            match = re.search(r"at (http://127\.0\.0\.1:\d+)", first)
            assert match, first
            url = match.group(1)
            chat = client("ivschat", url)
            with pytest.raises(chat.exceptions.AccessDeniedException):
                await call(chat.list_rooms)
            room = await new_room(chat, messageReviewHandler={"uri": ARN})
            token = await token_for(chat, room, capabilities=["SEND_MESSAGE"])
            async with websockets.connect(messaging_url(url), subprotocols=[token]) as ws:  # type: ignore[list-item]
                send = {"Action": "SEND_MESSAGE", "RequestId": "r", "Content": "x"}
                await ws.send(json.dumps(send))
                error = json.loads(await asyncio.wait_for(ws.recv(), 10))
        finally:
            proc.send_signal(signal.SIGINT)
            _, raw_err = await asyncio.wait_for(proc.communicate(), 20)
    err = raw_err.decode()
    assert (error["ErrorCode"], error["ErrorMessage"]) == (406, "cli")
    [review] = handler.calls
    verify("from-env", review.body, review.headers[SIGNATURE_HEADER], time.time())
    assert proc.returncode == 0
    assert "Traceback" not in err
