"""Behind a trusted proxy each viewer has their own address: an address ban covers the
banned viewer's address and nobody else's, and it never refuses the broadcaster or a
moderator. Without `--trusted-proxy`, a forwarding header is not believed."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tests.server.wired.helpers import Api, api, local_server


async def token_via(
    client: Api, name: str, forwarded_for: str, session_key: str | None = None
) -> tuple[int, dict[str, Any]]:
    body: dict[str, Any] = {"displayName": name}
    if session_key:
        body["sessionKey"] = session_key
    async with client.http.post(
        client.url + "/api/chat/token", json=body, headers={"X-Forwarded-For": forwarded_for}
    ) as answer:
        return answer.status, await answer.json()


async def test_an_address_ban_behind_a_trusted_proxy_covers_one_viewer(tmp_path: Path) -> None:
    async with (
        await local_server(tmp_path / "data", trusted_proxies=["127.0.0.1"]) as server,
        api(server) as client,
    ):
        key = server.broadcaster_key
        status, troll = await token_via(client, "Troll", "198.51.100.66")
        assert status == 200
        _, ada = await token_via(client, "Ada", "198.51.100.7")
        _, mod = await token_via(client, "Mo", "198.51.100.66")
        assert (await client.act(key, action="mod", userId=mod["userId"]))[0] == 200
        # The card, and so the ban dialog, says which address a ban would take, and who
        # else is there now.
        status, card = await client.call("GET", f"/api/moderation/users/{troll['userId']}", key)
        assert status == 200
        assert (card["address"], card["addressSharedBy"]) == ("198.51.100.66", 2)
        status, _ = await client.act(key, action="ban", userId=troll["userId"], banAddress=True)
        assert status == 200
        # A new name from the troll's address is refused; Ada, elsewhere, is not.
        status, refused = await token_via(client, "Raider", "198.51.100.66")
        assert status == 403 and "network address is banned" in refused["message"]
        assert (await token_via(client, "Ada", "198.51.100.7", ada["sessionKey"]))[0] == 200
        # The moderator shares the banned address, and keeps the chat.
        status, again = await token_via(client, "Mo", "198.51.100.66", mod["sessionKey"])
        assert status == 200 and again["role"] == "moderator"
        # A client that writes its own X-Forwarded-For before the proxy's gains nothing.
        status, _ = await token_via(client, "Raider2", "203.0.113.1, 198.51.100.66")
        assert status == 403


async def test_without_a_trusted_proxy_forwarding_headers_are_not_believed(
    tmp_path: Path,
) -> None:
    async with await local_server(tmp_path / "data") as server, api(server) as client:
        _, troll = await token_via(client, "Troll", "198.51.100.66")
        status, _ = await client.act(
            server.broadcaster_key, action="ban", userId=troll["userId"], banAddress=True
        )
        assert status == 200
        # The ban took 127.0.0.1, the real peer: a forged header does not get round it.
        status, refused = await token_via(client, "Raider", "198.51.100.99")
        assert status == 403 and "network address is banned" in refused["message"]


async def test_a_bad_trusted_proxy_stops_the_start_in_words(tmp_path: Path) -> None:
    import pytest
    from pydantic import ValidationError

    with pytest.raises(ValidationError, match="not an address or CIDR range"):
        await local_server(tmp_path / "data", trusted_proxies=["10.0.0.0/33"])
