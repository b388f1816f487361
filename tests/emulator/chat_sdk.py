"""The official IVS chat messaging SDK for JavaScript (`amazon-ivs-chat-messaging` on npm),
installed with npm into a cache directory and driven with node (`chat_sdk_send.cjs`).

Nothing of it is committed: the first test run installs the pinned version (a few
seconds), later runs reuse it. Without node or npm the tests that need it skip, saying
so; with both, a failed install skips locally but fails under CI, where it must work.
"""

from __future__ import annotations

import asyncio
import fcntl
import json
import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

PACKAGE = "amazon-ivs-chat-messaging"
VERSION = "1.1.1"
"""The SDK version docs/ivs-protocol.md was checked against."""
SCRIPT = Path(__file__).with_name("chat_sdk_send.cjs")
_HAS_WEBSOCKET = "process.exit(typeof WebSocket === 'function' ? 0 : 1)"


class SdkUnavailable(Exception):
    """Why the SDK cannot be run here. `tools_present`: node and npm are both there, so
    the failure is the install's (CI must not skip it)."""

    def __init__(self, reason: str, *, tools_present: bool) -> None:
        super().__init__(reason)
        self.tools_present = tools_present


@dataclass(frozen=True)
class ChatSdk:
    node: list[str]
    """node, with the flag that gives it a global WebSocket where it needs one."""
    modules: Path

    async def send(
        self, url: str, token: str, expires: str, messages: list[dict[str, Any]]
    ) -> list[dict[str, Any]]:
        """Connect with `token` through the SDK's ChatRoom, send `messages` one after
        the other, and return what each `sendMessage` resolved or rejected with."""
        config = {"url": url, "token": token, "expires": expires, "messages": messages}
        proc = await asyncio.create_subprocess_exec(
            *self.node,
            str(SCRIPT),
            json.dumps(config),
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
            env={**os.environ, "NODE_PATH": str(self.modules)},
        )
        out, err = await asyncio.wait_for(proc.communicate(), 60)
        lines = [x for x in out.decode().splitlines() if x.startswith("RESULTS ")]
        assert proc.returncode == 0 and lines, f"node failed ({proc.returncode}): {err.decode()}"
        return json.loads(lines[-1].removeprefix("RESULTS "))


def _node_command(node: str) -> list[str] | None:
    for command in ([node], [node, "--experimental-websocket"]):
        probe = subprocess.run([*command, "-e", _HAS_WEBSOCKET], capture_output=True, timeout=30)
        if probe.returncode == 0:
            return command
    return None


def install(cache: Path) -> ChatSdk:
    """The SDK, installed under `cache` if it is not yet. Raises `SdkUnavailable`."""
    node, npm = shutil.which("node"), shutil.which("npm")
    if node is None or npm is None:
        missing = " and ".join(name for name, path in (("node", node), ("npm", npm)) if not path)
        raise SdkUnavailable(
            f"{missing} not found: the JS SDK test needs both", tools_present=False
        )
    command = _node_command(node)
    if command is None:
        raise SdkUnavailable(
            "this node has no WebSocket (node 22, or 20.10+ with --experimental-websocket)",
            tools_present=False,
        )
    target = cache / f"{PACKAGE}-{VERSION}"
    modules = target / "node_modules"
    cache.mkdir(parents=True, exist_ok=True)
    with open(cache / ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # one install at a time
        if not (modules / PACKAGE / "package.json").exists():
            try:
                npm_install = [npm, "install", "--prefix", str(target), "--no-audit"]
                npm_install += ["--no-fund", "--no-save", "--no-package-lock", "--loglevel=error"]
                done = subprocess.run(
                    [*npm_install, f"{PACKAGE}@{VERSION}"],
                    capture_output=True,
                    text=True,
                    timeout=300,
                )
            except subprocess.TimeoutExpired:
                raise SdkUnavailable(
                    f"npm install {PACKAGE}@{VERSION} took over 300 s", tools_present=True
                ) from None
            if done.returncode != 0 or not (modules / PACKAGE / "package.json").exists():
                tail = (done.stderr or done.stdout).strip().splitlines()[-3:]
                raise SdkUnavailable(
                    f"npm install {PACKAGE}@{VERSION} failed: {' / '.join(tail)}",
                    tools_present=True,
                )
    return ChatSdk(command, modules)
