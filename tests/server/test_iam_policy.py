"""The README's least-privilege IAM policy covers every call the app server makes: the
whole flow runs against a local stack that enforces that policy, read from the README
itself. A policy missing one action makes the flow fail where that action is needed,
so the check is real."""

from __future__ import annotations

import asyncio
import copy
import json
import re
from pathlib import Path
from typing import Any

import pytest

from tests.server.conftest import start_aws_server
from tests.server.wired.helpers import WAIT, Api, api, chat, keeper_live, send, until
from tui.emulator import Emulator, EmulatorConfig
from tui.server.boot.delete import delete_created_resources
from tui.server.settings import ServerSettings

README = Path(__file__).parents[2] / "README.md"


def readme_policy(region: str, account: str) -> dict[str, Any]:
    """The JSON policy under "Going live on AWS", with its placeholders filled in."""
    text = README.read_text()
    section = text[text.index("### Going live on AWS") :]
    block = re.search(r"```json\n(.*?)\n```", section, re.DOTALL)
    assert block is not None, "the README's AWS section has no ```json policy block"
    filled = block.group(1).replace("REGION", region).replace("ACCOUNT", account)
    return json.loads(filled)


def without(policy: dict[str, Any], action: str) -> dict[str, Any]:
    trimmed = copy.deepcopy(policy)
    for statement in trimmed["Statement"]:
        actions = statement["Action"]
        if isinstance(actions, list) and action in actions:
            actions.remove(action)
    return trimmed


async def recorded(client: Api, key: str, content: str) -> dict[str, Any]:
    """The message with `content`, once the room keeper has put it in the history."""
    async with asyncio.timeout(WAIT):
        while True:
            status, page = await client.call("GET", "/api/chat/history", key)
            assert status == 200, page
            for message in page["messages"]:
                if message["Content"] == content:
                    return message
            await asyncio.sleep(0.05)


async def whole_flow(client: Api, broadcaster_key: str) -> dict[str, int]:
    """Every kind of call the server makes while running, each answer's status (a
    room-limit change is UpdateRoom)."""
    statuses: dict[str, int] = {}
    host = await client.grant("Hana", key=broadcaster_key)
    ada = await client.grant("Ada")
    bob = await client.grant("Bob")
    cy = await client.grant("Cy")
    dee = await client.grant("Dee")
    statuses["invite"], invite = await client.call(
        "POST", "/api/multihost/invite", broadcaster_key, {"userId": ada["userId"]}
    )
    statuses["redeem"], _ = await client.call(
        "POST", "/api/multihost/redeem", ada["sessionKey"], {"inviteId": invite["inviteId"]}
    )
    statuses["host"], _ = await client.call("POST", "/api/multihost/host", broadcaster_key)
    async with chat(bob) as ws:
        await send(ws, "a message to delete")
        await until(ws, Type="MESSAGE", Content="a message to delete")
    message = await recorded(client, broadcaster_key, "a message to delete")
    statuses["delete"], _ = await client.act(
        broadcaster_key, action="delete", messageId=message["Id"]
    )
    statuses["disconnect"], _ = await client.act(
        broadcaster_key, action="disconnect", userId=cy["userId"]
    )
    statuses["timeout"], _ = await client.act(
        broadcaster_key, action="timeout", userId=dee["userId"]
    )
    statuses["ban"], _ = await client.act(broadcaster_key, action="ban", userId=ada["userId"])
    statuses["limits"], _ = await client.call(
        "PUT", "/api/moderation/settings", broadcaster_key, {"maxMessageRate": 20}
    )
    assert host["role"] == "broadcaster"
    return statuses


async def test_the_readme_policy_covers_the_whole_flow(tmp_path: Path) -> None:
    config = EmulatorConfig()
    config.iam_policy = readme_policy(config.region, config.account_id)
    async with Emulator(config) as emulator:
        data_dir = tmp_path / "data"
        server = await keeper_live(await start_aws_server(emulator, data_dir))  # --create
        async with server, api(server) as client:
            statuses = await whole_flow(client, server.broadcaster_key)
        assert statuses == {**dict.fromkeys(statuses, 200), "invite": 201}
        settings = ServerSettings(
            mode="aws",
            data_dir=data_dir,
            endpoint_url=emulator.url,
            region=config.region,
            delete=True,
        )
        lines = await delete_created_resources(settings)  # --delete
    assert [line.split()[:2] for line in lines] == [["Deleted", "stage"], ["Deleted", "room"]]


@pytest.mark.parametrize(
    ("action", "step"),
    [
        ("ivschat:DisconnectUser", "ban"),
        ("ivschat:DeleteMessage", "delete"),
        ("ivschat:UpdateRoom", "limits"),
    ],
)
async def test_a_policy_without_an_action_fails_where_it_is_needed(
    tmp_path: Path, action: str, step: str
) -> None:
    config = EmulatorConfig()
    config.iam_policy = without(readme_policy(config.region, config.account_id), action)
    async with Emulator(config) as emulator:
        server = await keeper_live(await start_aws_server(emulator, tmp_path / "data"))
        async with server, api(server) as client:
            statuses = await whole_flow(client, server.broadcaster_key)
    assert statuses[step] == 502, statuses
