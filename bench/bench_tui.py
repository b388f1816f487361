"""The TUI under load: ingest against a plain RichLog, key latency, memory over 1M messages.

- `tui_ingest_msgs_per_s`: the real app (`tui.app.ChatApp`, headless at 120x40, follow
  on) joined through the app server of a local stack in another process, taking a flood
  of messages from the emulator's socket and showing them. Timed from asking for the flood
  to the screen refresh after the last message is in the list (so it includes the
  socket, the room client and the app's batching, not just the widget).
- `richlog_baseline_msgs_per_s`: a minimal app with a plain Textual `RichLog` (wrapping,
  10,000 lines, as our scrollback) fed by the same room client from the same emulator, in
  the same run, timed the same way.
- `key_latency_p99_ms` (and p50): the broadcaster pressing up/down in the message list
  while 1,000 messages a second arrive; from posting the key event (as the terminal
  driver does) to the end of the first screen refresh after the selection moved, with
  the collector tuned as the app tunes it at start-up (tui.cli.gc_tuning). The move is caught
  as it happens (the list's Selected message, through run_test's message hook), not by
  polling, which could miss the refresh that showed it and count the next one too.
  Textual paints at most 60 frames a second, so about 8 ms of the median is waiting for
  the next frame. `key_latency_p99_ms_default_gc` is the same measurement with Python's
  default collector.
- `rss_mb_after_1m_msgs`: 1,000,000 messages from 1,000,000 different senders through the
  app in a fresh process, handed to `ChatApp.deliver` (the app's entry point for room
  events) rather than through the socket, which would take minutes; RSS at checkpoints
  shows it is flat once the scrollback is full (nothing is kept per message or sender
  beyond the scrollback).

The flood: the emulator caps a room at 100 msg/s (IVS's maximum), so the stack process
writes `MessageFrame`s, built with the emulator's own model and framing, straight to the
room's sockets through its fan-out, 500 senders, about one message in ten long enough to
wrap. It waits while the receiver's unsent backlog is over 1 MiB, so a slow reader is
never cut off and the rate measured is what the receiver takes. The flood goes to the
TUIs' sockets only, not to the app server's room keeper: on IVS every socket drains on
its own and the keeper runs on the server's machine, but here it shares the stack's event
loop with the flood and records each message in the history store, so it set the pace
(60,000 messages cost the stack process 15 s of CPU with it, 0.9 s without).
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import multiprocessing
import os
import random
import statistics
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from tui.cli.gc_tuning import restore_gc, tune_gc

SIZE = (120, 40)
SCROLLBACK = 10_000
INGEST_MESSAGES = 60_000
BASELINE_MESSAGES = 10_000
LATENCY_RATE = 1_000  # msg/s while keys are pressed
LATENCY_PRESSES = 200
MEMORY_MESSAGES = 1_000_000
MEMORY_CHECKPOINT = 100_000
SENDERS = 500
BACKLOG_LIMIT = 1 << 20  # bytes unsent to a receiver before the flood waits
ID_WIDTH = 12

_TEXTS = (
    "gg",
    "what a play!",
    "hello from the terminal",
    "is this live? the audio is a bit behind on my end",
    "lol",
    "can you show the settings again please",
    "[bold]not markup[/] and an @mention of nobody",
    "first time here, this looks great",
    "which keyboard is that?",
    "a long one that wraps at 120 columns: " + "the quick brown fox jumps over the lazy dog " * 3,
)


def message_id(prefix: str, n: int) -> str:
    """A 12-character [A-Za-z0-9] id, as IVS gives, unique per (prefix, n)."""
    return f"{prefix}{n:0{ID_WIDTH - len(prefix)}d}"


# --- the stack process: local IVS stack + app server, and the flood ------------------


def _stack_process(pipe: Connection) -> None:
    asyncio.run(_stack_main(pipe))


async def _no_flood_control(url: str, broadcaster_key: str) -> None:
    """The flood here is the measurement, not an offence: without this the room keeper
    times the flooding senders out and deletes their messages, and the app measured is
    drawing the keeper's work (system lines, toasts) instead of the chat."""
    import aiohttp

    from tui.server.moderation.room_settings import MAX_FLOOD_MESSAGES

    body = {"flood": {"messages": MAX_FLOOD_MESSAGES, "seconds": 1}}
    headers = {"Authorization": f"Bearer {broadcaster_key}"}
    async with (
        aiohttp.ClientSession() as http,
        http.put(f"{url}/api/moderation/settings", json=body, headers=headers) as answer,
    ):
        if answer.status != 200:
            raise RuntimeError(f"could not turn flood control off: {await answer.text()}")


async def _stack_main(pipe: Connection) -> None:
    from tui.emulator.chat.fanout import encode_text_frame
    from tui.ivs.protocol import MessageFrame, Sender
    from tui.server.boot.startup import start_local_stack
    from tui.server.moderation.records import KEEPER_USER_ID

    with tempfile.TemporaryDirectory(prefix="bench-tui-") as data_dir:
        stack = await start_local_stack("127.0.0.1", 0, data_dir=Path(data_dir))
        assert stack.emulator is not None
        await _no_flood_control(stack.url, stack.broadcaster_key)
        room = stack.emulator.hub.live_room(stack.emulator.state.rooms[stack.room_arn])
        senders = [
            Sender(user_id=f"viewer-{i}", attributes={"username": f"viewer{i}"})
            for i in range(SENDERS)
        ]

        def frames(prefix: str, start: int, count: int, stamped: bool) -> bytes:
            now = datetime.now(UTC)
            # Stamped: the send time in the text, for a reader of the terminal to see.
            stamp = f" t={time.time():.3f}" if stamped else ""
            return b"".join(
                encode_text_frame(
                    MessageFrame(
                        id=message_id(prefix, n),
                        content=f"{_TEXTS[n % len(_TEXTS)]} #{n}{stamp}",
                        sender=senders[n % SENDERS],
                        send_time=now,
                    ).to_json()
                )
                for n in range(start, start + count)
            )

        async def flood(prefix: str, count: int, rate: int, stamped: bool) -> None:
            # Chunks of 10 ms at `rate`, or 500 frames as fast as the receiver reads.
            chunk = max(rate // 100, 1) if rate else 500
            loop = asyncio.get_running_loop()
            due = loop.time()
            for start in range(0, count, chunk):
                data = frames(prefix, start, min(chunk, count - start), stamped)
                # The TUIs under test; the keeper is not (see the module's docstring).
                receivers = [c for c in room.connections if c.user_id != KEEPER_USER_ID]
                while any(  # noqa: ASYNC110 (polling a transport: there is no event)
                    c.transport.get_write_buffer_size() > BACKLOG_LIMIT for c in receivers
                ):
                    await asyncio.sleep(0.001)
                for conn in receivers:
                    conn.write(data)
                if rate:
                    due += 0.01
                    await asyncio.sleep(max(due - loop.time(), 0))
                else:
                    await asyncio.sleep(0)

        pipe.send((stack.url, stack.broadcaster_key))
        try:
            while True:
                command = await asyncio.to_thread(pipe.recv)
                if command[0] == "stop":
                    break
                _, prefix, count, rate, stamped = command
                await flood(prefix, count, rate, stamped)
                pipe.send(("done", count))
        finally:
            await stack.stop()


class _Stack:
    """The parent's handle on the stack process."""

    def __init__(self) -> None:
        context = multiprocessing.get_context("spawn")
        self._pipe, theirs = context.Pipe()
        self._process = context.Process(target=_stack_process, args=(theirs,), daemon=True)
        self.url = ""
        self.broadcaster_key = ""

    def __enter__(self) -> _Stack:
        self._process.start()
        if not self._pipe.poll(60):
            raise RuntimeError("the local stack did not start")
        self.url, self.broadcaster_key = self._pipe.recv()
        return self

    def __exit__(self, *exc: object) -> None:
        with contextlib.suppress(OSError):  # the process may be gone already
            self._pipe.send(("stop",))
        self._process.join(10)
        if self._process.is_alive():
            self._process.terminate()

    def flood(self, prefix: str, count: int, rate: int = 0, *, stamped: bool = False) -> None:
        """Start a flood; `flooded()` waits for the stack to have written it all. Stamped
        messages end with " t=<send time, Unix seconds>"."""
        self._pipe.send(("flood", prefix, count, rate, stamped))

    async def flooded(self) -> None:
        await asyncio.to_thread(self._pipe.recv)

    def wait_flooded(self, seconds: float = 120) -> None:
        if not self._pipe.poll(seconds):
            raise TimeoutError("the flood did not finish")
        self._pipe.recv()


async def _until(condition: Callable[[], bool], seconds: float, what: str) -> None:
    """Poll `condition` every 2 ms: cheap next to what is measured, and no hooks needed."""
    deadline = time.perf_counter() + seconds
    while not condition():
        if time.perf_counter() > deadline:
            raise TimeoutError(f"timed out waiting for {what}")
        await asyncio.sleep(0.002)


# --- our app -------------------------------------------------------------------------


def _chat_app(url: str, name: str, broadcaster_key: str | None = None) -> Any:
    from tui.app import ChatApp
    from tui.client.app_server import AppServerClient
    from tui.client.session import ChatSession
    from tui.config.settings import TuiSettings

    session = ChatSession(AppServerClient(url, broadcaster_key=broadcaster_key), name)
    return ChatApp(session, settings=TuiSettings(scrollback=SCROLLBACK))


async def _connected(app: Any) -> None:
    from tui.ivs.events import ConnectionState

    await _until(
        lambda: app.room is not None and app.room.state is ConnectionState.CONNECTED,
        30,
        "the app to connect",
    )


async def _ingest_ours(stack: _Stack, count: int) -> float:
    app = _chat_app(stack.url, "bench-ingest")
    async with app.run_test(headless=True, size=SIZE):
        await _connected(app)
        messages = app.chat.messages
        stack.flood("W", 2_000)  # warm-up: caches, imports, first layout
        await _until(lambda: message_id("W", 1_999) in messages, 60, "the warm-up")
        await stack.flooded()
        last = message_id("A", count - 1)
        started = time.perf_counter()
        stack.flood("A", count)
        await _until(lambda: last in messages, 120, "our app to take the flood")
        await messages.wait_for_refresh()
        elapsed = time.perf_counter() - started
        await stack.flooded()
        shown = [messages.render_line(y).text for y in range(messages.size.height)]
        if not messages.following or not any(f"#{count - 1}" in row for row in shown):
            raise RuntimeError("the last message is not on screen")
    return count / elapsed


async def _ingest_richlog(stack: _Stack, count: int) -> float:
    from rich.text import Text
    from textual.app import App, ComposeResult
    from textual.widgets import RichLog

    from tui.client.app_server import AppServerClient
    from tui.client.session import ChatSession
    from tui.ivs.events import ChatMessage, ConnectionState, StateChanged
    from tui.ivs.room import ChatRoom

    session = ChatSession(AppServerClient(stack.url), "bench-richlog")
    await session.open()

    class RichLogApp(App[None]):
        def __init__(self) -> None:
            super().__init__()
            self.last_id = ""
            self.state = ConnectionState.CONNECTING

        def compose(self) -> ComposeResult:
            yield RichLog(max_lines=SCROLLBACK, wrap=True)

        def on_mount(self) -> None:
            self.run_worker(self._consume(), exclusive=True)

        async def _consume(self) -> None:
            log = self.query_one(RichLog)
            async with ChatRoom(session.token_provider()) as room:
                async for event in room:
                    if type(event) is ChatMessage:
                        moment = event.send_time.astimezone()
                        line = f"{moment:%H:%M} {event.sender_name} {event.content}"
                        log.write(Text(line))
                        self.last_id = event.id
                    elif isinstance(event, StateChanged):
                        self.state = event.state

    app = RichLogApp()
    try:
        async with app.run_test(headless=True, size=SIZE):
            await _until(lambda: app.state is ConnectionState.CONNECTED, 30, "RichLog to connect")
            log = app.query_one(RichLog)
            warm = 1_000
            stack.flood("V9", warm)
            await _until(lambda: app.last_id == message_id("V9", warm - 1), 60, "the warm-up")
            await stack.flooded()
            last = message_id("B9", count - 1)
            started = time.perf_counter()
            stack.flood("B9", count)
            await _until(lambda: app.last_id == last, 300, "RichLog to take the flood")
            await log.wait_for_refresh()
            elapsed = time.perf_counter() - started
            await stack.flooded()
    finally:
        await session.close()
    return count / elapsed


async def _key_latency(stack: _Stack) -> tuple[float, float]:
    from textual import events
    from textual.message import Message

    from tui.widgets.message_list import MessageList

    # The broadcaster: who moves through the list to moderate (the footer offers delete
    # and disconnect, and every move asks which actions apply).
    app = _chat_app(stack.url, "bench-keys", stack.broadcaster_key)
    latencies: list[float] = []
    rng = random.Random(7)
    shown = asyncio.Event()
    armed = False

    def on_message(message: Message) -> None:
        # The selection moved (its Selected is handled right after the key): ask for the
        # end of the next screen refresh, which is the first one that can show it.
        nonlocal armed
        if armed and isinstance(message, MessageList.Selected):
            armed = False
            message.message_list.call_after_refresh(shown.set)

    async with app.run_test(headless=True, size=SIZE, message_hook=on_message):
        await _connected(app)
        if app.identity is None or not app.identity.is_broadcaster:
            raise RuntimeError("the key-latency app did not join as the broadcaster")
        messages = app.chat.messages
        duration_s = LATENCY_PRESSES * 0.045 + 3
        stack.flood("K", int(LATENCY_RATE * duration_s), LATENCY_RATE)
        await _until(lambda: len(messages) > 500, 30, "the flood to start")
        messages.focus()
        messages.select_last()
        await messages.wait_for_refresh()
        for press in range(LATENCY_PRESSES):
            if press % 20 == 0:
                # Near the newest, as a moderator would be; the old end of the scrollback
                # moves at 1,000 lines a second and would take the selection with it.
                messages.select_last()
                await messages.wait_for_refresh()
            before = messages.selected_message
            key = "up" if press % 2 == 0 else "down"
            shown.clear()
            armed = True
            started = time.perf_counter()
            app.post_message(events.Key(key, None))
            await asyncio.wait_for(shown.wait(), 10)
            latencies.append((time.perf_counter() - started) * 1000)
            if messages.selected_message is before:
                raise RuntimeError("the key did not move the selection")
            await asyncio.sleep(rng.uniform(0.01, 0.04))
        await stack.flooded()
    cuts = statistics.quantiles(latencies, n=100)
    return cuts[49], cuts[98]


# --- memory, in a fresh process ------------------------------------------------------


def _rss_mb() -> float:
    pages = int(Path("/proc/self/statm").read_text().split()[1])
    return pages * os.sysconf("SC_PAGE_SIZE") / (1 << 20)


def _memory_process(pipe: Connection) -> None:
    pipe.send(asyncio.run(_memory()))


async def _memory() -> dict[str, Any]:
    from tui.app import ChatApp
    from tui.config.settings import TuiSettings
    from tui.ivs.events import ChatMessage

    tune_gc()  # as the running app does: memory is measured under the same collector
    app = ChatApp(settings=TuiSettings(scrollback=SCROLLBACK))
    now = datetime.now(UTC)
    checkpoints: dict[str, float] = {}
    batch = 5_000
    async with app.run_test(headless=True, size=SIZE):
        messages = app.chat.messages
        for start in range(0, MEMORY_MESSAGES, batch):
            for n in range(start, start + batch):
                # A sender of its own each: nothing may be kept per sender either.
                app.deliver(
                    ChatMessage(
                        id=message_id("M", n),
                        content=f"{_TEXTS[n % len(_TEXTS)]} #{n}",
                        sender_id=f"viewer-{n}",
                        sender_attributes={"username": f"viewer{n}"},
                        attributes={},
                        send_time=now,
                    )
                )
            await messages.wait_for_refresh()
            done = start + batch
            if done % MEMORY_CHECKPOINT == 0 or done == 20_000:
                gc.collect()
                checkpoints[str(done)] = round(_rss_mb(), 1)
        if len(messages) != SCROLLBACK or message_id("M", MEMORY_MESSAGES - 1) not in messages:
            raise RuntimeError("the app did not keep the newest scrollback")
    return checkpoints


def _measure_memory() -> dict[str, float]:
    context = multiprocessing.get_context("spawn")
    ours, theirs = context.Pipe()
    process = context.Process(target=_memory_process, args=(theirs,), daemon=True)
    process.start()
    try:
        if not ours.poll(170):
            raise RuntimeError("the memory run did not finish in time")
        return ours.recv()
    finally:
        process.join(10)
        if process.is_alive():
            process.terminate()


# --- entry point ---------------------------------------------------------------------


async def _measure(stack: _Stack) -> dict[str, Any]:
    ours = await _ingest_ours(stack, INGEST_MESSAGES)
    baseline = await _ingest_richlog(stack, BASELINE_MESSAGES)
    default_p50, default_p99 = await _key_latency(stack)
    # The app tunes the collector at start-up (tui.cli.gc_tuning, run_chat_async); the
    # headline figure is the app as users run it, the default-GC one shows why it does.
    previous = tune_gc()
    try:
        tuned_p50, tuned_p99 = await _key_latency(stack)
    finally:
        restore_gc(previous)
    return {
        "tui_ingest_msgs_per_s": round(ours, 1),
        "richlog_baseline_msgs_per_s": round(baseline, 1),
        "tui_vs_richlog": round(ours / baseline, 1),
        "key_latency_p50_ms": round(tuned_p50, 1),
        "key_latency_p99_ms": round(tuned_p99, 1),
        "key_latency_p50_ms_default_gc": round(default_p50, 1),
        "key_latency_p99_ms_default_gc": round(default_p99, 1),
    }


def run() -> dict[str, Any]:
    with _Stack() as stack:
        results = asyncio.run(_measure(stack))
    checkpoints = _measure_memory()
    results["rss_mb_after_1m_msgs"] = checkpoints[str(MEMORY_MESSAGES)]
    results["rss_mb_checkpoints"] = checkpoints
    after_full = checkpoints[str(MEMORY_CHECKPOINT)]
    results["rss_mb_growth_after_scrollback_full"] = round(
        checkpoints[str(MEMORY_MESSAGES)] - after_full, 1
    )
    return results


if __name__ == "__main__":
    print(run())
