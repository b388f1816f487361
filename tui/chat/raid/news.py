"""The moderators' news as the TUI keeps it: plain Python and asyncio, no Textual.

`GET /api/moderation/events` (a `text/event-stream` for the broadcaster and moderators)
sends, at most once a second, the held count, shield mode's state, the offences the
log recorded automatically (blocked term, flood) and the room's ids of messages
approved from the held queue; never a message's content. `RaidState` keeps the latest:
the status line's `SHIELD mm:ss` and `held 3`, the approved ids the message list marks,
and which alerts a piece of news is worth (a held message, an offence, shield mode
turning on or off). The first news after a connection is the state as it is, not a
change: it alerts nothing.

`follow_news` keeps the stream: reconnecting with backoff when it breaks, and stopping
for good when the server refuses it (this identity is no longer a moderator).
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections import deque
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

from tui.common.text import for_log
from tui.config.alert_settings import AlertKind
from tui.ivs.connection.backoff import backoff_delay

log = logging.getLogger(__name__)

APPROVED_KEPT = 2000
"""Approved message ids remembered for the list's marks (a long raid's worth)."""
RETRY_BASE_S = 1.0
RETRY_CAP_S = 30.0


class NewsParty(Protocol):
    @property
    def display_name(self) -> str: ...


class NewsShield(Protocol):
    @property
    def on(self) -> bool: ...
    @property
    def until(self) -> datetime | None: ...


class NewsOffence(Protocol):
    @property
    def kind(self) -> str: ...
    @property
    def user(self) -> NewsParty: ...


class News(Protocol):
    """One event of the stream (the app server's `ModerationNews` is one)."""

    @property
    def held(self) -> int: ...
    @property
    def shield(self) -> NewsShield: ...
    @property
    def offences(self) -> Sequence[NewsOffence]: ...
    @property
    def approved(self) -> Sequence[str]: ...


Alert = tuple[AlertKind, str]


def shield_words(until: datetime | None, now: datetime) -> str:
    """`SHIELD mm:ss`, the time left (minutes past 59 stay minutes: `SHIELD 90:00`)."""
    if until is None:
        return "SHIELD"
    left = max(0, int((until - now).total_seconds()))
    return f"SHIELD {left // 60:02d}:{left % 60:02d}"


@dataclass
class RaidState:
    held: int = 0
    shield_on: bool = False
    shield_until: datetime | None = None
    heard: bool = False
    """A first piece of news has come (before it, nothing is known: nothing shown)."""
    _approved: deque[str] = field(default_factory=lambda: deque(maxlen=APPROVED_KEPT))
    _approved_set: set[str] = field(default_factory=set)

    def take(self, news: News) -> list[Alert]:
        """Keep `news`; the alerts it is worth (none for the first, which is the state as
        it was when the stream began)."""
        alerts: list[Alert] = []
        first = not self.heard
        if not first and news.held > self.held:
            more = news.held - self.held
            alerts.append((AlertKind.HELD, f"{more} held for review ({news.held} waiting)"))
        if not first:
            for offence in news.offences:
                alerts.append((AlertKind.OFFENCE, f"{offence.kind}: {offence.user.display_name}"))
        if not first and news.shield.on != self.shield_on:
            alerts.append(
                (AlertKind.SHIELD, "shield mode on" if news.shield.on else "shield mode off")
            )
        self.heard = True
        self.held = news.held
        self.shield_on = news.shield.on
        self.shield_until = news.shield.until if news.shield.on else None
        for message_id in news.approved:
            self._remember(message_id)
        return alerts

    def _remember(self, message_id: str) -> None:
        if message_id in self._approved_set:
            return
        if len(self._approved) == self._approved.maxlen:
            self._approved_set.discard(self._approved[0])
        self._approved.append(message_id)
        self._approved_set.add(message_id)

    def approved(self, message_id: str) -> bool:
        """Whether a moderator approved this message from the held queue."""
        return message_id in self._approved_set

    def status_words(self, now: datetime) -> str:
        """What the status line adds: `SHIELD mm:ss` while it is on, `held N` while
        messages wait; "" when neither (or before the first news)."""
        parts = []
        if self.shield_on:
            parts.append(shield_words(self.shield_until, now))
        if self.held:
            parts.append(f"held {self.held}")
        return " · ".join(parts)

    def forget(self) -> None:
        """The stream is gone: nothing shown is known to be true any more."""
        self.heard = False
        self.held = 0
        self.shield_on = False
        self.shield_until = None


async def follow_news(
    stream: Callable[[], AsyncIterator[News]],
    on_news: Callable[[News], None],
    *,
    is_final: Callable[[BaseException], bool],
    on_lost: Callable[[str], None] = lambda words: None,
    sleep: Callable[[float], Awaitable[object]] = asyncio.sleep,
    rng: random.Random | None = None,
) -> str:
    """Read `stream()` until cancelled, handing each piece of news to `on_news`; a stream
    that ends or breaks is opened again after a backoff (`on_lost` told why). Returns
    the words of a refusal for good (`is_final`: no longer a moderator)."""
    rng = rng or random.Random()
    attempt = 0
    while True:
        try:
            async for news in stream():
                attempt = 0
                on_news(news)
            why = "the app server ended the moderators' news"
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            if is_final(exc):
                return str(exc)
            why = str(exc) or type(exc).__name__
        log.info("moderators' news lost: %s", for_log(why))
        on_lost(why)
        await sleep(backoff_delay(attempt, base=RETRY_BASE_S, cap=RETRY_CAP_S, rng=rng))
        attempt += 1


__all__ = ["News", "RaidState", "follow_news", "shield_words"]
