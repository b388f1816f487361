"""Chat tokens under pressure: many asked at once from the server's own process, and a
token IVS refuses for a new viewer."""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from tui.client.app_server import AppServerClient, AppServerError
from tui.server.boot.startup import start_local_stack
from tui.server.names import looks


async def test_clients_in_the_servers_own_process_get_their_tokens_at_once(
    tmp_path: Path,
) -> None:
    """The demo runs its bots, the TUI and the server in one process. Each client call
    waits in a thread of the default executor for the server, and the server's
    CreateChatToken ran in the same few threads: with as many clients as threads, every
    call waited out its timeout (a `demo --raid` never started)."""
    loop = asyncio.get_running_loop()
    few = ThreadPoolExecutor(max_workers=4)
    loop.set_default_executor(few)
    stack = await start_local_stack(port=0, data_dir=tmp_path)
    try:
        clients = [AppServerClient(stack.url) for _ in range(8)]
        async with asyncio.timeout(8):  # each call's own budget is 10 s
            grants = await asyncio.gather(
                *(client.chat_token(f"Raider {n}") for n, client in enumerate(clients))
            )
        assert len({grant.user_id for grant in grants}) == 8
        for client in clients:
            await client.close()
    finally:
        await stack.stop()


async def test_a_token_ivs_refuses_leaves_a_new_viewers_name_free(tmp_path: Path) -> None:
    """The identity is made before IVS is asked for its token: when IVS refuses, the
    viewer never gets its session key, so the name must not stay taken by it."""
    stack = await start_local_stack(port=0, data_dir=tmp_path)
    try:
        await stack.service.control.delete_room(stack.room_arn)  # IVS now refuses tokens
        async with AppServerClient(stack.url) as viewer:
            for _ in range(2):  # the second time too: not "'Nell' is taken"
                with pytest.raises(AppServerError) as refused:
                    await viewer.chat_token("Nell")
                assert refused.value.status == 502
                assert refused.value.message.startswith("could not create a chat token")
        assert stack.service.store.name_holder(looks("Nell")) is None
    finally:
        await stack.stop()
