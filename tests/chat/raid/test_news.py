"""The moderators' news as the TUI keeps it: the status line's words, the alerts each
piece of news is worth (none for the first), the approved ids, and a stream followed
through breaks until it is refused for good."""

from __future__ import annotations

import asyncio
import random
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import pytest

from tui.chat.raid.news import APPROVED_KEPT, RaidState, follow_news, shield_words
from tui.config.alert_settings import AlertKind

T0 = datetime(2026, 12, 1, 20, 0, tzinfo=UTC)


@dataclass(frozen=True)
class Party:
    display_name: str


@dataclass(frozen=True)
class Shield:
    on: bool
    until: datetime | None = None


@dataclass(frozen=True)
class Offence:
    kind: str
    user: Party


@dataclass(frozen=True)
class News:
    held: int
    shield: Shield = Shield(False)
    offences: list[Offence] = field(default_factory=list)
    approved: list[str] = field(default_factory=list)


def test_shield_words_count_down() -> None:
    assert shield_words(T0 + timedelta(minutes=29, seconds=59), T0) == "SHIELD 29:59"
    assert shield_words(T0 + timedelta(minutes=90), T0) == "SHIELD 90:00"
    assert shield_words(T0 - timedelta(seconds=3), T0) == "SHIELD 00:00"
    assert shield_words(None, T0) == "SHIELD"


def test_the_first_news_is_the_state_not_a_change() -> None:
    state = RaidState()
    assert state.status_words(T0) == ""
    on = Shield(True, T0 + timedelta(minutes=30))
    assert state.take(News(3, on, [Offence("flood", Party("Bob"))])) == []
    assert state.status_words(T0) == "SHIELD 30:00 · held 3"
    assert state.status_words(T0 + timedelta(seconds=61)) == "SHIELD 28:59 · held 3"


def test_changes_alert() -> None:
    state = RaidState()
    state.take(News(1))
    on = Shield(True, T0 + timedelta(minutes=30))
    alerts = state.take(News(3, on, [Offence("blocked term", Party("Eve\x1b[2J"))]))
    assert alerts == [
        (AlertKind.HELD, "2 held for review (3 waiting)"),
        (AlertKind.OFFENCE, "blocked term: Eve\x1b[2J"),  # cleaned where it is given
        (AlertKind.SHIELD, "shield mode on"),
    ]
    assert state.take(News(2, on)) == []  # fewer held: decided, nothing to look at
    assert state.take(News(0)) == [(AlertKind.SHIELD, "shield mode off")]
    assert state.status_words(T0) == ""


def test_approved_ids_are_remembered_boundedly() -> None:
    state = RaidState()
    state.take(News(0, approved=["m1"]))
    state.take(News(0, approved=[f"m{n}" for n in range(2, APPROVED_KEPT + 2)]))
    assert not state.approved("m1")  # the oldest went first
    assert state.approved("m2") and state.approved(f"m{APPROVED_KEPT + 1}")
    assert not state.approved("other")


def test_forget_shows_nothing_until_news_comes_again() -> None:
    state = RaidState()
    state.take(News(2, Shield(True, T0)))
    state.forget()
    assert state.status_words(T0) == ""
    assert state.take(News(5)) == []  # first again: no alert


class Refused(Exception):
    pass


async def test_the_stream_is_followed_through_breaks_until_refused() -> None:
    rounds: list[list[object]] = [
        [News(1), News(2)],  # then it ends
        [ConnectionError("reset")],  # breaks at once
        [News(3), Refused("you may not follow the moderators' news")],
    ]
    opened = 0

    async def stream() -> AsyncIterator[News]:
        nonlocal opened
        items = rounds[opened]
        opened += 1
        for item in items:
            if isinstance(item, Exception):
                raise item
            yield item  # type: ignore[misc]

    got: list[int] = []
    lost: list[str] = []
    waits: list[float] = []

    async def sleep(seconds: float) -> None:
        waits.append(seconds)

    words = await follow_news(
        stream,
        lambda news: got.append(news.held),
        is_final=lambda exc: isinstance(exc, Refused),
        on_lost=lost.append,
        sleep=sleep,
        rng=random.Random(1),
    )
    assert words == "you may not follow the moderators' news"
    assert got == [1, 2, 3] and opened == 3
    assert lost == ["the app server ended the moderators' news", "reset"]
    assert len(waits) == 2 and all(0 <= w <= 2 for w in waits)


async def test_following_stops_when_cancelled() -> None:
    started = asyncio.Event()

    async def stream() -> AsyncIterator[News]:
        started.set()
        await asyncio.Event().wait()
        yield News(0)

    task = asyncio.create_task(follow_news(stream, lambda news: None, is_final=lambda e: False))
    await started.wait()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
