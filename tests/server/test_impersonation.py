"""Nobody passes for the broadcaster: a viewer may not take the broadcaster's display name
(whatever its case or width) nor call themselves "Broadcaster" or "Moderator"."""

from __future__ import annotations

from pathlib import Path

import pytest

from tui.server.client import AppServerClient, AppServerError
from tui.server.startup import start_local_stack

# Full-width letters: NFKC makes them the plain ones a reader takes them for.
WIDE_HOST = "\uff33\uff34\uff32\uff25\uff21\uff2d \uff28\uff2f\uff33\uff34"
WIDE_MODERATOR = "\uff4d\uff4f\uff44\uff45\uff52\uff41\uff54\uff4f\uff52"


async def refusal(url: str, name: str, session_key: str | None = None) -> AppServerError:
    async with AppServerClient(url, session_key=session_key) as viewer:
        with pytest.raises(AppServerError) as refused:
            await viewer.chat_token(name)
    assert refused.value.status == 400
    return refused.value


async def test_viewers_cannot_take_the_broadcasters_name(tmp_path: Path) -> None:
    async with (
        await start_local_stack(port=0, data_dir=tmp_path) as stack,
        AppServerClient(stack.url, broadcaster_key=stack.broadcaster_key) as host,
        AppServerClient(stack.url) as early,
    ):
        # Before the broadcaster joins, the name is free; the reserved ones never are.
        assert (await early.chat_token("Stream Host")).role == "viewer"
        await host.chat_token("Stream Host")
        for name in (
            "stream host",
            WIDE_HOST,
            "STREAM   HOST",
        ):
            refused = await refusal(stack.url, name)
            assert refused.message == (
                f"{name!r} is the broadcaster's name: a viewer may not use it, so that "
                "nobody can pass for the broadcaster; choose another"
            )
        for name in (
            "Moderator",
            "BROADCASTER",
            WIDE_MODERATOR,
        ):
            refused = await refusal(stack.url, name)
            assert "is reserved: it would make you look like the chat's staff" in refused.message

        # A viewer who had the name first keeps it across reconnects, but nobody may switch to it.
        assert (await early.chat_token("Stream Host")).display_name == "Stream Host"
        async with AppServerClient(stack.url) as other:
            grant = await other.chat_token("Sam")
            await refusal(stack.url, "stream host", session_key=grant.session_key)
            assert (await other.chat_token("Stream Hostess")).display_name == "Stream Hostess"
