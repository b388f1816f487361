"""The room keeper's added delay on a busy room: from a message to its deletion.

`bench_keeper_delay()` runs the local IVS stack in this process (boto3 against it for the
room and every token, as the app server does), the room keeper with the largest blocked
terms list (bench.bench_moderation.largest_list plus "scam"), ten viewers sending 100
messages a second between them (the room's highest rate), one in five with a blocked
word, and a watcher connection. For each blocked message the watcher notes when the
MESSAGE reached it and when the aws:DELETE_MESSAGE for its Id did: the difference is the
time the keeper added (its own receipt, the check, DELETE_MESSAGE, the broadcast).
Target: p99 under 1 s. All runs on one event loop, sharing
the machine's cores with the emulator, so the figure is an upper bound.

    .venv/bin/python -m bench.bench_keeper
"""

from __future__ import annotations

import asyncio
import contextlib
import statistics
import time
from typing import Any

import boto3

from bench.bench_moderation import largest_list
from tui.emulator import Emulator
from tui.ivs.events import ChatError, ChatMessage, MessageDeleted
from tui.ivs.room import ChatRoom
from tui.ivs.tokens import ChatToken
from tui.server.moderation.keeper import KEEPER_CAPABILITIES, Offence, RoomKeeper
from tui.server.moderation.room_settings import FloodLimits, RoomSettings

RATE = 100  # messages a second in the room
SECONDS = 15.0
SENDERS = 10
BLOCKED_EVERY = 5  # one message in five has a blocked word


class _Tokens:
    def __init__(self, chat: Any, url: str, arn: str, user_id: str, caps: list[str]) -> None:
        self.chat, self.url, self.arn, self.user_id, self.caps = chat, url, arn, user_id, caps

    async def __call__(self) -> ChatToken:
        answer = await asyncio.to_thread(
            self.chat.create_chat_token,
            roomIdentifier=self.arn,
            userId=self.user_id,
            capabilities=self.caps,
            attributes={"username": self.user_id, "role": "viewer"},
        )
        return ChatToken(
            answer["token"],
            self.url,
            answer["tokenExpirationTime"],
            answer["sessionExpirationTime"],
            self.user_id,
        )


def _percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


async def _measure(seconds: float) -> dict[str, Any]:
    session = boto3.session.Session(
        aws_access_key_id="bench",
        aws_secret_access_key="test",  # the local stack's default secret (SigV4 is checked)
        region_name="us-east-1",
    )
    async with Emulator() as emulator:
        chat = session.client("ivschat", endpoint_url=emulator.url)
        arn = (await asyncio.to_thread(chat.create_room, maximumMessageRatePerSecond=RATE))["arn"]
        url = emulator.ws_url
        settings = RoomSettings(
            blocked_terms=(*largest_list()[:-1], "scam"),
            flood=FloodLimits(messages=10_000, seconds=1, timeout_seconds=60),  # no floods here
        )
        offences: list[Offence] = []
        keeper = RoomKeeper(
            _Tokens(chat, url, arn, "room-keeper", list(KEEPER_CAPABILITIES)),
            settings,
            offences.append,
            user_id="room-keeper",
        )
        arrived: dict[str, float] = {}
        deleted: dict[str, float] = {}
        watcher = ChatRoom(_Tokens(chat, url, arn, "watcher", []))
        senders = [
            ChatRoom(_Tokens(chat, url, arn, f"viewer-{i}", ["SEND_MESSAGE"]))
            for i in range(SENDERS)
        ]

        sent_all = False
        settled = asyncio.Event()  # every blocked message sent was seen deleted

        async def watch() -> None:
            async for event in watcher:
                now = time.perf_counter()
                if isinstance(event, ChatMessage) and "scam" in event.content:
                    arrived[event.id] = now
                elif isinstance(event, MessageDeleted):
                    deleted[event.message_id] = now
                    if sent_all and deleted.keys() >= arrived.keys():
                        settled.set()

        refused = 0

        async def send(room: ChatRoom, text: str) -> None:
            nonlocal refused
            try:
                await room.send_message(text)
            except ChatError:
                refused += 1  # 429: the room's bucket; the next one goes on

        async with keeper, watcher:
            for room in senders:
                await room.start()
            await keeper.wait_live()
            watching = asyncio.create_task(watch())
            loop = asyncio.get_running_loop()
            total = int(seconds * RATE)
            start = loop.time()
            sends = []
            for i in range(total):
                delay = start + i / RATE - loop.time()
                if delay > 0:
                    await asyncio.sleep(delay)
                text = f"a scam offer #{i}" if i % BLOCKED_EVERY == 0 else f"hello #{i}"
                sends.append(asyncio.create_task(send(senders[i % SENDERS], text)))
            await asyncio.wait(sends)
            sent_all = True
            if deleted.keys() >= arrived.keys():
                settled.set()
            with contextlib.suppress(TimeoutError):  # counted below as not deleted
                await asyncio.wait_for(settled.wait(), 5.0)
            watching.cancel()
            for room in senders:
                await room.close()
        delays = [(deleted[m] - arrived[m]) * 1000 for m in arrived if m in deleted]
        missed = sum(1 for m in arrived if m not in deleted)
        health = keeper.health()
    return {
        "keeper_delete_p50_ms": statistics.median(delays) if delays else float("nan"),
        "keeper_delete_p99_ms": _percentile(delays, 0.99) if delays else float("nan"),
        "keeper_delete_max_ms": max(delays) if delays else float("nan"),
        "keeper_blocked_messages": len(arrived),
        "keeper_not_deleted_in_5s": missed,
        "keeper_sends_refused_429": refused,
        "keeper_messages_seen": health.messages_seen,
    }


def bench_keeper_delay(seconds: float = SECONDS) -> dict[str, Any]:
    """p50/p99 from a blocked message reaching the room to its deletion; prints a row."""
    result = asyncio.run(_measure(seconds))
    print(
        f"keeper at {RATE} msg/s, {result['keeper_blocked_messages']} blocked messages: "
        f"added delay p50 {result['keeper_delete_p50_ms']:.1f} ms, "
        f"p99 {result['keeper_delete_p99_ms']:.1f} ms, "
        f"max {result['keeper_delete_max_ms']:.1f} ms "
        f"(target p99 < 1000 ms); not deleted: {result['keeper_not_deleted_in_5s']}, "
        f"sends refused (429): {result['keeper_sends_refused_429']}"
    )
    return result


def run() -> dict[str, Any]:
    return bench_keeper_delay()


if __name__ == "__main__":
    bench_keeper_delay()
