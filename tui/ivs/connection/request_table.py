"""The request table: what the room was asked, what went out on which link, what answers it.

Pure bookkeeping, no I/O and no tasks: the supervisor (`tui.ivs.room`) writes the frames
and arms the timers; this table only says what to write next, matches answers to
requests by RequestId, and fails what a lost link or the room's end leaves waiting.

    table.add(request)                 # queued, in order
    request = table.next_unsent()      # the pump writes request.frame, then
    table.written(request, link)       # it now waits for its answer on that link
    table.resolve(event)               # the echo or event carrying its RequestId
"""

from __future__ import annotations

import asyncio
import contextlib
from collections import deque
from dataclasses import dataclass

from tui.ivs.events import (
    ChatError,
    ChatMessage,
    CustomEvent,
    MessageDeleted,
    NotConnected,
    RoomEvent,
    UserDisconnected,
)


@dataclass(eq=False, slots=True)
class Request:
    """One request: its frame, the event type that confirms it, and its caller's future."""

    request_id: str
    frame: str
    answer: type
    result: asyncio.Future[RoomEvent]
    link: object | None = None
    """The link it was written on, once written."""
    timer: asyncio.TimerHandle | None = None
    """Its timeout, armed by the supervisor when it was written."""


class RequestTable:
    """Pending requests by RequestId, the outbox in order, and what each link carries."""

    __slots__ = ("_inflight", "_outbox", "_pending")

    def __init__(self) -> None:
        self._pending: dict[str, Request] = {}
        self._outbox: deque[Request] = deque()
        self._inflight: dict[object, dict[str, Request]] = {}

    def __len__(self) -> int:
        return len(self._pending)

    def add(self, request: Request) -> None:
        """Queue a request: it goes out after every request queued before it."""
        self._pending[request.request_id] = request
        self._outbox.append(request)

    def next_unsent(self) -> Request | None:
        """The first request still to write; those their callers gave up on are dropped."""
        outbox = self._outbox
        while outbox:
            request = outbox[0]
            if not request.result.done():
                return request
            outbox.popleft()
        return None

    def written(self, request: Request, link: object) -> bool:
        """`request` went out on `link`. True if it now waits for an answer there; False
        if its caller gave up meanwhile (nothing then waits for it)."""
        outbox = self._outbox
        if outbox and outbox[0] is request:  # its caller may have withdrawn it meanwhile
            outbox.popleft()
        if request.result.done():
            return False
        request.link = link
        self._inflight.setdefault(link, {})[request.request_id] = request
        return True

    def forget(self, request: Request) -> None:
        """Its caller has its answer or gave up: drop every trace of it. A request given
        up while still queued is withdrawn, so it never goes out."""
        self._pending.pop(request.request_id, None)
        if request.timer is not None:
            request.timer.cancel()
        if request.link is not None:
            inflight = self._inflight.get(request.link)
            if inflight is not None:
                inflight.pop(request.request_id, None)
                if not inflight:
                    del self._inflight[request.link]
        if request.result.cancelled():
            with contextlib.suppress(ValueError):
                self._outbox.remove(request)

    def resolve(
        self, event: ChatMessage | MessageDeleted | UserDisconnected | CustomEvent
    ) -> Request | None:
        """The request `event` answers (same RequestId, the confirming type), now done;
        None if it answers nothing waiting."""
        rid = event.request_id
        request = self._pending.get(rid) if rid else None
        if request is None or type(event) is not request.answer or request.result.done():
            return None
        request.result.set_result(event)
        return request

    def reject(self, request_id: str, error: ChatError) -> bool:
        """Fail the request `request_id` with `error`. False if nothing waits for it."""
        request = self._pending.get(request_id) if request_id else None
        if request is None or request.result.done():
            return False
        request.result.set_exception(error)
        return True

    def fail_written_on(self, link: object, code: int | None, message: str) -> None:
        """Fail every request written on `link` and not answered yet."""
        for request in list(self._inflight.pop(link, {}).values()):
            if not request.result.done():  # one exception per waiter: no shared tracebacks
                request.result.set_exception(ChatError(code, message, request.request_id))

    def waiting_on(self, link: object) -> list[asyncio.Future[RoomEvent]]:
        """The futures of the requests written on `link` and not answered yet."""
        return [r.result for r in self._inflight.get(link, {}).values() if not r.result.done()]

    def end(self, words: str) -> None:
        """The room is over: every request still waiting fails with NotConnected."""
        for request in list(self._pending.values()):
            if not request.result.done():
                request.result.set_exception(NotConnected(words))
        self._outbox.clear()


__all__ = ["Request", "RequestTable"]
