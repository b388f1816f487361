"""Pieces of the room client that need no server: backoff, dedup, local validation."""

from __future__ import annotations

import random

import pytest

from tui.ivs.connection.backoff import backoff_delay
from tui.ivs.connection.recent_ids import RecentIds
from tui.ivs.events import ChatError
from tui.ivs.protocol import MAX_MESSAGE_LENGTH
from tui.ivs.room import ChatRoom
from tui.ivs.tokens import ChatToken


def test_backoff_is_full_jitter_under_a_doubling_capped_ceiling() -> None:
    rng = random.Random(7)
    for attempt, ceiling in [(0, 0.5), (1, 1.0), (2, 2.0), (5, 16.0), (6, 30.0), (500, 30.0)]:
        delays = [backoff_delay(attempt, base=0.5, cap=30.0, rng=rng) for _ in range(400)]
        assert all(0.0 <= d <= ceiling for d in delays)
        # Full jitter: the whole window is used, not just its top.
        assert min(delays) < ceiling * 0.1 and max(delays) > ceiling * 0.9


def test_backoff_is_reproducible_with_a_seeded_rng() -> None:
    first = [backoff_delay(a, base=1, cap=8, rng=random.Random(3)) for a in range(5)]
    again = [backoff_delay(a, base=1, cap=8, rng=random.Random(3)) for a in range(5)]
    assert first == again
    with pytest.raises(ValueError):
        backoff_delay(-1, base=1, cap=8, rng=random.Random())


def test_recent_ids_drop_repeats_and_forget_the_oldest() -> None:
    seen = RecentIds(capacity=3)
    assert [seen.add(x) for x in "abca"] == [True, True, True, False]
    assert seen.add("d") is True  # "a" is forgotten now
    assert "a" not in seen and len(seen) == 3
    assert seen.add("a") is True
    assert seen.add("d") is False


async def _no_server() -> ChatToken:
    raise AssertionError("validation must not need a connection")


@pytest.mark.parametrize(
    ("content", "code"),
    [("", 400), ("x" * (MAX_MESSAGE_LENGTH + 1), 413), ("🦆" * (MAX_MESSAGE_LENGTH + 1), 413)],
)
async def test_bad_messages_are_refused_without_a_round_trip(content: str, code: int) -> None:
    room = ChatRoom(_no_server)  # never started: nothing can go out
    with pytest.raises(ChatError) as caught:
        await room.send_message(content)
    assert caught.value.code == code
    await room.close()


async def test_other_requests_are_validated_locally() -> None:
    room = ChatRoom(_no_server)
    with pytest.raises(ChatError, match="too long"):
        await room.send_message("hi", {"k": "v" * 1100})
    with pytest.raises(ChatError):
        await room.delete_message("")
    with pytest.raises(ChatError):
        await room.delete_message("AAAAAAAAAAAA", reason="r" * 300)
    with pytest.raises(ChatError):
        await room.disconnect_user("u" * 129)
    await room.close()


def test_settings_are_checked() -> None:
    for bad in (
        {"request_timeout": 0},
        {"connect_timeout": 0},
        {"backoff_base": 0},
        {"backoff_base": 2, "backoff_cap": 1},
        {"refresh_margin": -1},
        {"max_attempts": 0},
    ):
        with pytest.raises(ValueError):
            ChatRoom(_no_server, **bad)  # type: ignore[arg-type]
