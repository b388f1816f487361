"""The async chat room client: one IVS chat room over the messaging WebSocket.

    async with ChatRoom(provider) as room:
        async for event in room:      # ChatMessage, MessageDeleted, ..., StateChanged
            ...
        echo = await room.send_message("hi")

Shape of the machinery (what the official SDK does, plus what it lacks):
- a *link* is one WebSocket connection, opened with a fresh single-use token;
- the supervisor task keeps one link current: it reconnects with full-jitter backoff after
  an abnormal close and stops for good after a clean close 1000 or an aws:DISCONNECT_USER
  naming our own user id (moderator disconnect), whatever close follows that;
- before the session ends it opens a second link, switches to it once open, and retires the
  old one; frames are deduplicated by `Id`, so the overlap neither repeats nor loses any;
- the pump task is the only writer: it sends the outbox in order on the current link, so a
  request made while reconnecting waits and goes out once connected;
- requests resolve when the echo or event carrying their RequestId arrives; an ERROR with
  it rejects them; the timeout starts when the frame is written.

This module is the supervisor, which holds the public API. Its parts live apart:
`request_table` (pure: the outbox and what answers what), `convert` (pure: a frame to an
event or an error), `link` (one connection: open, read, settle).
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import AsyncIterator, Coroutine
from datetime import UTC, datetime
from types import TracebackType
from typing import Any, TypeVar, cast

from websockets.exceptions import ConnectionClosed

from tui.ivs.connection import budget
from tui.ivs.connection.backoff import backoff_delay
from tui.ivs.connection.link import (
    CLOSE_TIMEOUT,
    Link,
    OpenFailed,
    Outcome,
    exc_words,
    open_link,
    read_link,
    settle,
)
from tui.ivs.connection.read_coalescing import read_at_once
from tui.ivs.connection.recent_ids import RecentIds
from tui.ivs.connection.request_table import Request, RequestTable
from tui.ivs.convert import ServerError, Skipped, frame_to_fact
from tui.ivs.events import (
    ChatError,
    ChatMessage,
    ChatTimeout,
    ConnectionState,
    DisconnectReason,
    MessageDeleted,
    NotConnected,
    RoomEvent,
    StateChanged,
    UserDisconnected,
)
from tui.ivs.protocol import (
    ATTRIBUTES_MAX_BYTES,
    MAX_MESSAGE_LENGTH,
    REASON_MAX_LENGTH,
    USER_ID_MAX_LENGTH,
    DeleteMessage,
    DisconnectUser,
    ErrorCode,
    SendMessage,
    attributes_size,
    code_points,
    new_id,
)
from tui.ivs.tokens import TokenProvider

log = logging.getLogger(__name__)
log.addHandler(logging.NullHandler())  # a library never prints to a user's terminal

RECENT_IDS = 8192
"""How many frame ids are remembered for dedup: far more than can arrive during a handoff."""
TOKEN_TIMEOUT = budget.TOKEN_TIMEOUT
"""Seconds the token provider (often the app server, over HTTP) has to answer."""
STABLE_LINK = 10.0
"""Seconds a connection must stay up before its loss restarts the backoff from the bottom.
A server that accepts and then drops every connection at once (crash loop, overload,
a proxy) must see the delays grow like refused connections do, not a reconnect every
`backoff_base`; ten seconds is far longer than a handshake and its first frames on a
loaded machine, and short enough that one lost link after a real session comes back fast."""
REFUSED_FRAMES_LIMIT = 2
"""How many connections may end on a frame this client refuses (over `MAX_FRAME_BYTES`,
or breaking the WebSocket protocol) before the room stops reconnecting. IVS never sends
one, so the first may be a fluke worth one reconnect; a second means the room or whatever
is in the way sends them on purpose, and reconnecting would only loop."""
_END = object()  # sentinel on the event queue: the stream is over
_Answer = TypeVar("_Answer", ChatMessage, MessageDeleted, UserDisconnected)


class ChatRoom:
    """One chat room: a single stream of typed events, and requests that say how they ended.

    The event stream (`async for event in room`) has one consumer. It ends after the final
    `StateChanged(DISCONNECTED)`.
    """

    def __init__(
        self,
        token_provider: TokenProvider,
        *,
        request_timeout: float = 10.0,
        connect_timeout: float = 10.0,
        backoff_base: float = 0.5,
        backoff_cap: float = 30.0,
        refresh_margin: float = 30.0,
        max_attempts: int | None = None,
        rng: random.Random | None = None,
        batch_reads: bool = False,
    ) -> None:
        """`batch_reads`: read a busy room in batches, up to 50 ms late, to wake up a fifth
        as often (tui/ivs/connection/read_coalescing.py). For a screen, which repaints a few times a
        second under load anyway; not for a recorder, whose history a reconnecting client
        reads at once and which must have every message sent before it by then."""
        if request_timeout <= 0:
            raise ValueError("request_timeout must be positive")
        if connect_timeout <= 0:
            raise ValueError("connect_timeout must be positive")
        if backoff_base <= 0 or backoff_cap < backoff_base:
            raise ValueError("need 0 < backoff_base <= backoff_cap")
        if refresh_margin < 0:
            raise ValueError("refresh_margin must be >= 0")
        if max_attempts is not None and max_attempts < 1:
            raise ValueError("max_attempts must be None or >= 1")
        self._provider = token_provider
        self._timeout = request_timeout
        self._connect_timeout = connect_timeout  # TCP, TLS and the WebSocket handshake
        self._base = backoff_base
        self._cap = backoff_cap
        self._margin = refresh_margin
        self._max_attempts = max_attempts
        self._rng = rng or random.Random()
        self._batch_reads = batch_reads

        self._events: asyncio.Queue[object] = asyncio.Queue()
        self._state = ConnectionState.DISCONNECTED
        self._seen = RecentIds(RECENT_IDS)
        self._requests = RequestTable()
        self._kick = asyncio.Event()  # wakes the pump: outbox grew or the link changed
        self._current: Link | None = None
        self._links: set[Link] = set()
        self._tasks: set[asyncio.Task[object]] = set()
        self._supervisor: asyncio.Task[None] | None = None
        self._pump_task: asyncio.Task[None] | None = None
        self._close_task: asyncio.Task[None] | None = None
        self._ended: str | None = None  # words, once the room is over for good
        self._user_id: str | None = None  # from the tokens, else learned from our echoes
        self._kicked: UserDisconnected | None = None  # a moderator disconnected us
        self._refused = 0  # links ended by a frame we refuse, over the room's whole life

    # --- lifecycle --------------------------------------------------------------------

    async def __aenter__(self) -> ChatRoom:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()

    async def start(self) -> None:
        """Start connecting in the background; returns at once. Idempotent."""
        if self._supervisor is not None or self._ended is not None:
            return
        self._pump_task = asyncio.create_task(self._pump(), name="chat-room-pump")
        self._supervisor = asyncio.create_task(self._run(), name="chat-room")
        self._pump_task.add_done_callback(self._guard)
        self._supervisor.add_done_callback(self._guard)

    def _guard(self, task: asyncio.Task[None]) -> None:
        """A bug in the machinery ends the room in words instead of hanging it silently."""
        error = None if task.cancelled() else task.exception()
        if error is None:
            return
        log.error("chat room failed", exc_info=error)
        self._end(DisconnectReason.GAVE_UP, f"the chat client failed: {exc_words(error)}")

    async def close(self) -> None:
        """Leave the room: close every connection, fail what is still waiting with
        NotConnected, end the event stream. Safe to call any number of times."""
        if self._close_task is None:
            self._close_task = asyncio.create_task(self._shutdown())
        await asyncio.shield(self._close_task)

    @property
    def state(self) -> ConnectionState:
        return self._state

    def __aiter__(self) -> AsyncIterator[RoomEvent]:
        return self._stream()

    async def _stream(self) -> AsyncIterator[RoomEvent]:
        queue = self._events
        while True:
            event = await queue.get()
            if event is _END:
                queue.put_nowait(_END)  # a later iteration ends too
                return
            yield cast(RoomEvent, event)

    # --- requests ---------------------------------------------------------------------

    async def send_message(
        self, content: str, attributes: dict[str, str] | None = None
    ) -> ChatMessage:
        """Send a message; returns its echo from the server (the message as others see it)."""
        if not content:
            raise ChatError(ErrorCode.BAD_REQUEST, "the message is empty")
        length = code_points(content)
        if length > MAX_MESSAGE_LENGTH:
            raise ChatError(
                ErrorCode.TOO_LARGE,
                f"{length} characters, the limit is {MAX_MESSAGE_LENGTH}",
            )
        if attributes_size(attributes) > ATTRIBUTES_MAX_BYTES:
            raise ChatError(
                ErrorCode.TOO_LARGE, f"attributes over {ATTRIBUTES_MAX_BYTES} bytes in total"
            )
        rid = new_id()
        frame = SendMessage(request_id=rid, content=content, attributes=attributes or None)
        return await self._request(rid, frame.to_json(), ChatMessage)

    async def delete_message(self, message_id: str, reason: str | None = None) -> MessageDeleted:
        """Delete a message for everyone (needs the DELETE_MESSAGE capability)."""
        if not message_id:
            raise ChatError(ErrorCode.BAD_REQUEST, "no message id")
        self._check_reason(reason)
        rid = new_id()
        frame = DeleteMessage(request_id=rid, id=message_id, reason=reason or None)
        return await self._request(rid, frame.to_json(), MessageDeleted)

    async def disconnect_user(self, user_id: str, reason: str | None = None) -> UserDisconnected:
        """Disconnect every connection of a user (needs the DISCONNECT_USER capability)."""
        if not user_id or len(user_id) > USER_ID_MAX_LENGTH:
            raise ChatError(
                ErrorCode.BAD_REQUEST, f"a user id has 1 to {USER_ID_MAX_LENGTH} characters"
            )
        self._check_reason(reason)
        rid = new_id()
        frame = DisconnectUser(request_id=rid, user_id=user_id, reason=reason or None)
        return await self._request(rid, frame.to_json(), UserDisconnected)

    @staticmethod
    def _check_reason(reason: str | None) -> None:
        if reason is not None and code_points(reason) > REASON_MAX_LENGTH:
            raise ChatError(
                ErrorCode.BAD_REQUEST, f"a reason has at most {REASON_MAX_LENGTH} characters"
            )

    async def _request(self, rid: str, frame: str, answer: type[_Answer]) -> _Answer:
        if self._ended is not None:
            raise NotConnected(self._ended)
        req = Request(rid, frame, answer, asyncio.get_running_loop().create_future())
        self._requests.add(req)
        self._kick.set()
        try:
            return cast(_Answer, await req.result)
        finally:
            self._requests.forget(req)

    def _time_out(self, req: Request) -> None:
        if not req.result.done():
            req.result.set_exception(ChatTimeout(self._timeout, req.request_id))

    async def _pump(self) -> None:
        """The only writer: sends the outbox, in order, on the current link."""
        requests = self._requests
        loop = asyncio.get_running_loop()
        while True:
            await self._kick.wait()
            self._kick.clear()
            while (link := self._current) is not None and (req := requests.next_unsent()):
                try:
                    await link.ws.send(req.frame)
                except ConnectionClosed:
                    # Not written: it stays first in line for the next link.
                    await asyncio.wait([link.finished])
                    break
                if requests.written(req, link):
                    req.timer = loop.call_later(self._timeout, self._time_out, req)

    # --- connections ------------------------------------------------------------------

    async def _open(self) -> Link:
        """A fresh token and a new connection with it, its reader running."""
        for old in self._links:
            # A link still open (a refresh overlaps two) hands on what it holds back at
            # once: its frames must come before the same ones on the new link, or the
            # order of the room would depend on which read came first.
            read_at_once(old.ws)
        link = await open_link(
            self._provider,
            token_timeout=TOKEN_TIMEOUT,
            connect_timeout=self._connect_timeout,
            batch_reads=self._batch_reads,
        )
        if link.token.user_id:
            self._user_id = link.token.user_id
        self._links.add(link)
        self._spawn(self._read(link), "chat-room-reader")
        return link

    def _spawn(self, coro: Coroutine[Any, Any, object], name: str) -> asyncio.Task[object]:
        task = asyncio.create_task(coro, name=name)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    async def _read(self, link: Link) -> None:
        try:
            await read_link(link, self._ingest)
        finally:
            self._links.discard(link)
            self._settle(link)
            if not link.finished.done():
                link.finished.set_result(None)

    def _settle(self, link: Link) -> None:
        """Decide what the end of `link` means, and fail what was waiting on it."""
        closing = self._close_task is not None
        settle(link, closing=closing, kicked=self._kicked, user_id=self._user_id)
        if self._current is link:
            self._current = None
        if link.outcome is Outcome.MODERATOR or closing:
            return  # what is waiting fails with NotConnected when the room ends
        words = link.words or "the connection closed"
        self._requests.fail_written_on(
            link, None, f"{words} before the server confirmed; it may not have been sent"
        )

    def _expire(self, link: Link, message: str) -> None:
        """ERROR 401: this connection's session is over. Stop using it and close it."""
        if link.expired:
            return
        link.expired = True
        if self._current is link:
            self._current = None
        self._requests.fail_written_on(link, ErrorCode.UNAUTHORIZED, message)
        self._spawn(link.ws.close(), "chat-room-expire")

    # --- the hot path -----------------------------------------------------------------

    def _ingest(self, raw: str | bytes, link: Link) -> None:
        """One frame: what it means (`convert`), then what the room does about it."""
        fact = frame_to_fact(raw, self._seen)
        if type(fact) is ChatMessage:  # the hot path: nearly every frame is a message
            if fact.request_id and self._requests.resolve(fact) is not None:
                self._user_id = fact.sender_id
            self._events.put_nowait(fact)
            return
        if fact is None:
            return
        if isinstance(fact, ServerError):
            self._error(fact, link)
            return
        if isinstance(fact, Skipped):
            log.warning("skipped %s", fact.why)
            return
        if isinstance(fact, UserDisconnected):
            link.last_disconnect = fact
            if fact.user_id == self._user_id and self._kicked is None:
                self._kicked = fact
                self._spawn(self._leave_after_kick(), "chat-room-kicked")
        if fact.request_id:
            self._requests.resolve(fact)
        self._events.put_nowait(fact)

    def _error(self, error: ServerError, link: Link) -> None:
        code, message, rid = error.code, error.message, error.request_id
        rejected = self._requests.reject(rid, ChatError(code, message, rid))
        if not rejected and code != ErrorCode.UNAUTHORIZED:
            log.warning("chat server error %s: %s", code, message)
        if code == ErrorCode.UNAUTHORIZED:
            self._expire(link, message or "the chat session ended")

    async def _leave_after_kick(self) -> None:
        """The server closes a disconnected user's sockets; if it does not, we do."""
        links = list(self._links)
        if not links:
            return
        finished = [link.finished for link in links]
        _, pending = await asyncio.wait(finished, timeout=CLOSE_TIMEOUT)
        if pending:
            await asyncio.wait([asyncio.create_task(link.ws.close()) for link in links])

    # --- supervision ------------------------------------------------------------------

    def _set_state(self, change: StateChanged) -> None:
        self._state = change.state
        self._events.put_nowait(change)

    def _delay(self, failures: int) -> float:
        return backoff_delay(max(failures - 1, 0), base=self._base, cap=self._cap, rng=self._rng)

    async def _run(self) -> None:
        loop = asyncio.get_running_loop()
        failures = 0  # in a row, counting the loss of a connection
        tries = 0  # failed attempts since the last stable link (short-lived links count)
        while True:
            self._set_state(StateChanged(ConnectionState.CONNECTING, attempt=tries + 1))
            try:
                link = await self._open()
            except OpenFailed as failed:
                log.info("chat connection attempt failed: %s", failed.words)
                if failed.final:
                    self._end(DisconnectReason.TOKEN_REJECTED, failed.words)
                    return
                failures += 1
                tries += 1
                if self._max_attempts is not None and tries >= self._max_attempts:
                    why = (
                        DisconnectReason.TOKEN_REJECTED
                        if failed.rejected
                        else DisconnectReason.GAVE_UP
                    )
                    self._end(why, f"{failed.words}; gave up after {tries} attempts")
                    return
                await self._wait_retry(failures, tries + 1, failed.words)
                continue
            self._current = link
            self._kick.set()
            self._set_state(StateChanged(ConnectionState.CONNECTED))
            opened = loop.time()
            link = await self._hold(link)
            if self._current is link:
                self._current = None
            if link.outcome is Outcome.MODERATOR:
                self._end(DisconnectReason.DISCONNECTED_BY_MODERATOR, link.words)
                return
            if link.outcome is Outcome.REFUSED:
                self._refused += 1
                if self._refused >= REFUSED_FRAMES_LIMIT:
                    self._end(
                        DisconnectReason.GAVE_UP,
                        f"{link.words}, {self._refused} times: stopped reconnecting "
                        "(join again to retry)",
                    )
                    return
            elif loop.time() - opened >= STABLE_LINK:
                failures = tries = 0
            failures += 1
            tries += 1
            if self._max_attempts is not None and tries >= self._max_attempts:
                self._end(DisconnectReason.GAVE_UP, f"{link.words}; gave up after {tries} attempts")
                return
            await self._wait_retry(failures, tries + 1, link.words)

    async def _wait_retry(self, failures: int, attempt: int, words: str) -> None:
        delay = self._delay(failures)
        self._set_state(
            StateChanged(
                ConnectionState.RECONNECTING, retry_in=delay, reason=words, attempt=attempt
            )
        )
        await asyncio.sleep(delay)

    async def _hold(self, link: Link) -> Link:
        """Keep `link` current, refreshing it before its session ends, until the current
        link closes. Returns the link that closed."""
        while True:
            refresh = asyncio.create_task(self._refresh_later(link), name="chat-room-refresh")
            try:
                either: list[asyncio.Future[Any]] = [link.finished, refresh]
                await asyncio.wait(either, return_when=asyncio.FIRST_COMPLETED)
            finally:
                if not refresh.done():
                    refresh.cancel()
                    await asyncio.wait([refresh])
            fresh = (
                refresh.result()
                if refresh.done() and not refresh.cancelled() and refresh.exception() is None
                else None
            )
            if fresh is not None and fresh.finished.done():
                fresh = None  # it died at once: try the refresh again while the old one lasts
                if not link.finished.done():
                    continue
            if fresh is None:
                if not link.finished.done():  # the refresh broke: keep the link while it lasts
                    log.warning("chat refresh failed: %r", refresh.exception())
                    await link.finished
                return link
            if link.finished.done() and link.outcome is Outcome.MODERATOR:
                self._spawn(fresh.ws.close(), "chat-room-close")
                return link
            self._switch(link, fresh)
            link = fresh

    async def _refresh_later(self, link: Link) -> Link:
        """Sleep until `refresh_margin` before the session ends, then open a new link."""
        ends = link.token.session_expiration_time
        if ends is None:
            await asyncio.Future()  # no known end: never refresh, reconnect when it closes
        assert ends is not None
        if ends.tzinfo is None:
            ends = ends.replace(tzinfo=UTC)
        left = (ends - datetime.now(UTC)).total_seconds()
        # Half the time left at the latest, so a session shorter than the margin is not
        # refreshed in a tight loop.
        await asyncio.sleep(max(left - self._margin, left / 2, 0.0))
        failures = 0
        while True:
            try:
                return await self._open()
            except OpenFailed as failed:
                if failed.final:  # the old connection lasts; its end then ends the room
                    raise
                failures += 1
                log.info("chat refresh failed, the old connection stays: %s", failed.words)
                await asyncio.sleep(self._delay(failures))

    def _switch(self, old: Link, new: Link) -> None:
        """The new link is open: send on it from now on; retire the old one."""
        log.info("chat connection refreshed")
        if self._current is old or self._current is None:
            self._current = new
            self._kick.set()
        old.retired = True
        self._spawn(self._retire(old), "chat-room-retire")

    async def _retire(self, link: Link) -> None:
        # An ERROR goes only to the connection that made the request: let the old link
        # answer what was written on it before closing it. Its reader keeps going until
        # the close, and the dedup drops what both links received.
        waiting = self._requests.waiting_on(link)
        if waiting:
            await asyncio.wait(waiting, timeout=self._timeout)
        await link.ws.close()

    def _end(self, why: DisconnectReason, words: str) -> None:
        """The room is over for good: nothing waits any more, the stream ends."""
        if self._ended is not None:
            return
        self._ended = words
        self._current = None
        self._requests.end(words)
        if self._pump_task is not None:
            self._pump_task.cancel()
        self._set_state(StateChanged(ConnectionState.DISCONNECTED, reason=words, disconnect=why))
        self._events.put_nowait(_END)

    async def _shutdown(self) -> None:
        this = asyncio.current_task()
        tasks = [t for t in (self._supervisor, self._pump_task) if t is not None and t is not this]
        for task in tasks:
            task.cancel()
        if tasks:
            await asyncio.wait(tasks)
        links = list(self._links)
        if links:
            await asyncio.wait([asyncio.create_task(link.ws.close()) for link in links])
        background = [t for t in self._tasks if t is not this]
        for job in background:
            job.cancel()
        if background:
            await asyncio.wait(background)
        self._end(DisconnectReason.CLOSED_BY_CLIENT, "you left the chat")


__all__ = ["RECENT_IDS", "REFUSED_FRAMES_LIMIT", "STABLE_LINK", "TOKEN_TIMEOUT", "ChatRoom"]
