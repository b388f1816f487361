"""Demo viewers: clearly labelled bots that are real clients of the room.

Each bot gets its own identity from the app server, connects with the room client like
any viewer, and chats at a human pace, so `make run` shows a live chat at once. They
answer when mentioned, which makes a mention easy to try. The first bot now and then
says a blocked term (`DEMO_BLOCKED_TERMS`, which the demo's server starts with), so the
room keeper's deletion shows too.

`DemoRaid` (`demo --raid`) is a raid to practise on: a wave of new identities that
floods the room with spam, a held term (`DEMO_HOLD_TERMS`) and a blocked one, so shield
mode, the held queue and purge have something to act on.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
from collections.abc import Sequence

from tui.client.app_server import AppServerClient, AppServerError
from tui.ivs.events import ChatError, ChatMessage, NotConnected
from tui.ivs.room import ChatRoom

log = logging.getLogger(__name__)

BOT_SUFFIX = " (demo bot)"
NAMES = ("Ada", "Grace", "Linus", "Margaret", "Ken", "Barbara", "Dennis", "Frances")
LINES = (
    "hi from the terminal!",
    "that transition was smooth",
    "what keyboard is that?",
    "first time catching the stream live",
    "can you show the config again?",
    "lol",
    "the audio is great today",
    "GG",
    "is this running over SSH?",
    "how long have you been streaming?",
    "+1 to that",
    "brb, coffee",
    "back",
    "this chat is fast today",
    "love the colour scheme",
    "could you zoom in a bit?",
)
DEMO_BLOCKED_TERMS = ("buy followers",)
DEMO_HOLD_TERMS = ("giveaway",)
RAID_LINES = (
    "RAID RAID RAID",
    "FREE GIVEAWAY, link in my profile",
    "buy followers cheap at example.invalid",
    "first!!!",
    "W chat W chat W chat",
    "who else is here from the raid",
    "giveaway giveaway giveaway",
    "spam spam spam spam",
)
RAIDER = "Raider {n}"
SPAM_LINE = "buy followers cheap at example.invalid"
"""What the first bot says every `SPAM_EVERY` lines: the room's message review denies it
(and the room keeper would delete it, had a review fallback let it through)."""
SPAM_EVERY = 5
REPLIES = ("yes?", "I'm here!", "hey {name} 👋", "on it", "would love to join the stage")


class DemoViewer:
    """One bot: its own identity, its own room connection, its own pace."""

    def __init__(
        self,
        server_url: str,
        name: str,
        rng: random.Random,
        *,
        spam_every: int = 0,
        lines: Sequence[str] = LINES,
    ) -> None:
        self.name = name
        self._spam_every = spam_every
        self._lines = lines
        self._client = AppServerClient(server_url)
        self._room = ChatRoom(self._client.token_provider(name), batch_reads=True)
        self._rng = rng

    async def run(self, pace: tuple[float, float]) -> None:
        async with self._client, self._room:
            listener = asyncio.create_task(self._answer_mentions())
            try:
                await asyncio.sleep(self._rng.uniform(0.5, 3.0))
                said = 0
                while True:
                    said += 1
                    spam = self._spam_every and said % self._spam_every == 0
                    await self._say(SPAM_LINE if spam else self._rng.choice(self._lines))
                    await asyncio.sleep(self._rng.uniform(*pace))
            finally:
                listener.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await listener

    async def _answer_mentions(self) -> None:
        short = self.name.removesuffix(BOT_SUFFIX).lower()
        async for event in self._room:
            if (
                isinstance(event, ChatMessage)
                and short in event.content.lower()
                and not event.sender_name.endswith(BOT_SUFFIX)
            ):
                await asyncio.sleep(self._rng.uniform(1.0, 2.5))
                reply = self._rng.choice(REPLIES).format(name=event.sender_name)
                await self._say(reply)

    async def _say(self, text: str) -> None:
        try:
            await self._room.send_message(text)
        except NotConnected:
            raise  # disconnected by the moderator (or closed): this bot is done
        except ChatError as exc:  # rate limited, or a send lost in a reconnect: carry on
            log.info("%s could not send: %s", self.name, exc)


class BotCrowd:
    """Runs bots until stopped. A bot that fails is logged, never fatal."""

    def __init__(self, viewers: list[DemoViewer], pace: tuple[float, float]) -> None:
        self.viewers = viewers
        self._pace = pace
        self._tasks: list[asyncio.Task[None]] = []

    def start(self) -> None:
        self._tasks = [asyncio.create_task(self._guard(v)) for v in self.viewers]

    async def _guard(self, viewer: DemoViewer) -> None:
        try:
            await viewer.run(self._pace)
        except NotConnected:
            log.info("demo viewer %s left: disconnected", viewer.name)
        except (AppServerError, ChatError, OSError) as exc:
            log.warning("demo viewer %s stopped: %s", viewer.name, exc)

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        self._tasks = []


class DemoViewers(BotCrowd):
    """`count` bots chatting at a human pace, the first one now and then spamming."""

    def __init__(
        self,
        server_url: str,
        count: int,
        *,
        pace: tuple[float, float] = (4.0, 12.0),
        seed: int | None = None,
        names: Sequence[str] = NAMES,
    ) -> None:
        rng = random.Random(seed)
        viewers = [
            DemoViewer(
                server_url,
                f"{names[i % len(names)]}{BOT_SUFFIX}",
                random.Random(rng.random()),
                spam_every=SPAM_EVERY if i == 0 else 0,
            )
            for i in range(count)
        ]
        super().__init__(viewers, pace)


class DemoRaid:
    """`count` raiders, new identities all, who join `after` seconds from `start` and
    flood the room for `seconds`: a raid to practise shield mode, the held queue and
    purge on. Each is a real client, refused, held or timed out like anyone."""

    def __init__(
        self,
        server_url: str,
        count: int,
        *,
        after: float = 30.0,
        seconds: float = 120.0,
        pace: tuple[float, float] = (0.5, 2.0),
        seed: int | None = None,
    ) -> None:
        rng = random.Random(seed)
        self.raiders = [
            DemoViewer(
                server_url,
                RAIDER.format(n=i + 1) + BOT_SUFFIX,
                random.Random(rng.random()),
                lines=RAID_LINES,
            )
            for i in range(count)
        ]
        self._after, self._seconds, self._pace = after, seconds, pace
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.create_task(self._raid())

    async def _raid(self) -> None:
        await asyncio.sleep(self._after)
        log.info("the demo raid starts: %d raiders", len(self.raiders))
        crowd = BotCrowd(self.raiders, self._pace)
        crowd.start()
        try:
            await asyncio.sleep(self._seconds)
        finally:
            await crowd.stop()
            log.info("the demo raid is over")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
            self._task = None
