"""What the TUI asks the room's history for, and what it shows of the answers.

Pure: no network, no Textual. The controller (tui/controller.py) runs the requests this
plans against `GET /api/chat/history` and hands the outcome to the chat screen.

- On join: the newest `history_on_join` messages, shown above a "history" divider.
- After every later connect (a reconnect, or a session refresh that had to reconnect):
  everything after the newest message we saw, `after=<its Id>`; if the history no
  longer knows that Id (404), `after=<its SendTime>`; a full page means there may be
  more, so ask again after its last message.
- While that runs, the room's live events are held (`Held`) and come after the fetched
  messages, deduplicated by Id, so the list shows every message once, in send order.
- `complete: false` on any page (the room keeper was away too) is a gap the screen
  draws; a fetch that fails is a gap too. Nothing missed is skipped silently.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Final

from tui.common.timing.timefmt import rfc3339
from tui.ivs.events import ChatMessage, RoomEvent
from tui.ivs.moderation_notice import ModerationNotice

CATCH_UP_PAGE: Final = 1000
"""The history route's largest page (tui/server/history/query.py MAX_LIMIT)."""
MAX_CATCH_UP_PAGES: Final = 50
"""A bound on one catch-up: 50,000 messages, more than the history keeps by default."""


@dataclass(frozen=True, slots=True)
class Seen:
    """The newest chat message the list has shown: where a catch-up starts."""

    message_id: str
    send_time: datetime

    @classmethod
    def of(cls, message: ChatMessage) -> Seen:
        return cls(message.id, message.send_time)


@dataclass(frozen=True, slots=True)
class HistoryRequest:
    """One `GET /api/chat/history?after=…&limit=…`; `after` None is "the newest"."""

    after: str | None
    limit: int


def join_request(limit: int) -> HistoryRequest:
    return HistoryRequest(None, limit)


def catch_up_request(seen: Seen, page: int = CATCH_UP_PAGE) -> HistoryRequest:
    return HistoryRequest(seen.message_id, page)


def by_time(seen: Seen, page: int = CATCH_UP_PAGE) -> HistoryRequest:
    """The same catch-up once the history has forgotten the Id (404): by its SendTime.
    rfc3339 cuts to milliseconds, so the page may repeat `seen` itself: dedup drops it."""
    return HistoryRequest(rfc3339(seen.send_time), page)


def next_page(
    request: HistoryRequest, page: tuple[ChatMessage, ...], more: bool = False
) -> HistoryRequest | None:
    """After a full page there may be more, and after a page the server cut at its byte
    bound (`more`) there is: the request for it, else None."""
    if not page or (len(page) < request.limit and not more):
        return None
    return HistoryRequest(page[-1].id, request.limit)


@dataclass(frozen=True, slots=True)
class HistoryShown:
    """What the chat screen draws of one fetch.

    `join`: the messages on join (above the "history" divider); otherwise a catch-up,
    whose `messages` are what was missed ("N messages while you were away").
    `complete` False: part of the range is not in the history, a gap line is drawn;
    `failure` is why the fetch failed, in words (then it is a gap too)."""

    join: bool
    messages: tuple[ChatMessage, ...]
    complete: bool
    failure: str = ""

    @property
    def gap(self) -> bool:
        return not self.complete or bool(self.failure)


def merge(
    fetched: Iterable[ChatMessage], held: Iterable[ChatMessage], skip: Seen | None = None
) -> tuple[ChatMessage, ...]:
    """The fetched messages, in the order the history gave them (send order), once each,
    without `skip` (the message a catch-up starts after), up to the first that the held
    live events bring. From there on the live link has them all, in order (it gets every
    message sent after it connected), some maybe not read yet: they are shown as they
    come, after these. A live link read later than the history was recorded holds fewer
    of them than the history, and they must not jump ahead of the ones it still brings."""
    live = {m.id for m in held}
    skipped = skip.message_id if skip is not None else None
    seen: set[str] = set()
    out: list[ChatMessage] = []
    for message in fetched:
        if message.id in live:
            break
        if message.id == skipped or message.id in seen:
            continue
        seen.add(message.id)
        out.append(message)
    return tuple(out)


@dataclass(slots=True)
class Held:
    """Room events that arrived while a fetch ran, in arrival order."""

    events: list[RoomEvent | ModerationNotice] = field(default_factory=list)

    def messages(self) -> list[ChatMessage]:
        return [e for e in self.events if isinstance(e, ChatMessage)]


def missed_words(count: int) -> str:
    noun = "message" if count == 1 else "messages"
    return f"{count:,} {noun} while you were away"


__all__ = [
    "CATCH_UP_PAGE",
    "MAX_CATCH_UP_PAGES",
    "Held",
    "HistoryRequest",
    "HistoryShown",
    "Seen",
    "by_time",
    "catch_up_request",
    "join_request",
    "merge",
    "missed_words",
    "next_page",
]
