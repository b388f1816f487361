"""The README's least-privilege IAM policy (under "Going live on AWS") allows every IVS
call the app server can make: each boto3 operation the control plane calls, read from
its source, must be an action of the policy."""

from __future__ import annotations

import ast
import json
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PREFIX = {"_chat": "ivschat", "_realtime": "ivs"}
"""The control plane's two boto3 clients and their IAM prefixes (ivs-realtime signs as
`ivs`)."""


def readme_policy() -> dict:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split("### Going live on AWS", 1)[1].split("\n### ", 1)[0]
    (block,) = re.findall(r"```json\n(.*?)```", section, flags=re.S)  # one, and only one
    return json.loads(block)


def control_plane_actions() -> set[str]:
    """`ivschat:GetRoom` for every `self._chat.get_room` in the modules of tui/ivs/control/."""
    trees = [
        ast.parse(path.read_text(encoding="utf-8"))
        for path in sorted((ROOT / "tui/ivs/control").glob("*.py"))
    ]
    found = set()
    for node in (node for tree in trees for node in ast.walk(tree)):
        if (
            isinstance(node, ast.Attribute)
            and isinstance(node.value, ast.Attribute)
            and node.value.attr in PREFIX
        ):
            operation = "".join(part.title() for part in node.attr.split("_"))
            found.add(f"{PREFIX[node.value.attr]}:{operation}")
    return found


def test_the_readme_policy_allows_every_call_the_server_makes() -> None:
    allowed: set[str] = set()
    for statement in readme_policy()["Statement"]:
        assert statement["Effect"] == "Allow"
        actions = statement["Action"]
        allowed.update([actions] if isinstance(actions, str) else actions)
    calls = control_plane_actions()
    assert {"ivschat:DisconnectUser", "ivschat:UpdateRoom", "ivschat:DeleteMessage"} <= calls
    # Rooms and stages are created with a tag: TagResource goes with CreateRoom/CreateStage.
    assert calls | {"ivschat:TagResource", "ivs:TagResource"} <= allowed, sorted(calls - allowed)


def test_the_readme_no_longer_says_the_server_never_disconnects() -> None:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "never calls\n`ivschat:DeleteMessage` or `ivschat:DisconnectUser`" not in text
    assert "It never calls" not in text
