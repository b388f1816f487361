"""The purger over the real local stack, control plane and history: which messages a
purge takes, and its pace counted in a time of the test's own (no wall clock)."""

from __future__ import annotations

import asyncio
import math
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from tests.server.wired.helpers import WAIT, local_server
from tui.ivs.protocol import MessageFrame, Sender
from tui.server.boot.startup import RunningServer
from tui.server.moderation.records import KEEPER, LoggedAction, NewRecord, Party
from tui.server.raid.purge import IVS_DELETE_MESSAGE_TPS, PURGE_DELETES_PER_SECOND, Purger


class VirtualTime:
    """A clock that moves only when the purger sleeps: its sleep advances it, in whole
    microseconds rounded up (a float sum could stall a hair short of a token)."""

    def __init__(self) -> None:
        self.now_us = 0

    def __call__(self) -> float:
        return self.now_us / 1_000_000

    async def sleep(self, seconds: float) -> None:
        self.now_us += max(1, math.ceil(seconds * 1_000_000))
        await asyncio.sleep(0)


class Timed:
    """The real control plane, with the virtual time of each DeleteMessage noted."""

    def __init__(self, control: Any, clock: VirtualTime) -> None:
        self._control = control
        self._clock = clock
        self.deleted_at: list[float] = []

    async def delete_message(self, room_arn: str, message_id: str, reason: str | None) -> str:
        self.deleted_at.append(self._clock())
        return str(await self._control.delete_message(room_arn, message_id, reason))


def _frame(n: int, sender: str, at: float) -> MessageFrame:
    return MessageFrame(
        id=f"purge{n:07d}",
        content=f"spam {n}",
        sender=Sender(user_id=sender, attributes={"username": sender}),
        send_time=datetime.fromtimestamp(at, UTC),
    )


async def _ban(server: RunningServer, user_id: str, at: float) -> Any:
    moderation = server.service.moderation
    assert moderation is not None
    record = NewRecord(at, KEEPER, False, LoggedAction.BAN, Party(user_id, "Eve"), "raid")
    return moderation.store.apply(record)


async def test_a_purge_takes_the_window_and_keeps_within_the_rate(tmp_path: Path) -> None:
    async with await local_server(tmp_path / "data") as server:
        history, moderation = server.service.history, server.service.moderation
        assert history is not None and moderation is not None
        now = history.clock()
        for n in range(30):  # Eve's raid: the last minute
            history.add_message(_frame(n, "viewer-eve", now - 60 + n))
        history.add_message(_frame(100, "viewer-eve", now - 700))  # before the window
        history.add_message(_frame(101, "viewer-bob", now - 10))  # someone else's
        clock = VirtualTime()
        control = Timed(server.service.control, clock)
        rate, burst = 10.0, 5
        purger = Purger(
            control,  # type: ignore[arg-type]
            server.room_arn,
            history,
            moderation.store,
            rate=rate,
            burst=burst,
            clock=clock,
            sleep=clock.sleep,
        )
        record = await _ban(server, "viewer-eve", now)
        queued = purger.queue(record, 600)
        assert (queued.purge_queued, queued.purged) == (30, None)
        await asyncio.wait_for(purger.idle(), WAIT)
        # Every deletion went through, and history kept only what was outside the purge.
        assert purger.deleted == 30 and len(control.deleted_at) == 30
        left = [m.frame_json for m in history.newest(100)]
        assert [MessageFrame.model_validate_json(f).id for f in left] == [
            "purge0000100",
            "purge0000101",
        ]
        (logged,) = moderation.store.log("viewer-eve")
        assert (logged.purge_queued, logged.purged) == (30, 30)
        # The pace, counted: the burst at once, then one every 1/rate seconds, so no
        # second of (virtual) time holds more than burst + rate deletions.
        times = control.deleted_at
        assert times[:burst] == [0.0] * burst
        for start in times:
            in_a_second = [t for t in times if start <= t < start + 1.0]
            assert len(in_a_second) <= burst + rate
        assert times[-1] >= (30 - burst) / rate - 1e-6
        await purger.close()


def test_the_instances_rate_leaves_room_for_another() -> None:
    """Two instances purging at once stay within IVS's DeleteMessage quota."""
    assert 2 * PURGE_DELETES_PER_SECOND <= IVS_DELETE_MESSAGE_TPS


async def test_a_still_clock_lets_the_burst_through_and_a_stop_logs_what_went(
    tmp_path: Path,
) -> None:
    """No time passes: exactly the burst is deleted, then the purge waits for a token.
    The server stopping then ends it, and the log says how many went."""
    async with await local_server(tmp_path / "data") as server:
        history, moderation = server.service.history, server.service.moderation
        assert history is not None and moderation is not None
        now = history.clock()
        for n in range(12):
            history.add_message(_frame(n, "viewer-eve", now - 30 + n))
        waiting = asyncio.Event()

        async def still(seconds: float) -> None:
            waiting.set()
            await asyncio.Event().wait()  # time never comes

        purger = Purger(
            server.service.control,
            server.room_arn,
            history,
            moderation.store,
            rate=10.0,
            burst=4,
            clock=lambda: 0.0,
            sleep=still,
        )
        record = await _ban(server, "viewer-eve", now)
        assert purger.queue(record, 60).purge_queued == 12
        await asyncio.wait_for(waiting.wait(), WAIT)
        assert purger.deleted == 4
        assert moderation.store.log("viewer-eve")[0].purged is None  # still running
        await purger.close()
        (logged,) = moderation.store.log("viewer-eve")
        assert (logged.purge_queued, logged.purged) == (12, 4)
        assert len(history.message_ids_from("viewer-eve", 0)) == 8
